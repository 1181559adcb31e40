import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { claimDueDeliveries, openClaimer } from '../../src/db/claim-deliveries.js';
import { releaseDeliveries } from '../../src/db/release-deliveries.js';
import { createTestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

for (const kind of testDatabaseKinds()) {
  describe(`worker lifecycle (${kind})`, () => {
    it('finishes and records the attempts in flight when stopped, leaving no lease behind', async () => {
      const t = await createTestApp(kind);
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 200, delayMs: 700 });
      const worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
      try {
        const templateId = await createTemplate(t);
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        await receiver.waitFor((r) => r.length === 1);
        await worker.stop();
        const delivery = await t.database.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
        assert.equal(delivery.status, 'succeeded');
        assert.equal(delivery.attempt_count, 1);
        assert.equal(delivery.locked_by, null);
        assert.equal(delivery.lease_until, null);
      } finally {
        await worker.stop();
        await receiver.close();
        await t.close();
      }
    });

    it('hands released claims straight back to the queue, in their due order', async () => {
      const t = await createTestApp(kind);
      const claimer = openClaimer(t.database);
      try {
        const templateId = await createTemplate(t);
        const runId = await dispatchRun(t, templateId, { url: 'http://127.0.0.1:9/hook' });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        const now = new Date();
        const claim = { now, leaseUntil: new Date(now.getTime() + 30_000), limit: 10 };
        const options = { ...claim, originSlots: {}, defaultOriginSlots: 4 };
        const [held] = await claimDueDeliveries(claimer, { ...options, lockedBy: 'stopping-worker/1' });
        assert.ok(held);
        assert.equal(held.lockedBy, 'stopping-worker/1');
        assert.deepEqual(await claimDueDeliveries(claimer, { ...options, lockedBy: 'other/1' }), []);
        const forged = { ...held, lockedBy: 'stopping-worker/2' };
        assert.equal(await releaseDeliveries(t.database.db, [forged], now), 0, 'only under its own token');
        assert.equal(await releaseDeliveries(t.database.db, [held], now), 1);
        const [retaken] = await claimDueDeliveries(claimer, { ...options, lockedBy: 'other/1' });
        assert.equal(retaken?.id, held.id);
        assert.equal(retaken.attemptCount, 0);
        assert.equal(retaken.previousHolder, null, 'a released claim leaves no trace to log');
      } finally {
        await claimer.close();
        await t.close();
      }
    });

    it('expires a run whose deadline passed from its sweeper, and delivers run.expired', async () => {
      const t = await createTestApp(kind);
      const receiver = await startReceiver();
      try {
        const templateId = await createTemplate(t);
        const runId = await dispatchRun(
          t,
          templateId,
          { url: `${receiver.origin}/hook` },
          { expires_in_hours: 1 },
        );
        await sql`update runs set expires_at = now() - interval '1 minute' where id = ${runId}`.execute(
          t.database.db,
        );
        const worker = startTestWorker(t.database, t.config, { sweepIntervalMs: 200 });
        try {
          await receiver.waitFor((r) => r.length === 1);
        } finally {
          await worker.stop();
        }
        const [request] = receiver.received;
        assert.equal(request!.json.event, 'run.expired');
        assert.equal(request!.json.run_id, runId);
        const run = await t.database.db
          .selectFrom('runs')
          .select('status')
          .where('id', '=', runId)
          .executeTakeFirst();
        assert.equal(run?.status, 'expired');
      } finally {
        await receiver.close();
        await t.close();
      }
    });
  });
}
