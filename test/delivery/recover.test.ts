import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import type { Worker } from '../../src/delivery/worker.js';
import type { EventType } from '../../src/domain/events.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver, type TestReceiver } from './helpers/receiver.js';
import { appendEvent, SAMPLE_DATA, startTestWorker, WEBHOOK_SECRET } from './helpers/runs.js';

interface DeliverySummary {
  delivery_id: string;
  event_id: string;
  event: string;
  run_id: string;
  url: string;
  status: string;
  attempt_count: number;
  replay_pending: boolean;
  created_at: string;
}

const HOUR_MS = 3600_000;

for (const kind of testDatabaseKinds()) {
  describe(`org-wide deliveries and recover (${kind})`, () => {
    let t: TestApp;
    let worker: Worker;
    let receiver: TestReceiver;

    before(async () => {
      t = await createTestApp(kind, { config: { retryScheduleMs: [20, 20, 20, 20, 20] } });
      worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
      receiver = await startReceiver();
      // /down is the receiver in an outage until a test says otherwise; /up always answers 200.
      receiver.respond = (request) => ({ status: request.path.startsWith('/down') ? 500 : 200 });
    });
    after(async () => {
      await worker.stop();
      await receiver.close();
      await t.close();
    });

    /** A fresh org (so each test sees only its own deliveries) with an API client and a template. */
    async function newOrg() {
      const org = await createOrg(t.database.db, 'Recovering org', 100);
      const { key } = await createApiKey(t.database.db, org.id, 'test');
      const api = (options: InjectOptions & { url: string; headers?: Record<string, string> }) =>
        t.app.inject({ ...options, headers: { authorization: `Bearer ${key}`, ...options.headers } });
      const template = await api({ method: 'POST', url: '/v1/templates', payload: EVERY_STEP_TEMPLATE });
      assert.equal(template.statusCode, 201, template.body);
      const templateId = template.json<{ id: string }>().id;
      async function dispatch(path: string): Promise<string> {
        const response = await api({
          method: 'POST',
          url: '/v1/runs',
          payload: {
            template_id: templateId,
            webhook: { url: `${receiver.origin}${path}`, secret: WEBHOOK_SECRET },
          },
        });
        assert.equal(response.statusCode, 201, response.body);
        return response.json<{ run_id: string }>().run_id;
      }
      async function deliveries(
        query = '',
      ): Promise<{ data: DeliverySummary[]; next_cursor: string | null }> {
        const response = await api({ method: 'GET', url: `/v1/deliveries${query}` });
        assert.equal(response.statusCode, 200, response.body);
        return response.json();
      }
      /** Waits until no delivery of the org has work left (pending or a replay waiting). */
      async function settled(): Promise<DeliverySummary[]> {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const { data } = await deliveries('?limit=200');
          if (data.every((d) => d.status !== 'pending' && !d.replay_pending)) return data;
          if (Date.now() > deadline) throw new Error(`never settled: ${JSON.stringify(data)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      function recover(body: Record<string, unknown>, headers: Record<string, string> = {}) {
        t.clock.now = new Date(); // the worker runs on real time; `until` defaults to the app's now
        return api({ method: 'POST', url: '/v1/deliveries/recover', payload: body, headers });
      }
      return { orgId: org.id, key, api, dispatch, deliveries, settled, recover };
    }

    function event(runId: string, type: EventType, at = new Date()) {
      return appendEvent(t.database, runId, type, SAMPLE_DATA[type], at);
    }

    function receivedFor(eventId: string) {
      return receiver.received.filter((r) => r.json.event_id === eventId);
    }

    it('recover re-sends exactly the failed deliveries of the window, each once', async () => {
      const org = await newOrg();
      const outage = `/down/${org.orgId}`;
      const failingRun = await org.dispatch(outage);
      const failed1 = await event(failingRun, 'step.completed');
      const failed2 = await event(failingRun, 'run.completed');
      const otherFailingRun = await org.dispatch(outage);
      const failed3 = await event(otherFailingRun, 'run.cancelled');
      const healthyRun = await org.dispatch(`/up/${org.orgId}`);
      const delivered = await event(healthyRun, 'run.completed');
      const oldRun = await org.dispatch(outage);
      const beforeWindow = await event(oldRun, 'run.expired', new Date(Date.now() - 3 * HOUR_MS));
      const foreign = await newOrg();
      const foreignRun = await foreign.dispatch(outage);
      const foreignFailed = await event(foreignRun, 'run.completed');

      const settled = await org.settled();
      await foreign.settled();
      assert.deepEqual(
        settled.map((d) => [d.event_id, d.status, d.attempt_count]).sort(),
        [
          [failed1.event_id, 'failed', 6],
          [failed2.event_id, 'failed', 6],
          [failed3.event_id, 'failed', 6],
          [delivered.event_id, 'succeeded', 1],
          [beforeWindow.event_id, 'failed', 6],
        ].sort(),
      );
      const receivedBefore = receiver.received.length;

      receiver.respond = () => ({ status: 200 }); // the outage is over
      try {
        const since = new Date(Date.now() - HOUR_MS).toISOString();
        const response = await org.recover({ since });
        assert.equal(response.statusCode, 202, response.body);
        assert.deepEqual(response.json(), { queued: 3, next_cursor: null });
        await receiver.waitFor((r) => r.length === receivedBefore + 3);
        const after = await org.settled();
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(receiver.received.length, receivedBefore + 3, 'nothing else was sent');
        for (const { event_id } of [failed1, failed2, failed3]) {
          const sent = receivedFor(event_id);
          assert.deepEqual(
            sent.map((r) => r.json.delivery_attempt),
            [1, 2, 3, 4, 5, 6, 7],
          );
          assert.equal(after.find((d) => d.event_id === event_id)!.status, 'succeeded');
        }
        assert.equal(receivedFor(delivered.event_id).length, 1, 'a succeeded delivery is not re-sent');
        assert.equal(receivedFor(beforeWindow.event_id).length, 6, 'outside the window: not re-sent');
        assert.equal(receivedFor(foreignFailed.event_id).length, 6, "another org's: not re-sent");
        assert.equal(after.find((d) => d.event_id === beforeWindow.event_id)!.status, 'failed');

        const again = await org.recover({ since });
        assert.deepEqual(again.json(), { queued: 0, next_cursor: null }, 'nothing failed is left');
      } finally {
        receiver.respond = (request) => ({ status: request.path.startsWith('/down') ? 500 : 200 });
      }
    });

    it('queues at most limit per call; next_cursor goes on without re-queuing what failed again', async () => {
      const org = await newOrg();
      const runId = await org.dispatch(`/down/${org.orgId}`);
      const events = [
        await event(runId, 'step.completed', new Date(Date.now() - 3000)),
        await event(runId, 'step.skipped', new Date(Date.now() - 2000)),
        await event(runId, 'run.completed', new Date(Date.now() - 1000)),
      ];
      await org.settled();
      const since = new Date(Date.now() - HOUR_MS).toISOString();

      const first = await org.recover({ since, limit: 2 });
      assert.equal(first.statusCode, 202, first.body);
      const firstBody = first.json<{ queued: number; next_cursor: string | null }>();
      assert.equal(firstBody.queued, 2);
      assert.ok(firstBody.next_cursor);
      const afterFirst = await org.settled(); // still down: both fail again
      assert.deepEqual(
        afterFirst.map((d) => [d.event_id, d.status, d.attempt_count]).sort(),
        [
          [events[0]!.event_id, 'failed', 7],
          [events[1]!.event_id, 'failed', 7],
          [events[2]!.event_id, 'failed', 6],
        ].sort(),
        'the oldest two were sent once more',
      );

      const second = await org.recover({ since, limit: 2, cursor: firstBody.next_cursor });
      assert.deepEqual(second.json(), { queued: 1, next_cursor: null });
      const afterSecond = await org.settled();
      assert.deepEqual(
        afterSecond.map((d) => d.attempt_count),
        [7, 7, 7],
        'each delivery was recovered exactly once',
      );
    });

    it('recovers one run, or one URL, only', async () => {
      const org = await newOrg();
      const runA = await org.dispatch(`/down/${org.orgId}/a`);
      const runB = await org.dispatch(`/down/${org.orgId}/b`);
      const a = await event(runA, 'run.completed');
      const b = await event(runB, 'run.completed');
      await org.settled();
      const since = new Date(Date.now() - HOUR_MS).toISOString();

      assert.deepEqual((await org.recover({ since, run_id: runA })).json(), { queued: 1, next_cursor: null });
      await org.settled();
      assert.equal(receivedFor(a.event_id).length, 7);
      assert.equal(receivedFor(b.event_id).length, 6);

      const byUrl = await org.recover({ since, url: `${receiver.origin}/down/${org.orgId}/b` });
      assert.deepEqual(byUrl.json(), { queued: 1, next_cursor: null });
      await org.settled();
      assert.equal(receivedFor(a.event_id).length, 7);
      assert.equal(receivedFor(b.event_id).length, 7);
    });

    it('with an Idempotency-Key a repeated recover queues nothing and answers as the first did', async () => {
      const org = await newOrg();
      const runId = await org.dispatch(`/down/${org.orgId}`);
      const failed = await event(runId, 'run.completed');
      await org.settled();
      const body = { since: new Date(Date.now() - HOUR_MS).toISOString() };
      const headers = { 'idempotency-key': `recover-${org.orgId}` };

      const first = await org.recover(body, headers);
      assert.equal(first.statusCode, 202, first.body);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      await org.settled();
      const repeat = await org.recover(body, headers);
      assert.equal(repeat.statusCode, 202, repeat.body);
      assert.equal(repeat.headers['idempotent-replayed'], 'true');
      assert.deepEqual(repeat.json(), first.json());
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(receivedFor(failed.event_id).length, 7, 'the repeat queued nothing');

      const reused = await org.recover({ ...body, run_id: runId }, headers);
      assert.equal(reused.statusCode, 409, reused.body);
      assert.equal(reused.json<{ errors: { rule: string }[] }>().errors[0]!.rule, 'idempotency_key_reused');
    });

    it('refuses a window that ends before it starts, a missing since and a foreign cursor', async () => {
      const org = await newOrg();
      const now = Date.now();
      const backwards = await org.recover({
        since: new Date(now).toISOString(),
        until: new Date(now - HOUR_MS).toISOString(),
      });
      assert.equal(backwards.statusCode, 400, backwards.body);
      assert.equal((await org.recover({})).statusCode, 400);
      assert.equal((await org.recover({ since: 'yesterday' })).statusCode, 400);
      const cursor = await org.recover({ since: new Date(now - HOUR_MS).toISOString(), cursor: 'nonsense' });
      assert.equal(cursor.statusCode, 400, cursor.body);
    });

    it('lists the org’s deliveries newest first, filtered by status, event, run and window, a page at a time', async () => {
      const org = await newOrg();
      const down = await org.dispatch(`/down/${org.orgId}`);
      const up = await org.dispatch(`/up/${org.orgId}`);
      const base = Date.now() - 10 * 60_000;
      const e1 = await event(down, 'step.completed', new Date(base));
      const e2 = await event(up, 'step.completed', new Date(base + 60_000));
      const e3 = await event(up, 'run.completed', new Date(base + 120_000));
      const e4 = await event(down, 'run.cancelled', new Date(base + 180_000));
      await org.settled();
      const foreign = await newOrg();
      await event(await foreign.dispatch(`/up/${org.orgId}`), 'run.completed');
      await foreign.settled();

      const all = await org.deliveries();
      assert.deepEqual(
        all.data.map((d) => d.event_id),
        [e4, e3, e2, e1].map((e) => e.event_id),
      );
      assert.equal(all.next_cursor, null);
      assert.equal(all.data[0]!.run_id, down);
      assert.equal(all.data[0]!.event, 'run.cancelled');
      assert.equal('attempts' in all.data[0]!, false, 'the list leaves the attempt logs out');

      const ids = async (query: string) => (await org.deliveries(query)).data.map((d) => d.event_id);
      assert.deepEqual(await ids('?status=failed'), [e4.event_id, e1.event_id]);
      assert.deepEqual(await ids('?status=succeeded&event=step.completed'), [e2.event_id]);
      assert.deepEqual(await ids(`?run_id=${up}`), [e3.event_id, e2.event_id]);
      const since = encodeURIComponent(new Date(base + 60_000).toISOString());
      const until = encodeURIComponent(new Date(base + 180_000).toISOString());
      assert.deepEqual(await ids(`?since=${since}&until=${until}`), [e3.event_id, e2.event_id]);

      const page1 = await org.deliveries('?limit=3');
      assert.equal(page1.data.length, 3);
      assert.ok(page1.next_cursor);
      const page2 = await org.deliveries(`?limit=3&cursor=${page1.next_cursor}`);
      assert.deepEqual(
        page2.data.map((d) => d.event_id),
        [e1.event_id],
      );
      assert.equal(page2.next_cursor, null);

      const one = await org.api({ method: 'GET', url: `/v1/deliveries/${all.data[0]!.delivery_id}` });
      assert.equal(one.statusCode, 200, one.body);
      assert.equal(one.json<{ attempts: unknown[] }>().attempts.length, 6);
      const foreignRead = await foreign.api({
        method: 'GET',
        url: `/v1/deliveries/${all.data[0]!.delivery_id}`,
      });
      assert.equal(foreignRead.statusCode, 404);

      assert.equal((await org.api({ method: 'GET', url: '/v1/deliveries?status=lost' })).statusCode, 400);
      assert.equal(
        (await org.api({ method: 'GET', url: '/v1/deliveries?event=run.started' })).statusCode,
        400,
      );
      assert.equal((await org.api({ method: 'GET', url: '/v1/deliveries?since=monday' })).statusCode, 400);
    });

    it("pages a run's deliveries in event order, with their attempts", async () => {
      const org = await newOrg();
      const runId = await org.dispatch(`/up/${org.orgId}`);
      const sent = [];
      for (const type of ['step.completed', 'step.skipped', 'step.completed', 'run.completed'] as const) {
        sent.push(await event(runId, type));
      }
      await org.settled();
      const page = async (query: string) => {
        const response = await org.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries${query}` });
        assert.equal(response.statusCode, 200, response.body);
        return response.json<{
          data: (DeliverySummary & { seq: number; attempts: unknown[] })[];
          next_cursor: string | null;
        }>();
      };
      const first = await page('?limit=3');
      assert.deepEqual(
        first.data.map((d) => d.seq),
        [1, 2, 3],
      );
      assert.equal(first.data[0]!.attempts.length, 1);
      const second = await page(`?limit=3&cursor=${first.next_cursor}`);
      assert.deepEqual(
        second.data.map((d) => [d.seq, d.event_id]),
        [[4, sent[3]!.event_id]],
      );
      assert.equal(second.next_cursor, null);
      assert.equal(
        (await org.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries?cursor=x` })).statusCode,
        400,
      );
    });
  });
}
