import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openDatabase } from '../../src/db/connect.js';
import { RUNDUN_COMMAND } from '../helpers/cli.js';

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
