import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '@rundun/webhooks';
import { sql } from 'kysely';
import { expireDueRuns } from '../../src/db/expire-run.js';
import type { Worker } from '../../src/delivery/worker.js';
import { EVENT_TYPES } from '../../src/domain/events.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import {
  appendEvent,
  createTemplate,
  dispatchRun,
  SAMPLE_DATA,
  startTestWorker,
  WEBHOOK_SECRET,
} from './helpers/runs.js';

interface DeliveryBody {
  delivery_id: string;
  event_id: string;
  status: string;
  attempt_count: number;
  attempts: {
    attempt: number;
    manual: boolean;
    duration_ms: number;
    request: { headers: Record<string, string>; body: string };
    response: { status: number; headers: Record<string, string>; body: string } | null;
    error: string | null;
    succeeded: boolean;
  }[];
}

const TIMEOUT_MS = 2_500;

for (const kind of testDatabaseKinds()) {
  describe(`webhook delivery (${kind})`, () => {
    let t: TestApp;
    let worker: Worker;
    let templateId: string;

    before(async () => {
      t = await createTestApp(kind, { config: { retryScheduleMs: [100, 100, 100, 100, 100] } });
      templateId = await createTemplate(t);
      // PGlite runs in this thread: its queries can hold the event loop for hundreds of milliseconds, so
      // a timeout much below a few seconds would fail attempts the receiver answered at once.
      worker = startTestWorker(t.database, t.config, { timeoutMs: TIMEOUT_MS });
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    async function deliveriesOf(runId: string): Promise<DeliveryBody[]> {
      const response = await t.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json<{ data: DeliveryBody[] }>().data;
    }

    it('delivers every event type signed, and each verifies with @rundun/webhooks', async () => {
      const receiver = await startReceiver();
      try {
        const url = `${receiver.origin}/hooks/rundun?source=test`;
        const first = await dispatchRun(t, templateId, { url });
        const written = [
          await appendEvent(t.database, first, 'step.completed', SAMPLE_DATA['step.completed']),
          await appendEvent(t.database, first, 'step.skipped', SAMPLE_DATA['step.skipped']),
          await appendEvent(t.database, first, 'run.completed', SAMPLE_DATA['run.completed']),
        ];
        const second = await dispatchRun(t, templateId, { url });
        written.push(await appendEvent(t.database, second, 'run.cancelled', SAMPLE_DATA['run.cancelled']));
        const third = await dispatchRun(t, templateId, { url }, { expires_in_hours: 1 });
        await sql`update runs set expires_at = now() - interval '1 second' where id = ${third}`.execute(
          t.database.db,
        );
        await expireDueRuns(t.database.db, new Date());

        await receiver.waitFor((r) => r.length === 5);
        const byType = new Map(receiver.received.map((r) => [r.json.event, r]));
        assert.deepEqual([...byType.keys()].sort(), [...EVENT_TYPES].sort());
        for (const request of receiver.received) {
          assert.equal(request.path, '/hooks/rundun?source=test');
          assert.equal(request.headers['content-type'], 'application/json');
          const verified = verifyWebhook({
            url,
            headers: request.headers,
            body: request.body,
            secret: WEBHOOK_SECRET,
          });
          assert.equal(verified.event, request.json.event);
          assert.match(
            String(request.headers['signature-input']),
            new RegExp(`keyid="${String(request.json.run_id)}"`),
          );
          assert.equal(request.json.delivery_attempt, 1);
          assert.deepEqual(Object.keys(request.json).slice(0, 3), ['event_id', 'delivery_attempt', 'event']);
          assert.equal((request.json.data as { executor_ref: string }).executor_ref, 'booking-42');
        }
        for (const envelope of written) {
          const got = receiver.received.find((r) => r.json.event_id === envelope.event_id);
          assert.ok(got, `${envelope.event} arrived`);
          assert.equal(got.json.seq, envelope.seq);
        }
        assert.deepEqual(
          receiver.received.filter((r) => r.json.run_id === first).map((r) => r.json.seq),
          [1, 2, 3],
        );
      } finally {
        await receiver.close();
      }
    });

    it('keeps the attempt log: request headers and body, response status, headers, body and timing', async () => {
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 202, headers: { 'x-receiver': 'yes' }, body: 'x'.repeat(20_000) });
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        const envelope = await appendEvent(
          t.database,
          runId,
          'step.completed',
          SAMPLE_DATA['step.completed'],
        );
        await receiver.waitFor((r) => r.length === 1);
        await waitUntil(async () => (await deliveriesOf(runId))[0]?.status === 'succeeded');
        const [delivery] = await deliveriesOf(runId);
        assert.equal(delivery!.event_id, envelope.event_id);
        assert.equal(delivery!.attempt_count, 1);
        const [attempt] = delivery!.attempts;
        assert.equal(attempt!.attempt, 1);
        assert.equal(attempt!.succeeded, true);
        assert.equal(attempt!.manual, false);
        assert.equal(attempt!.error, null);
        assert.equal(attempt!.request.body, receiver.received[0]!.body);
        for (const name of ['content-type', 'content-digest', 'signature-input', 'signature'])
          assert.equal(attempt!.request.headers[name], receiver.received[0]!.headers[name]);
        assert.equal(attempt!.response!.status, 202);
        assert.equal(attempt!.response!.headers['x-receiver'], 'yes');
        assert.equal(attempt!.response!.body.length, 16 * 1024);
        assert.ok(attempt!.duration_ms >= 0);
      } finally {
        await receiver.close();
      }
    });

    it('retries a failing receiver with the same event_id and body, counting delivery_attempt up', async () => {
      const receiver = await startReceiver();
      receiver.respond = () =>
        receiver.received.length <= 2 ? { status: 500, body: 'boom' } : { status: 200 };
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        await receiver.waitFor((r) => r.length === 3);
        const [a, b, c] = receiver.received;
        assert.deepEqual(
          receiver.received.map((r) => r.json.delivery_attempt),
          [1, 2, 3],
        );
        assert.equal(new Set(receiver.received.map((r) => r.json.event_id)).size, 1);
        const withoutAttempt = (body: Record<string, unknown>) => ({ ...body, delivery_attempt: 0 });
        assert.deepEqual(withoutAttempt(c!.json), withoutAttempt(a!.json));
        assert.ok(b!.receivedAt - a!.answeredAt! >= 90, 'waited the schedule before attempt 2');
        await waitUntil(async () => (await deliveriesOf(runId))[0]?.status === 'succeeded');
        const [delivery] = await deliveriesOf(runId);
        assert.equal(delivery!.attempt_count, 3);
        assert.match(delivery!.attempts[0]!.error!, /HTTP 500/);
        assert.equal(delivery!.attempts[0]!.response!.body, 'boom');
      } finally {
        await receiver.close();
      }
    });

    it('delivers after the receiver was down for several attempts, with the right delivery_attempt', async () => {
      const receiver = await startReceiver();
      const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
      await receiver.stop();
      try {
        const envelope = await appendEvent(t.database, runId, 'step.skipped', SAMPLE_DATA['step.skipped']);
        await waitUntil(async () => ((await deliveriesOf(runId))[0]?.attempt_count ?? 0) >= 3);
        await receiver.listen();
        await receiver.waitFor((r) => r.length === 1);
        const [got] = receiver.received;
        assert.equal(got!.json.event_id, envelope.event_id);
        await waitUntil(async () => (await deliveriesOf(runId))[0]?.status === 'succeeded');
        const [delivery] = await deliveriesOf(runId);
        assert.equal(got!.json.delivery_attempt, delivery!.attempt_count);
        assert.ok(delivery!.attempt_count >= 4);
        for (const failed of delivery!.attempts.slice(0, -1)) {
          assert.equal(failed.response, null);
          assert.match(failed.error!, /ECONNREFUSED/);
        }
      } finally {
        await receiver.close();
      }
    });

    it('treats a redirect as a failure and never follows it', async () => {
      const receiver = await startReceiver();
      receiver.respond = (request) =>
        request.path === '/hook'
          ? { status: 302, headers: { location: `${receiver.origin}/elsewhere` } }
          : { status: 200 };
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.cancelled', SAMPLE_DATA['run.cancelled']);
        await waitUntil(async () => (await deliveriesOf(runId))[0]?.status === 'failed', 10_000);
        assert.equal(receiver.received.filter((r) => r.path === '/elsewhere').length, 0);
        const [delivery] = await deliveriesOf(runId);
        assert.equal(delivery!.attempt_count, 6);
        assert.equal(delivery!.attempts[0]!.response!.status, 302);
        assert.match(delivery!.attempts[0]!.error!, /redirect.*not followed/);
      } finally {
        await receiver.close();
      }
    });

    it('marks a delivery failed after its sixth attempt fails, and sends no seventh', async () => {
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 503, body: 'down' });
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'step.completed', SAMPLE_DATA['step.completed']);
        await waitUntil(async () => (await deliveriesOf(runId))[0]?.status === 'failed', 10_000);
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.deepEqual(
          receiver.received.map((r) => r.json.delivery_attempt),
          [1, 2, 3, 4, 5, 6],
        );
        const [delivery] = await deliveriesOf(runId);
        assert.equal(delivery!.attempt_count, 6);
        assert.equal(delivery!.attempts.length, 6);
        assert.match(delivery!.attempts[5]!.error!, /HTTP 503/);
      } finally {
        await receiver.close();
      }
    });

    it("waits longer when the receiver's Retry-After asks for it", async () => {
      const receiver = await startReceiver();
      receiver.respond = () =>
        receiver.received.length === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'step.completed', SAMPLE_DATA['step.completed']);
        await receiver.waitFor((r) => r.length === 2, 5_000);
        const [a, b] = receiver.received;
        const waited = b!.receivedAt - a!.answeredAt!;
        assert.ok(waited >= 950, `waited ${waited} ms, Retry-After asked 1000`);
        assert.equal(b!.json.delivery_attempt, 2);
      } finally {
        await receiver.close();
      }
    });

    it('fails an attempt that gets no response within the timeout, and retries it', async () => {
      const receiver = await startReceiver();
      receiver.respond = () => (receiver.received.length === 1 ? { hang: true } : { status: 204 });
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'step.completed', SAMPLE_DATA['step.completed']);
        await waitUntil(async () => (await deliveriesOf(runId))[0]?.status === 'succeeded', 10_000);
        const [delivery] = await deliveriesOf(runId);
        assert.match(
          delivery!.attempts[0]!.error!,
          new RegExp(`timeout: no response within ${TIMEOUT_MS} ms`),
        );
        assert.ok(delivery!.attempts[0]!.duration_ms >= TIMEOUT_MS - 50);
        assert.equal(delivery!.attempts.at(-1)!.succeeded, true);
      } finally {
        await receiver.close();
      }
    });
  });
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
