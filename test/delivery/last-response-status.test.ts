import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '../../src/delivery/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

interface Listed {
  delivery_id: string;
  status: string;
  attempt_count: number;
  last_error: string | null;
  last_response_status: number | null;
}

for (const kind of testDatabaseKinds()) {
  describe(`a delivery's last response status (${kind})`, () => {
    let t: TestApp;
    let worker: Worker;
    let templateId: string;

    before(async () => {
      // One automatic retry, an hour later: a failed first attempt stays the last one during the test.
      t = await createTestApp(kind, { config: { retryScheduleMs: [3_600_000] } });
      templateId = await createTemplate(t);
      worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    /** The run's delivery as both lists show it, once it has `attempts` attempts. */
    async function listedAfter(runId: string, attempts: number): Promise<Listed> {
      for (;;) {
        const perRun = await t.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries` });
        assert.equal(perRun.statusCode, 200, perRun.body);
        const delivery = perRun.json<{ data: Listed[] }>().data[0];
        if (delivery && delivery.attempt_count >= attempts) {
          const org = await t.api({ method: 'GET', url: `/v1/deliveries?run_id=${runId}` });
          assert.equal(org.statusCode, 200, org.body);
          const listed = org.json<{ data: Listed[] }>().data[0]!;
          assert.equal(listed.last_response_status, delivery.last_response_status, 'both lists agree');
          return delivery;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('is the HTTP status of the last attempt in both lists: 503 while pending, 200 after a replay succeeds', async () => {
      const receiver = await startReceiver();
      try {
        receiver.respond = () => ({ status: 503, body: 'down for maintenance' });
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        const failed = await listedAfter(runId, 1);
        assert.equal(failed.status, 'pending');
        assert.equal(failed.last_response_status, 503);

        receiver.respond = () => ({ status: 200, body: 'ok' });
        const replay = await t.api({ method: 'POST', url: `/v1/deliveries/${failed.delivery_id}/replay` });
        assert.equal(replay.statusCode, 202, replay.body);
        const succeeded = await listedAfter(runId, 2);
        assert.equal(succeeded.status, 'succeeded');
        assert.equal(succeeded.last_response_status, 200);
        assert.equal(succeeded.last_error, null);
      } finally {
        await receiver.close();
      }
    });

    it('is null when the attempt got no response (connection refused), with the error as the reason', async () => {
      const receiver = await startReceiver();
      const url = `${receiver.origin}/hook`;
      await receiver.close();
      const runId = await dispatchRun(t, templateId, { url });
      await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
      const refused = await listedAfter(runId, 1);
      assert.equal(refused.last_response_status, null);
      assert.ok(refused.last_error, 'the connection error is the reason');
    });
  });
}
