import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver, type TestReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

const ORIGIN_CAP = 4;
const TIMEOUT_MS = 4_000;

for (const kind of testDatabaseKinds()) {
  describe(`delivery isolation (${kind})`, () => {
    it("never gives a hanging receiver more than its origin's cap, so healthy receivers keep getting theirs", async () => {
      const t = await createTestApp(kind, { config: { retryScheduleMs: [60_000] } });
      const hanging = await startReceiver();
      hanging.respond = () => ({ hang: true });
      const healthy: TestReceiver[] = [];
      for (let i = 0; i < 4; i++) healthy.push(await startReceiver());
      const worker = startTestWorker(t.database, t.config, {
        timeoutMs: TIMEOUT_MS,
        originConcurrency: ORIGIN_CAP,
        concurrency: 12,
      });
      try {
        const templateId = await createTemplate(t);
        // The hanging receiver's events are written first, so they are the oldest due work.
        for (let i = 0; i < 16; i++) {
          const runId = await dispatchRun(t, templateId, { url: `${hanging.origin}/hook` });
          await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        }
        const started = Date.now();
        for (const receiver of healthy)
          for (let i = 0; i < 5; i++) {
            const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
            await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
          }
        for (const receiver of healthy) await receiver.waitFor((r) => r.length === 5, TIMEOUT_MS - 500);
        const healthyDoneAfter = Date.now() - started;
        assert.ok(healthyDoneAfter < TIMEOUT_MS, `healthy receivers took ${healthyDoneAfter} ms`);
        assert.equal(hanging.received.length, ORIGIN_CAP, 'the hanging receiver holds exactly its cap');
        assert.equal(hanging.maxOpen, ORIGIN_CAP);
        // Its attempts time out, and the next ones still respect the cap: each holds its slot for the
        // whole timeout, so no cap + 1 of them start within one timeout of each other (less a margin:
        // on PGlite the worker's event loop can be held between starting an attempt and sending it).
        await hanging.waitFor((r) => r.length === 2 * ORIGIN_CAP, 2 * TIMEOUT_MS);
        const starts = hanging.received.map((r) => r.receivedAt).sort((a, b) => a - b);
        for (let i = 0; i + ORIGIN_CAP < starts.length; i++)
          assert.ok(
            starts[i + ORIGIN_CAP]! - starts[i]! >= TIMEOUT_MS * 0.75,
            `attempt ${i + ORIGIN_CAP + 1} overlapped`,
          );
      } finally {
        await worker.stop();
        await hanging.close();
        for (const receiver of healthy) await receiver.close();
        await t.close();
      }
    });
  });
}
