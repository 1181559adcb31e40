import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 8_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const attemptsOf = (t: TestApp) =>
  t.database.db.selectFrom('delivery_attempts').selectAll().orderBy('id').execute();

for (const kind of testDatabaseKinds()) {
  describe(`lease heartbeat (${kind})`, () => {
    it('renews the lease of an attempt that outlasts it, so another worker never takes it over', async () => {
      const t = await createTestApp(kind);
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 200, delayMs: 2_000 });
      const options = { leaseMs: 600, timeoutMs: 5_000 };
      const first = startTestWorker(t.database, t.config, options);
      const second = startTestWorker(t.database, t.config, options);
      try {
        const templateId = await createTemplate(t);
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        await waitUntil(async () => (await attemptsOf(t)).length === 1, 'recorded');
        assert.equal(receiver.received.length, 1, 'sent once, though the attempt took over 3 leases');
        const [attempt] = await attemptsOf(t);
        assert.deepEqual([attempt!.attempt, attempt!.succeeded, attempt!.lease_lost], [1, true, false]);
        const reports = [await first.stop(), await second.stop()];
        assert.equal(reports[0]!.attemptsFinished + reports[1]!.attemptsFinished, 1);
        assert.equal(reports[0]!.leasesLost + reports[1]!.leasesLost, 0);
      } finally {
        await first.stop();
        await second.stop();
        await receiver.close();
        await t.close();
      }
    });

    it('logs an attempt whose lease was taken over as lease_lost, and leaves the delivery to its new holder', async () => {
      const t = await createTestApp(kind);
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 200, delayMs: 1_200 });
      const worker = startTestWorker(t.database, t.config, { leaseMs: 600, timeoutMs: 5_000 });
      try {
        const templateId = await createTemplate(t);
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        await receiver.waitFor((r) => r.length === 1);
        // As if the lease had run out during a stall and another worker had claimed the delivery.
        await sql`update deliveries set locked_by = 'other-worker/1', lease_until = now() + interval '1 hour'`.execute(
          t.database.db,
        );
        await waitUntil(async () => (await attemptsOf(t)).length === 1, 'logged');
        const [attempt] = await attemptsOf(t);
        assert.deepEqual([attempt!.attempt, attempt!.succeeded, attempt!.lease_lost], [1, true, true]);
        const delivery = await t.database.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
        assert.deepEqual(
          [delivery.status, delivery.attempt_count, delivery.locked_by],
          ['pending', 0, 'other-worker/1'],
          'the delivery is not moved on by a worker that lost it',
        );
        const listed = await t.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries` });
        const [view] = listed.json<{ data: { attempts: { lease_lost: boolean }[] }[] }>().data;
        assert.deepEqual(
          view!.attempts.map((a) => a.lease_lost),
          [true],
          'the API shows the send, marked',
        );
        const report = await worker.stop();
        assert.equal(report.leasesLost, 1);
        assert.equal(report.attemptsFinished, 1);
      } finally {
        await worker.stop();
        await receiver.close();
        await t.close();
      }
    });
  });
}
