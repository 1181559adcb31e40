/**
 * Attacks on the public edges: a /x flood, spoofed X-Forwarded-For, guessed API keys. Each is limited
 * (429 problem with Retry-After) without slowing anyone else down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, parseTrustProxy } from '../../src/config.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { API_KEY_PREFIX } from '../../src/domain/secrets.js';
import { createExecutorTestApp, type ExecutorTestApp } from '../executor/helpers.js';
import { testDatabaseKinds } from '../helpers/database.js';

const TEMPLATE = { name: 'Limits', steps: [{ id: 's-yes', type: 'boolean', label: 'Yes?' }] };

const guessedKey = (n: number) => `${API_KEY_PREFIX}${String(n).padStart(32, 'G')}`;

for (const kind of testDatabaseKinds()) {
  describe(`abuse limits on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind, {
        executorRateLimitPerRun: 5,
        executorRateLimitPerAddress: 12,
        unknownApiKeysPerAddress: 3,
      });
      templateId = await t.createTemplate(TEMPLATE);
    });
    after(() => t.close());

    const read = (runId: string, remoteAddress: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'GET', url: `/x/runs/${runId}`, remoteAddress, headers });

    it('answers a flood on one run with 429 and Retry-After while other runs are answered', async () => {
      const flooded = await t.dispatch(templateId);
      const healthy = await t.dispatch(templateId);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await read(flooded, '198.51.100.1')).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
      const limited = await read(flooded, '198.51.100.2');
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(limited.json<{ type: string }>().type, 'https://rundun.dev/problems/rate-limited');
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal((await read(healthy, '198.51.100.1')).statusCode, 200);
      t.clock.advance(60_000);
      assert.equal((await read(flooded, '198.51.100.1')).statusCode, 200, 'the window passes');
    });

    it('limits one address across many runs, and ignores a spoofed X-Forwarded-For', async () => {
      const runs = await Promise.all(Array.from({ length: 4 }, () => t.dispatch(templateId)));
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) {
        const spoof = { 'x-forwarded-for': `203.0.113.${i}` };
        statuses.push((await read(runs[i % 4]!, '192.0.2.7', spoof)).statusCode);
      }
      assert.equal(statuses.filter((s) => s === 200).length, 12, statuses.join(','));
      assert.deepEqual(statuses.slice(12), [429, 429, 429, 429]);
      assert.equal((await read(runs[0]!, '192.0.2.8')).statusCode, 200, 'another address is answered');
    });

    it('limits well-formed unknown API keys per address, without a lookup once limited', async () => {
      const statuses: number[] = [];
      for (let n = 0; n < 6; n++) {
        const response = await t.app.inject({
          method: 'GET',
          url: '/v1/org',
          remoteAddress: '192.0.2.50',
          headers: { authorization: `Bearer ${guessedKey(n)}`, 'x-forwarded-for': `10.9.9.${n}` },
        });
        statuses.push(response.statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
      const valid = await t.app.inject({
        method: 'GET',
        url: '/v1/org',
        remoteAddress: '192.0.2.51',
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
      assert.equal(valid.statusCode, 200, 'a valid key from another address is answered');
    });

    it('limits a parallel burst of unknown API keys too: only the limit of them is looked up', async () => {
      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          t.app.inject({
            method: 'GET',
            url: '/v1/org',
            remoteAddress: '192.0.2.60',
            headers: { authorization: `Bearer ${guessedKey(100 + n)}` },
          }),
        ),
      );
      const statuses = burst.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    });

    it('does not count a real key looked up from an address against its unknown-key limit', async () => {
      const { key } = await createApiKey(t.database.db, t.orgId, 'fresh');
      const from = (token: string) =>
        t.app.inject({
          method: 'GET',
          url: '/v1/org',
          remoteAddress: '192.0.2.70',
          headers: { authorization: `Bearer ${token}` },
        });
      assert.equal((await from(guessedKey(200))).statusCode, 401);
      assert.equal((await from(guessedKey(201))).statusCode, 401);
      assert.equal((await from(key)).statusCode, 200, 'a real key, not yet cached');
      assert.equal((await from(guessedKey(202))).statusCode, 401, 'the third unknown key is still looked up');
      assert.equal((await from(guessedKey(203))).statusCode, 429);
    });

    it('looks a real key sent by many requests at once up once, so a burst of it is never refused', async () => {
      const { key } = await createApiKey(t.database.db, t.orgId, 'burst');
      const burst = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.app.inject({
            method: 'GET',
            url: '/v1/org',
            remoteAddress: '192.0.2.80',
            headers: { authorization: `Bearer ${key}` },
          }),
        ),
      );
      assert.deepEqual(
        burst.map((response) => response.statusCode),
        Array<number>(10).fill(200),
      );
    });
  });
}

describe('RUNDUN_TRUST_PROXY', () => {
  it('is off by default and takes a hop count or a list of addresses and CIDRs', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(parseTrustProxy('1'), 1);
    assert.deepEqual(parseTrustProxy('10.0.0.0/8, 127.0.0.1'), ['10.0.0.0/8', '127.0.0.1']);
    assert.throws(() => parseTrustProxy('true'), ConfigError);
    assert.throws(() => parseTrustProxy('10.0.0.0/33'), /RUNDUN_TRUST_PROXY/);
  });

  it('uses X-Forwarded-For only from a trusted proxy', async () => {
    const t = await createExecutorTestApp('pglite', {
      trustProxy: ['10.0.0.0/8'],
      executorRateLimitPerAddress: 2,
    });
    try {
      const templateId = await t.createTemplate(TEMPLATE);
      const runId = await t.dispatch(templateId);
      const via = (remoteAddress: string, client: string) =>
        t.app.inject({
          method: 'GET',
          url: `/x/runs/${runId}`,
          remoteAddress,
          headers: { 'x-forwarded-for': client },
        });
      // Through the proxy, each client has its own limit.
      for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
        assert.equal((await via('10.1.2.3', client)).statusCode, 200);
      // From an untrusted address the header is ignored: the socket address is limited.
      const direct = [];
      for (const client of ['198.51.100.4', '198.51.100.5', '198.51.100.6'])
        direct.push((await via('192.0.2.9', client)).statusCode);
      assert.deepEqual(direct, [200, 200, 429]);
    } finally {
      await t.close();
    }
  });
});
