import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPublicAddress } from '../../src/delivery/address-guard.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

describe('isPublicAddress', () => {
  const refused = [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    'ff02::1',
    'not an address',
  ];
  for (const address of refused)
    it(`refuses ${address}`, () => assert.equal(isPublicAddress(address), false));
  for (const address of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111'])
    it(`allows ${address}`, () => assert.equal(isPublicAddress(address), true));
});

for (const kind of testDatabaseKinds()) {
  describe(`webhook address guard at dispatch (${kind})`, () => {
    let t: TestApp;
    let templateId: string;
    before(async () => {
      t = await createTestApp(kind, { config: { webhookAllowInsecure: false } });
      templateId = await createTemplate(t);
    });
    after(() => t.close());

    const refusedUrls = [
      'http://93.184.215.14/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://10.1.2.3/hook',
      'https://172.16.5.4/hook',
      'https://192.168.0.10/hook',
      'https://169.254.10.10/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://100.64.0.7/hook',
      'https://0.0.0.0/hook',
      'https://[::1]/hook',
      'https://[fc00::1]/hook',
      'https://[fd00:ec2::254]/hook',
      'https://[fe80::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook',
      'https://2130706433/hook',
      'https://0x7f.1/hook',
      'https://127.1/hook',
      'https://017700000001/hook',
    ];
    for (const url of refusedUrls) {
      it(`refuses ${url} with 400 and creates nothing`, async () => {
        const before = (await t.api({ method: 'GET', url: '/v1/org' })).json<{ credit_balance: number }>();
        const response = await t.api({
          method: 'POST',
          url: '/v1/runs',
          payload: { template_id: templateId, webhook: { url, secret: 'whsec_0123456789abcdef' } },
        });
        assert.equal(response.statusCode, 400, response.body);
        const problem = response.json<{ errors: { pointer: string }[] }>();
        assert.equal(problem.errors[0]!.pointer, '/webhook/url');
        const after = (await t.api({ method: 'GET', url: '/v1/org' })).json<{ credit_balance: number }>();
        assert.equal(after.credit_balance, before.credit_balance);
      });
    }

    it('accepts an https URL on a public address', async () => {
      const response = await t.api({
        method: 'POST',
        url: '/v1/runs',
        payload: {
          template_id: templateId,
          webhook: { url: 'https://93.184.215.14/hook', secret: 'whsec_0123456789abcdef' },
        },
      });
      assert.equal(response.statusCode, 201, response.body);
    });
  });

  describe(`webhook address guard at send time (${kind})`, () => {
    it('refuses, at connect time, a name that resolves to loopback, and logs the refusal as the attempt', async () => {
      // Dispatch is allowed to take these URLs (an app in insecure mode); the worker is not.
      const t = await createTestApp(kind, { config: { retryScheduleMs: [60_000] } });
      const receiver = await startReceiver();
      const worker = startTestWorker(t.database, { ...t.config, webhookAllowInsecure: false });
      try {
        const templateId = await createTemplate(t);
        const cases = [
          {
            url: `https://localhost:${receiver.port}/hook`,
            error: /refused: localhost resolves to non-public address/,
          },
          {
            url: `https://127.0.0.1:${receiver.port}/hook`,
            error: /refused: 127\.0\.0\.1 is not a public address/,
          },
          {
            url: `https://2130706433:${receiver.port}/hook`,
            error: /refused: 127\.0\.0\.1 is not a public address/,
          },
          {
            url: `https://[::ffff:127.0.0.1]:${receiver.port}/hook`,
            error: /refused: ::ffff:7f00:1 is not a public/,
          },
          { url: `${receiver.origin}/hook`, error: /refused: webhook URLs must use https/ },
        ];
        const runs = [];
        for (const c of cases) {
          const runId = await dispatchRun(t, templateId, { url: c.url });
          await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
          runs.push({ runId, ...c });
        }
        for (const { runId, url, error } of runs) {
          const deadline = Date.now() + 10_000;
          let delivery: {
            attempt_count: number;
            status: string;
            attempts: { error: string; response: unknown }[];
          };
          do {
            await new Promise((resolve) => setTimeout(resolve, 50));
            const response = await t.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries` });
            delivery = response.json<{ data: (typeof delivery)[] }>().data[0]!;
          } while (delivery.attempt_count === 0 && Date.now() < deadline);
          assert.equal(delivery.attempt_count, 1, url);
          assert.equal(delivery.status, 'pending', 'a refused attempt is retried like any failure');
          assert.match(delivery.attempts[0]!.error, error);
          assert.equal(delivery.attempts[0]!.response, null);
        }
        assert.equal(receiver.received.length, 0, 'nothing reached the loopback receiver');
      } finally {
        await worker.stop();
        await receiver.close();
        await t.close();
      }
    });
  });
}
