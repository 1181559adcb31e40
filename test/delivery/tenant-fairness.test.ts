/**
 * One org cannot take every slot: an org whose many origins all hang holds at most the per-org cap of
 * a worker's slots, and another org's deliveries are sent meanwhile, before any timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import { OrgSlots } from '../../src/delivery/org-slots.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver, type TestReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

// Longer than the test can take, so no hanging attempt ends (and frees or retries) while it runs: what
// is checked is counted, not timed, and holds on a loaded machine and on PGlite alike.
const TIMEOUT_MS = 120_000;
const ORG_CAP = 6;

/** The same app seen with another org's key. */
async function asNewOrg(t: TestApp): Promise<TestApp> {
  const org = await createOrg(t.database.db, 'Hostile org', 100);
  const { key } = await createApiKey(t.database.db, org.id, 'hostile');
  return {
    ...t,
    orgId: org.id,
    apiKey: key,
    api: (request) =>
      t.app.inject({ ...request, headers: { authorization: `Bearer ${key}`, ...request.headers } }),
  };
}

for (const kind of testDatabaseKinds()) {
  describe(`tenant fairness in the worker (${kind})`, () => {
    it('keeps an org with many hanging origins to its cap while another org is delivered', async () => {
      const t = await createTestApp(kind, { config: { retryScheduleMs: [60_000] } });
      const hostile = await asNewOrg(t);
      const hanging: TestReceiver[] = [];
      for (let i = 0; i < 5; i++) {
        const receiver = await startReceiver();
        receiver.respond = () => ({ hang: true });
        hanging.push(receiver);
      }
      const healthy = await startReceiver();
      // 5 origins × 4 slots = 20 would fill the worker's 12 without the org cap.
      const worker = startTestWorker(t.database, t.config, {
        timeoutMs: TIMEOUT_MS,
        concurrency: 12,
        orgConcurrency: ORG_CAP,
      });
      try {
        const hostileTemplate = await createTemplate(hostile);
        for (const receiver of hanging)
          for (let i = 0; i < 4; i++) {
            const runId = await dispatchRun(hostile, hostileTemplate, { url: `${receiver.origin}/hook` });
            await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
          }
        const open = () => hanging.reduce((sum, receiver) => sum + receiver.open, 0);
        for (let waited = 0; open() < ORG_CAP && waited < TIMEOUT_MS; waited += 20)
          await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(open(), ORG_CAP, 'the hostile org holds its cap');
        const templateId = await createTemplate(t);
        for (let i = 0; i < 8; i++) {
          const runId = await dispatchRun(t, templateId, { url: `${healthy.origin}/hook` });
          await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
        }
        await healthy.waitFor((received) => received.length === 8, TIMEOUT_MS);
        const hostileAttempts = hanging.reduce((sum, receiver) => sum + receiver.received.length, 0);
        assert.equal(hostileAttempts, ORG_CAP, 'delivered while the hostile org’s first attempts still hang');
        const maxOpen = hanging.reduce((sum, receiver) => sum + receiver.maxOpen, 0);
        assert.ok(maxOpen <= ORG_CAP, `the hostile org had ${maxOpen} attempts open at most`);
      } finally {
        // Closing the hanging receivers first ends their attempts, so stop() need not wait for them.
        for (const receiver of [...hanging, healthy]) await receiver.close();
        await worker.stop();
        await t.close();
      }
    });
  });
}

describe('OrgSlots', () => {
  it('gives an org its cap less what it has in flight and queued, twice that with a fast origin', () => {
    const slots = new OrgSlots(4);
    for (let i = 0; i < 3; i++) slots.acquire('o-a', 'https://a.example');
    slots.acquire('o-b', 'https://b.example');
    const room = slots.room(new Map([['o-b', 1]]), (origin) => origin === 'https://b.example');
    assert.deepEqual(room, { 'o-a': 1, 'o-b': 6 });
    assert.equal(slots.hasFree('o-a'), true);
    slots.acquire('o-a', 'https://a2.example');
    assert.equal(slots.hasFree('o-a'), false);
    const origins: Record<string, number> = {
      'https://a.example': 4,
      'https://a2.example': 4,
      'https://b.example': 4,
    };
    slots.clampOrigins(
      origins,
      slots.room(new Map(), () => false),
    );
    assert.deepEqual(origins, { 'https://a.example': 0, 'https://a2.example': 0, 'https://b.example': 3 });
    slots.release('o-a');
    assert.equal(slots.hasFree('o-a'), true);
  });
});
