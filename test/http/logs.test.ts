/** Honest logs: run ids shortened, loud warnings for unsafe settings, the first key kept 0600, /metrics guarded. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { createLogger, urlForLog, warnAboutUnsafeSettings, writeFirstApiKey } from '../../src/http/server.js';
import { listenForMetrics } from '../../src/http/routes/metrics.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { TEST_KEYRING } from '../helpers/keyring.js';
import { captureLogLines } from '../helpers/logs.js';

const RUN_ID = 'r-0123abcd-4567-89ab-cdef-0123456789ab';

describe('logs', () => {
  it('shortens run ids and drops query strings in logged URLs', () => {
    assert.equal(urlForLog(`/x/runs/${RUN_ID}/steps/s-1`), '/x/runs/r-0123abcd…/steps/s-1');
    assert.equal(
      urlForLog(`/media/runs/${RUN_ID}/s-1/m.jpg?exp=1&sig=abc`),
      '/media/runs/r-0123abcd…/s-1/m.jpg',
    );
  });

  it('shortens a run id written with percent-encoded characters, which the router decodes and serves', () => {
    const encoded = RUN_ID.replace('r-', 'r%2D').replace('abcd', '%61bcd');
    assert.equal(urlForLog(`/x/runs/${encoded}/steps/s-1`), '/x/runs/r-0123abcd…/steps/s-1');
    assert.equal(urlForLog(`/r/${encoded}`), '/r/r-0123abcd…');
    assert.equal(urlForLog('/x/runs/%E0%A4%A/bad'), '/x/runs/%E0%A4%A/bad', 'a malformed escape is kept');
  });

  it('logs requests without the run id in full', async () => {
    const { lines, stream } = captureLogLines();
    const config = createConfig({ logLevel: 'info' });
    const database = await createTestDatabase('pglite');
    const app = await createApp({
      config,
      database,
      secret: TEST_SECRET,
      keyring: TEST_KEYRING,
      loggerInstance: createLogger(config, stream),
    });
    try {
      await app.inject({ method: 'GET', url: `/x/runs/${RUN_ID}` });
      const text = JSON.stringify(lines);
      assert.ok(text.includes('r-0123abcd…'), text);
      assert.ok(!text.includes(RUN_ID), 'the full run id is not logged');
    } finally {
      await app.close();
      await database.close();
    }
  });

  it('warns loudly at start when the webhook guard is off', () => {
    const { lines, stream } = captureLogLines();
    const config = createConfig({ webhookAllowInsecure: true, metricsToken: 'a-metrics-token-0123' });
    warnAboutUnsafeSettings(config, createLogger(config, stream));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 40);
    assert.match(String(lines[0]!.msg), /RUNDUN_WEBHOOK_ALLOW_INSECURE is on/);
  });

  it('writes the first API key to a 0600 file it never replaces', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-first-key-'));
    try {
      const file = writeFirstApiKey(dataDir, 'org-1', 'rdk_live_x', 'rdk_test_x');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.readFileSync(file, 'utf8'), 'org org-1\nrdk_live_x\nrdk_test_x\n');
      assert.throws(() => writeFirstApiKey(dataDir, 'org-2', 'rdk_live_y'), { code: 'EEXIST' });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('/metrics', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('pglite', { config: { metricsToken: 'metrics-token-0123456789' } });
  });
  after(() => t.close());

  it('answers only with the bearer token when one is configured', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    const wrong = { authorization: 'Bearer metrics-token-9876543210' };
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: wrong })).statusCode, 401);
    const right = { authorization: 'Bearer metrics-token-0123456789' };
    const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: right });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /rundun_delivery_in_flight/);
  });

  it('is only on its own port when RUNDUN_METRICS_PORT is set', async () => {
    const config = createConfig({ metricsPort: 1 });
    const database = await createTestDatabase('pglite');
    const app = await createApp({ config, database, secret: TEST_SECRET, keyring: TEST_KEYRING });
    const metrics = await listenForMetrics({ ...config, host: '127.0.0.1' }, database, 0);
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
      const response = await metrics.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
    } finally {
      await metrics.close();
      await app.close();
      await database.close();
    }
  });
});
