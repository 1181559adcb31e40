import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import type { Worker } from '../../src/delivery/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

interface DeliveryBody {
  delivery_id: string;
  event_id: string;
  status: string;
  attempt_count: number;
  replay_pending: boolean;
  attempts: { attempt: number; manual: boolean; succeeded: boolean; request: { body: string } }[];
}

for (const kind of testDatabaseKinds()) {
  describe(`delivery replay (${kind})`, () => {
    let t: TestApp;
    let worker: Worker;
    let templateId: string;

    before(async () => {
      t = await createTestApp(kind, { config: { retryScheduleMs: [50, 50, 50, 50, 50] } });
      templateId = await createTemplate(t);
      worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    async function deliveryOf(runId: string): Promise<DeliveryBody> {
      const response = await t.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json<{ data: DeliveryBody[] }>().data[0]!;
    }

    async function waitForDelivery(
      runId: string,
      check: (d: DeliveryBody) => boolean,
    ): Promise<DeliveryBody> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const delivery = await deliveryOf(runId);
        if (check(delivery)) return delivery;
        if (Date.now() > deadline) throw new Error(`delivery never matched: ${JSON.stringify(delivery)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    function replay(deliveryId: string, apiKey?: string) {
      return t.api({
        method: 'POST',
        url: `/v1/deliveries/${deliveryId}/replay`,
        ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
      });
    }

    it('replays a succeeded delivery: same event_id and body, the next delivery_attempt, marked manual', async () => {
      const receiver = await startReceiver();
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        const delivered = await waitForDelivery(runId, (d) => d.status === 'succeeded');
        const response = await replay(delivered.delivery_id);
        assert.equal(response.statusCode, 202, response.body);
        const accepted = response.json<DeliveryBody>();
        assert.equal(accepted.delivery_id, delivered.delivery_id);
        assert.equal(accepted.replay_pending, true);
        await receiver.waitFor((r) => r.length === 2);
        const [original, replayed] = receiver.received;
        assert.equal(replayed!.json.event_id, original!.json.event_id);
        assert.equal(replayed!.json.delivery_attempt, 2);
        assert.deepEqual({ ...replayed!.json, delivery_attempt: 1 }, original!.json);
        const after = await waitForDelivery(runId, (d) => d.attempt_count === 2 && !d.replay_pending);
        assert.equal(after.status, 'succeeded');
        assert.deepEqual(
          after.attempts.map((a) => [a.attempt, a.manual, a.succeeded]),
          [
            [1, false, true],
            [2, true, true],
          ],
        );
      } finally {
        await receiver.close();
      }
    });

    it('replays a failed delivery once, and it succeeds once the receiver is back', async () => {
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 500 });
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'step.completed', SAMPLE_DATA['step.completed']);
        const failed = await waitForDelivery(runId, (d) => d.status === 'failed');
        assert.equal(failed.attempt_count, 6);

        assert.equal((await replay(failed.delivery_id)).statusCode, 202);
        const stillFailed = await waitForDelivery(runId, (d) => d.attempt_count === 7 && !d.replay_pending);
        assert.equal(stillFailed.status, 'failed');
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(receiver.received.length, 7, 'a failed replay is not retried automatically');

        receiver.respond = () => ({ status: 200 });
        assert.equal((await replay(failed.delivery_id)).statusCode, 202);
        const succeeded = await waitForDelivery(runId, (d) => d.status === 'succeeded');
        assert.equal(succeeded.attempt_count, 8);
        assert.deepEqual(
          succeeded.attempts.map((a) => a.manual),
          [false, false, false, false, false, false, true, true],
        );
        assert.deepEqual(
          receiver.received.map((r) => r.json.delivery_attempt),
          [1, 2, 3, 4, 5, 6, 7, 8],
        );
        assert.equal(new Set(receiver.received.map((r) => r.json.event_id)).size, 1);
      } finally {
        await receiver.close();
      }
    });

    it('sends a replay requested while an attempt is in flight right after that attempt', async () => {
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 200, delayMs: receiver.received.length === 1 ? 600 : 0 });
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'step.skipped', SAMPLE_DATA['step.skipped']);
        await receiver.waitFor((r) => r.length === 1);
        const inFlight = await deliveryOf(runId);
        assert.equal((await replay(inFlight.delivery_id)).statusCode, 202);
        await receiver.waitFor((r) => r.length === 2);
        const [first, second] = receiver.received;
        assert.ok(second!.receivedAt >= first!.answeredAt!, 'never two attempts at once');
        const done = await waitForDelivery(runId, (d) => d.attempt_count === 2 && !d.replay_pending);
        assert.deepEqual(
          done.attempts.map((a) => [a.attempt, a.manual]),
          [
            [1, false],
            [2, true],
          ],
        );
      } finally {
        await receiver.close();
      }
    });

    it('with an Idempotency-Key a repeated replay sends nothing more and answers as the first did', async () => {
      const receiver = await startReceiver();
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        const delivered = await waitForDelivery(runId, (d) => d.status === 'succeeded');
        const send = () =>
          t.api({
            method: 'POST',
            url: `/v1/deliveries/${delivered.delivery_id}/replay`,
            headers: { 'idempotency-key': `replay-${delivered.delivery_id}` },
          });
        const first = await send();
        assert.equal(first.statusCode, 202, first.body);
        await waitForDelivery(runId, (d) => d.attempt_count === 2 && !d.replay_pending);
        const repeat = await send();
        assert.equal(repeat.statusCode, 202, repeat.body);
        assert.equal(repeat.headers['idempotent-replayed'], 'true');
        assert.deepEqual(repeat.json(), first.json());
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(receiver.received.length, 2, 'the repeat queued no attempt');
        assert.equal((await deliveryOf(runId)).attempt_count, 2);
      } finally {
        await receiver.close();
      }
    });

    it("answers 404 for another org's delivery and run, and for unknown ids", async () => {
      const receiver = await startReceiver();
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.cancelled', SAMPLE_DATA['run.cancelled']);
        const delivery = await waitForDelivery(runId, (d) => d.status === 'succeeded');
        const other = await createOrg(t.database.db, 'Other org', 1);
        const { key } = await createApiKey(t.database.db, other.id, 'other');

        const foreignReplay = await replay(delivery.delivery_id, key);
        assert.equal(foreignReplay.statusCode, 404);
        assert.equal(foreignReplay.headers['content-type'], 'application/problem+json; charset=utf-8');
        const foreignList = await t.api({
          method: 'GET',
          url: `/v1/runs/${runId}/deliveries`,
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(foreignList.statusCode, 404);
        assert.equal((await replay('whd-00000000-0000-4000-8000-000000000000')).statusCode, 404);
        assert.equal(
          (await t.api({ method: 'GET', url: '/v1/runs/r-00000000-0000-4000-8000-000000000000/deliveries' }))
            .statusCode,
          404,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(receiver.received.length, 1, 'the refused replay sent nothing');
      } finally {
        await receiver.close();
      }
    });
  });
}
