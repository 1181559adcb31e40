import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { createApp } from '../../src/http/app.js';
import { TEST_SECRET } from '../helpers/app.js';
import { RUNDUN_COMMAND } from '../helpers/cli.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/database.js';
import { TEST_KEYRING } from '../helpers/keyring.js';

const run = promisify(execFile);

describe('rundun command', () => {
  let dataDir: string;
  const env = () => ({ ...process.env, RUNDUN_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' });
  const rundun = (args: string[], input?: string) => {
    const child = run(process.execPath, [...RUNDUN_COMMAND, ...args], { env: env() });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    }
    return child;
  };

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-cli-'));
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates an org, keys, credits and a user with machine-readable output', async () => {
    const first = await rundun(['migrate']);
    assert.match(first.stdout, /^Applied \d+: 0001-initial, /, 'a fresh database: names what it applied');
    const org = JSON.parse(
      (await rundun(['org', 'create', '--name', 'Acme', '--credits', '5', '--json'])).stdout,
    );
    assert.match(org.org_id, /^org-/);
    assert.match(org.api_key, /^rdk_live_[A-Za-z0-9]{32}$/);
    assert.equal(org.credit_balance, 5);

    const key = JSON.parse(
      (await rundun(['keys', 'create', '--org', org.org_id, '--name', 'ci', '--json'])).stdout,
    );
    assert.match(key.api_key, /^rdk_live_[A-Za-z0-9]{32}$/);
    assert.notEqual(key.api_key, org.api_key);

    const listed = JSON.parse((await rundun(['keys', 'list', '--org', org.org_id, '--json'])).stdout);
    assert.deepEqual(
      listed.keys.map((k: { hint: string }) => k.hint).sort(),
      [org.api_key, key.api_key].map((k: string) => `rdk_live_…${k.slice(-4)}`).sort(),
    );
    assert.ok(!JSON.stringify(listed).includes(key.api_key), 'a listing never shows a full key');
    await rundun(['keys', 'revoke', '--org', org.org_id, '--key', key.key_id]);
    const afterRevoke = JSON.parse((await rundun(['keys', 'list', '--org', org.org_id, '--json'])).stdout);
    assert.ok(afterRevoke.keys.find((k: { key_id: string }) => k.key_id === key.key_id).revoked_at);

    const credits = JSON.parse(
      (await rundun(['credits', 'add', '--org', org.org_id, '--amount', '7', '--json'])).stdout,
    );
    assert.equal(credits.credit_balance, 12);

    const user = JSON.parse(
      (
        await rundun(
          ['user', 'create', '--org', org.org_id, '--email', 'a@example.com', '--role', 'owner', '--json'],
          'long enough password\n',
        )
      ).stdout,
    );
    assert.match(user.user_id, /^u-/);
    assert.equal(user.role, 'owner');

    const migrate = await rundun(['migrate']);
    assert.match(migrate.stdout, /up to date/);
  });

  it('fails with a message on stderr and a non-zero exit for bad input', async () => {
    for (const args of [
      ['credits', 'add', '--org', 'org-missing', '--amount', '1'],
      ['credits', 'add', '--org', 'org-missing', '--amount', 'lots'],
      ['org', 'create'],
    ]) {
      await assert.rejects(rundun(args), (error: { code: number; stderr: string }) => {
        assert.notEqual(error.code, 0, args.join(' '));
        assert.ok(error.stderr.trim().length > 0, `says why: ${args.join(' ')}`);
        return true;
      });
    }
  });

  it('refuses to open a data directory another process holds, with a clear message', async () => {
    const holder = await openDatabase({ dataDir });
    try {
      await assert.rejects(rundun(['migrate']), (error: { code: number; stderr: string }) => {
        assert.notEqual(error.code, 0);
        assert.match(error.stderr, /in use by another rundun process/);
        return true;
      });
    } finally {
      await holder.close();
    }
    await rundun(['migrate']);
  });
});

for (const kind of testDatabaseKinds()) {
  describe(`rundun keys create --test on ${kind}`, () => {
    let dataDir: string;
    let postgres: TestDatabase | undefined;
    const rundun = async (args: string[]) => {
      const env = {
        ...process.env,
        RUNDUN_DATA_DIR: dataDir,
        DATABASE_URL: postgres?.url ?? '',
        LOG_LEVEL: 'warn',
      };
      return JSON.parse((await run(process.execPath, [...RUNDUN_COMMAND, ...args], { env })).stdout);
    };

    before(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-cli-test-key-'));
      if (kind === 'postgres') postgres = await createTestDatabase('postgres');
    });
    after(async () => {
      await postgres?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('creates an rdk_test_ key whose runs are dispatched with livemode false and take no credit', async () => {
      const org = await rundun(['org', 'create', '--name', 'Sandbox', '--credits', '1', '--json']);
      const key = await rundun([
        'keys',
        'create',
        '--org',
        org.org_id,
        '--name',
        'sandbox',
        '--test',
        '--json',
      ]);
      assert.match(key.api_key, /^rdk_test_[A-Za-z0-9]{32}$/);
      assert.equal(key.livemode, false);
      const listed = await rundun(['keys', 'list', '--org', org.org_id, '--json']);
      assert.ok(
        listed.keys.some((k: { hint: string }) => k.hint === `rdk_test_…${key.api_key.slice(-4)}`),
        JSON.stringify(listed),
      );

      // The CLI has exited (and released the data directory): the server now runs on the same database.
      const database: Database = postgres ?? (await openDatabase({ dataDir }));
      const app = await createApp({
        config: createConfig({ dataDir, webhookAllowInsecure: true }),
        database,
        secret: TEST_SECRET,
        keyring: TEST_KEYRING,
      });
      try {
        const as = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });
        const template = await app.inject({
          method: 'POST',
          url: '/v1/templates',
          headers: as(key.api_key),
          payload: { name: 'Try-out', steps: [{ id: 's-ok', type: 'boolean', label: 'OK?' }] },
        });
        assert.equal(template.statusCode, 201, template.body);
        const dispatch = (apiKey: string) =>
          app.inject({
            method: 'POST',
            url: '/v1/runs',
            headers: as(apiKey),
            payload: { template_id: template.json<{ id: string }>().id },
          });
        const balance = async () =>
          (await app.inject({ method: 'GET', url: '/v1/org', headers: as(org.api_key) })).json<{
            credit_balance: number;
          }>().credit_balance;

        for (let i = 0; i < 3; i++) {
          const test = await dispatch(key.api_key);
          assert.equal(test.statusCode, 201, test.body);
          assert.equal(test.json<{ livemode: boolean }>().livemode, false);
          const runId = test.json<{ run_id: string }>().run_id;
          const document = await app.inject({
            method: 'GET',
            url: `/v1/runs/${runId}`,
            headers: as(key.api_key),
          });
          assert.equal(document.json<{ livemode: boolean }>().livemode, false);
          const seenLive = await app.inject({
            method: 'GET',
            url: `/v1/runs/${runId}`,
            headers: as(org.api_key),
          });
          assert.equal(seenLive.statusCode, 404, 'live keys do not see test runs');
        }
        assert.equal(await balance(), 1, 'three test runs took no credit');
        const live = await dispatch(org.api_key);
        assert.equal(live.statusCode, 201, live.body);
        assert.equal(live.json<{ livemode: boolean }>().livemode, true);
        assert.equal(await balance(), 0, 'a live run takes its credit');
      } finally {
        await app.close();
        if (!postgres) await database.close();
      }
    });
  });
}
