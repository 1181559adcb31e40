/**
 * The attempt log is bounded: each stored request body is cut to `attemptBodyMaxBytes`, and the
 * retention job prunes bodies after `deliveryLogRetentionDays` while the attempt summary stays. The
 * delivery itself is whole and signed with the (encrypted-at-rest) secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '@rundun/webhooks';
import { PRUNED_BODY } from '../../src/db/prune-delivery-log.js';
import { runMaintenance } from '../../src/delivery/maintenance.js';
import { bodyForLog } from '../../src/delivery/send-attempt.js';
import type { Worker } from '../../src/delivery/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver, type TestReceiver } from './helpers/receiver.js';
import {
  appendEvent,
  createTemplate,
  dispatchRun,
  SAMPLE_DATA,
  startTestWorker,
  WEBHOOK_SECRET,
} from './helpers/runs.js';

const DAY_MS = 86_400_000;

for (const kind of testDatabaseKinds()) {
  describe(`bounded attempt log on ${kind}`, () => {
    let t: TestApp;
    let worker: Worker;
    let receiver: TestReceiver;
    before(async () => {
      t = await createTestApp(kind, { config: { attemptBodyMaxBytes: 1024 } });
      receiver = await startReceiver();
      worker = startTestWorker(t.database, t.config, { timeoutMs: 2_500 });
    });
    after(async () => {
      await worker.stop();
      await receiver.stop();
      await t.close();
    });

    it('sends the whole body, signed, and stores at most the cap of it', async () => {
      const runId = await dispatchRun(t, await createTemplate(t), { url: `${receiver.origin}/hook` });
      const data = { ...SAMPLE_DATA['step.completed'], answer: 'x'.repeat(5_000) };
      await appendEvent(t.database, runId, 'step.completed', data);
      await receiver.waitFor((received) => received.length === 1, 10_000);
      const [request] = receiver.received;
      assert.ok(request!.body.length > 5_000);
      const verified = verifyWebhook({
        url: `${receiver.origin}/hook`,
        headers: request!.headers,
        body: request!.body,
        secret: WEBHOOK_SECRET,
      });
      assert.equal(verified.event_id, request!.json.event_id, 'signed with the decrypted secret');
      let attempt: { request_body: string; succeeded: boolean } | undefined;
      for (let tries = 0; !attempt && tries < 100; tries++) {
        attempt = await t.database.db
          .selectFrom('delivery_attempts')
          .innerJoin('deliveries', 'deliveries.id', 'delivery_attempts.delivery_id')
          .select(['request_body', 'succeeded'])
          .where('deliveries.run_id', '=', runId)
          .executeTakeFirst();
        if (!attempt) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(attempt!.succeeded, true);
      assert.ok(Buffer.byteLength(attempt!.request_body) < 1_100, `${attempt!.request_body.length} chars`);
      assert.match(attempt!.request_body, /…\[truncated: 1024 of \d+ bytes kept\]$/);
      assert.ok(request!.body.startsWith(attempt!.request_body.slice(0, 1000)));

      const kept = await runMaintenance(
        t.database.db,
        { secretWipeGraceDays: 7, deliveryLogRetentionDays: 30 },
        new Date(Date.now() + 29 * DAY_MS),
      );
      assert.equal(kept.bodiesPruned, 0, 'within the retention');
      const pruned = await runMaintenance(
        t.database.db,
        { secretWipeGraceDays: 7, deliveryLogRetentionDays: 30 },
        new Date(Date.now() + 31 * DAY_MS),
      );
      assert.equal(pruned.bodiesPruned, 1);
      const after = await t.database.db
        .selectFrom('delivery_attempts')
        .select([
          'request_body',
          'response_body',
          'response_status',
          'succeeded',
          'duration_ms',
          'body_pruned',
        ])
        .executeTakeFirstOrThrow();
      assert.equal(after.request_body, PRUNED_BODY);
      assert.ok(after.response_body === null || after.response_body === PRUNED_BODY);
      assert.deepEqual([after.response_status, after.succeeded, after.body_pruned], [200, true, true]);
    });
  });
}

describe('bodyForLog', () => {
  it('keeps a body within the cap whole and cuts a longer one with a marker', () => {
    assert.equal(bodyForLog('{"a":1}', 100), '{"a":1}');
    assert.equal(bodyForLog('é'.repeat(100), 20), `${'é'.repeat(10)}…[truncated: 20 of 200 bytes kept]`);
  });
});
