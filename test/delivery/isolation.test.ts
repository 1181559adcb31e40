import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SLOW_ATTEMPT_MS } from '../../src/delivery/origin-slots.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver, type TestReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

const ORIGIN_CAP = 4;

/** Dispatches `count` runs to `receiver` and writes each one's run.completed. */
async function deliver(t: TestApp, templateId: string, receiver: TestReceiver, count: number) {
  for (let i = 0; i < count; i++) {
    const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
    await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
  }
}

/** Waits until the receiver's latest request has hung long enough for its origin to count as slow. */
async function untilSlow(receiver: TestReceiver) {
  const lastSent = Math.max(...receiver.received.map((request) => request.receivedAt));
  await sleep(Math.max(0, lastSent + SLOW_ATTEMPT_MS - Date.now()));
}

/** A worker whose attempts outlast the test: a hanging attempt holds its slot until the test answers it. */
function startIsolationWorker(t: TestApp) {
  return startTestWorker(t.database, t.config, {
    timeoutMs: 120_000,
    originConcurrency: ORIGIN_CAP,
    concurrency: 12,
  });
}

async function deliverToHealthy(t: TestApp, templateId: string, healthy: TestReceiver[], each: number) {
  const before = healthy.map((receiver) => receiver.received.length);
  for (const receiver of healthy) await deliver(t, templateId, receiver, each);
  for (const [i, receiver] of healthy.entries())
    await receiver.waitFor((r) => r.length === before[i]! + each, 30_000);
}

for (const kind of testDatabaseKinds()) {
  describe(`delivery isolation (${kind})`, () => {
    it("never gives a hanging receiver more than its origin's cap, so healthy receivers keep getting theirs", async () => {
      const t = await createTestApp(kind, { config: { retryScheduleMs: [60_000] } });
      const hanging = await startReceiver();
      hanging.respond = () => ({ hang: true });
      const healthy: TestReceiver[] = [];
      for (let i = 0; i < 4; i++) healthy.push(await startReceiver());
      const worker = startIsolationWorker(t);
      try {
        const templateId = await createTemplate(t);
        // The hanging receiver's events are written first, so they are the oldest due work: without
        // the cap they would take all 12 slots and the healthy receivers would get nothing.
        await deliver(t, templateId, hanging, 16);
        await hanging.waitFor((r) => r.length === ORIGIN_CAP, 30_000);
        await deliverToHealthy(t, templateId, healthy, 5);
        assert.equal(hanging.received.length, ORIGIN_CAP, 'the hanging receiver holds exactly its cap');
        assert.equal(hanging.maxOpen, ORIGIN_CAP);

        // Its attempts end (500: retried in a minute) once they have hung long enough to count as slow
        // (a quicker answer would earn the origin more slots); the next four take the freed slots, and
        // the cap still holds while healthy receivers are served beside them.
        await untilSlow(hanging);
        hanging.answerHanging({ status: 500 });
        await hanging.waitFor((r) => r.length === 2 * ORIGIN_CAP, 30_000);
        await deliverToHealthy(t, templateId, healthy, 2);
        assert.equal(hanging.received.length, 2 * ORIGIN_CAP);
        assert.equal(hanging.maxOpen, ORIGIN_CAP, 'never more than the cap open at once');
      } finally {
        await worker.stop();
        await hanging.close();
        for (const receiver of healthy) await receiver.close();
        await t.close();
      }
    });

    it('makes slow origins on one address share its cap: another hanging port there gets one attempt', async () => {
      const t = await createTestApp(kind, { config: { retryScheduleMs: [60_000] } });
      const [hanging, sibling, healthy] = [
        await startReceiver(),
        await startReceiver(),
        await startReceiver(),
      ];
      hanging.respond = sibling.respond = () => ({ hang: true });
      const worker = startIsolationWorker(t);
      try {
        const templateId = await createTemplate(t);
        await deliver(t, templateId, hanging, ORIGIN_CAP);
        await hanging.waitFor((r) => r.length === ORIGIN_CAP, 30_000);
        await untilSlow(hanging);
        // 127.0.0.1 now has the cap of slow attempts in flight: a new port there may try one at a
        // time, and once that one hangs too, none; a port that answers is served as before.
        await deliver(t, templateId, sibling, ORIGIN_CAP);
        await sibling.waitFor((r) => r.length === 1, 30_000);
        await sleep(SLOW_ATTEMPT_MS);
        await deliverToHealthy(t, templateId, [healthy], 5);
        assert.equal(sibling.received.length, 1, 'the second hanging port got one attempt');
        assert.equal(hanging.received.length, ORIGIN_CAP);
      } finally {
        for (const receiver of [hanging, sibling, healthy]) await receiver.close();
        await worker.stop();
        await t.close();
      }
    });
  });
}
