import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '@rundun/webhooks';
import { createApiKey } from '../../src/db/api-keys.js';
import { grantCredits } from '../../src/db/credits.js';
import type { Worker } from '../../src/delivery/worker.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver, type TestReceiver } from '../delivery/helpers/receiver.js';
import { appendEvent, SAMPLE_DATA, startTestWorker, WEBHOOK_SECRET } from '../delivery/helpers/runs.js';

for (const kind of testDatabaseKinds()) {
  describe(`test mode (${kind})`, () => {
    let t: TestApp;
    let worker: Worker;
    let receiver: TestReceiver;
    let testKey: string;
    let templateId: string;

    before(async () => {
      t = await createTestApp(kind, { credits: 0, config: { retryScheduleMs: [20, 20, 20, 20, 20] } });
      testKey = (await createApiKey(t.database.db, t.orgId, 'test key', { livemode: false })).key;
      worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
      receiver = await startReceiver();
      const template = await t.api({ method: 'POST', url: '/v1/templates', payload: EVERY_STEP_TEMPLATE });
      templateId = template.json<{ id: string }>().id;
    });
    after(async () => {
      await worker.stop();
      await receiver.close();
      await t.close();
    });

    const as = (key: string) => ({ authorization: `Bearer ${key}` });

    async function dispatch(key: string) {
      return t.api({
        method: 'POST',
        url: '/v1/runs',
        headers: as(key),
        payload: {
          template_id: templateId,
          webhook: { url: `${receiver.origin}/hook`, secret: WEBHOOK_SECRET },
        },
      });
    }

    it('makes rdk_test_ keys whose runs take no credit, even in an org with none', async () => {
      assert.match(testKey, /^rdk_test_[A-Za-z0-9]{32}$/);
      const live = await dispatch(t.apiKey);
      assert.equal(live.statusCode, 402, 'the org has no credits for a live run');
      const test = await dispatch(testKey);
      assert.equal(test.statusCode, 201, test.body);
      const org = await t.api({ method: 'GET', url: '/v1/org' });
      assert.equal(org.json<{ credit_balance: number }>().credit_balance, 0);
      const ledger = await t.database.db
        .selectFrom('credit_ledger')
        .selectAll()
        .where('reason', '=', 'dispatch')
        .execute();
      assert.equal(ledger.length, 0, 'no ledger row for a test run');
      const doc = await t.api({
        method: 'GET',
        url: `/v1/runs/${test.json<{ run_id: string }>().run_id}`,
        headers: as(testKey),
      });
      assert.equal(doc.statusCode, 200, doc.body);
      assert.equal(doc.json<{ livemode: boolean }>().livemode, false);
      const view = await t.app.inject({
        method: 'GET',
        url: `/x/runs/${test.json<{ run_id: string }>().run_id}`,
      });
      assert.equal(
        view.json<{ livemode: boolean }>().livemode,
        false,
        'the executor app is told it is a test run',
      );
    });

    it('keeps test and live apart both ways: runs, events and deliveries', async () => {
      await t.database.db.transaction().execute((trx) => grantCredits(trx, t.orgId, 10));
      const liveRun = (await dispatch(t.apiKey)).json<{ run_id: string }>().run_id;
      assert.ok(liveRun, 'a live run once the org has credits');
      const testRun = (await dispatch(testKey)).json<{ run_id: string }>().run_id;
      await appendEvent(t.database, liveRun, 'run.completed', SAMPLE_DATA['run.completed']);
      await appendEvent(t.database, testRun, 'run.completed', SAMPLE_DATA['run.completed']);
      await receiver.waitFor(
        (r) => r.filter((x) => [liveRun, testRun].includes(String(x.json.run_id))).length === 2,
      );

      for (const [key, own, other, livemode] of [
        [t.apiKey, liveRun, testRun, true],
        [testKey, testRun, liveRun, false],
      ] as const) {
        const get = (url: string) => t.api({ method: 'GET', url, headers: as(key) });
        assert.equal((await get(`/v1/runs/${own}`)).json<{ livemode: boolean }>().livemode, livemode);
        assert.equal((await get(`/v1/runs/${other}`)).statusCode, 404);
        assert.equal((await get(`/v1/runs/${other}/deliveries`)).statusCode, 404);
        const runs = (await get('/v1/runs?limit=200')).json<{
          data: { run_id: string; livemode: boolean }[];
        }>().data;
        assert.ok(runs.some((r) => r.run_id === own));
        assert.ok(runs.every((r) => r.run_id !== other && r.livemode === livemode));
        const events = (await get('/v1/events?limit=200')).json<{
          data: { run_id: string; livemode: boolean }[];
        }>().data;
        assert.ok(events.some((e) => e.run_id === own));
        assert.ok(events.every((e) => e.run_id !== other && e.livemode === livemode));
        const deliveries = (await get('/v1/deliveries?limit=200')).json<{
          data: { run_id: string; delivery_id: string }[];
        }>().data;
        assert.ok(deliveries.some((d) => d.run_id === own));
        assert.ok(deliveries.every((d) => d.run_id !== other));
        const theirs = (
          await t.api({
            method: 'GET',
            url: `/v1/runs/${other}/deliveries`,
            headers: as(key === testKey ? t.apiKey : testKey),
          })
        ).json<{ data: { delivery_id: string }[] }>().data[0]!;
        const replay = await t.api({
          method: 'POST',
          url: `/v1/deliveries/${theirs.delivery_id}/replay`,
          headers: as(key),
        });
        assert.equal(replay.statusCode, 404, 'the other mode cannot replay');
        const recover = await t.api({
          method: 'POST',
          url: '/v1/deliveries/recover',
          headers: as(key),
          payload: { since: new Date(0).toISOString(), until: new Date(Date.now() + 3600_000).toISOString() },
        });
        assert.equal(recover.statusCode, 202, recover.body);
      }
    });

    it('delivers and signs test webhooks exactly as live ones, with livemode in the envelope', async () => {
      const testRun = (await dispatch(testKey)).json<{ run_id: string }>().run_id;
      const liveRun = (await dispatch(t.apiKey)).json<{ run_id: string }>().run_id;
      await appendEvent(t.database, testRun, 'step.completed', SAMPLE_DATA['step.completed']);
      await appendEvent(t.database, liveRun, 'step.completed', SAMPLE_DATA['step.completed']);
      await receiver.waitFor(
        (r) => r.filter((x) => [liveRun, testRun].includes(String(x.json.run_id))).length === 2,
      );
      for (const [runId, livemode] of [
        [testRun, false],
        [liveRun, true],
      ] as const) {
        const request = receiver.received.find((r) => r.json.run_id === runId)!;
        const verified = verifyWebhook({
          url: `${receiver.origin}/hook`,
          headers: request.headers,
          body: request.body,
          secret: WEBHOOK_SECRET,
        });
        assert.equal(verified.livemode, livemode);
        assert.deepEqual(Object.keys(request.json).slice(-2), ['livemode', 'data']);
      }
    });
  });
}
