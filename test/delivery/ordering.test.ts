import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '../../src/delivery/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

for (const kind of testDatabaseKinds()) {
  describe(`delivery ordering (${kind})`, () => {
    let t: TestApp;
    let worker: Worker;
    let templateId: string;

    before(async () => {
      // Retries far away, so a retried event cannot be mistaken for an ordered one.
      t = await createTestApp(kind, {
        config: { retryScheduleMs: [60_000, 60_000, 60_000, 60_000, 60_000] },
      });
      templateId = await createTemplate(t);
      worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
    });
    after(async () => {
      await worker.stop();
      await t.close();
    });

    it("sends a run's next event only after the endpoint's first attempt of the previous one finished", async () => {
      const receiver = await startReceiver();
      receiver.respond = () => ({ status: 200, delayMs: 250 });
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        for (const step of ['s-od01', 's-fu01', 's-dm01', 's-nt01'])
          await appendEvent(t.database, runId, 'step.completed', {
            ...SAMPLE_DATA['step.completed'],
            step_id: step,
          });
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        await receiver.waitFor((r) => r.length === 5);
        assert.deepEqual(
          receiver.received.map((r) => r.json.seq),
          [1, 2, 3, 4, 5],
        );
        for (let i = 1; i < receiver.received.length; i++) {
          const previous = receiver.received[i - 1]!;
          assert.ok(
            receiver.received[i]!.receivedAt >= previous.answeredAt!,
            `seq ${i + 1} arrived before seq ${i} was answered`,
          );
        }
      } finally {
        await receiver.close();
      }
    });

    it('does not hold later events back while an earlier one waits for its retry', async () => {
      const receiver = await startReceiver();
      receiver.respond = (request) => (request.json.seq === 1 ? { status: 500 } : { status: 200 });
      try {
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        await appendEvent(t.database, runId, 'step.completed', SAMPLE_DATA['step.completed']);
        await appendEvent(t.database, runId, 'step.skipped', SAMPLE_DATA['step.skipped']);
        await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        await receiver.waitFor((r) => r.length === 3);
        assert.deepEqual(
          receiver.received.map((r) => [r.json.seq, r.json.event, r.json.delivery_attempt]),
          [
            [1, 'step.completed', 1],
            [2, 'step.skipped', 1],
            [3, 'run.completed', 1],
          ],
        );
        const response = await t.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries` });
        const [first] = response.json<{ data: { status: string; next_attempt_at: string }[] }>().data;
        assert.equal(first!.status, 'pending');
        assert.ok(
          new Date(first!.next_attempt_at).getTime() > Date.now() + 50_000,
          'seq 1 waits for its retry',
        );
      } finally {
        await receiver.close();
      }
    });

    it('orders each run on its own: a slow run does not hold another run back', async () => {
      const receiver = await startReceiver();
      receiver.respond = (request) => ({ status: 200, delayMs: request.path === '/slow' ? 1_500 : 0 });
      try {
        const slow = await dispatchRun(t, templateId, { url: `${receiver.origin}/slow` });
        const fast = await dispatchRun(t, templateId, { url: `${receiver.origin}/fast` });
        await appendEvent(t.database, slow, 'step.completed', SAMPLE_DATA['step.completed']);
        await appendEvent(t.database, slow, 'run.completed', SAMPLE_DATA['run.completed']);
        await receiver.waitFor((r) => r.some((x) => x.path === '/slow'));
        await appendEvent(t.database, fast, 'step.completed', SAMPLE_DATA['step.completed']);
        await appendEvent(t.database, fast, 'run.completed', SAMPLE_DATA['run.completed']);
        await receiver.waitFor((r) => r.filter((x) => x.path === '/fast').length === 2);
        assert.equal(
          receiver.received.filter((x) => x.path === '/slow').length,
          1,
          'the slow run still waits',
        );
        await receiver.waitFor((r) => r.length === 4);
      } finally {
        await receiver.close();
      }
    });
  });
}
