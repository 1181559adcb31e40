/**
 * The first `rundun serve` on an empty database, as a real process: it makes the first org and prints
 * its live and test API keys and the dashboard's one-time setup link for the first owner, and files
 * the keys in `<data dir>/first-api-key` (mode 0600). On PostgreSQL the database is a new, empty one
 * made for the test (serve migrates it from nothing) and dropped after; on PGlite, a new data directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { RUNDUN_COMMAND } from '../helpers/cli.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { TEST_ENCRYPTION_KEY } from '../helpers/keyring.js';

const PUBLIC_URL = 'https://rundun.example.test';

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL database (no schema at all) and how to drop it. */
async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `rundun_first_start_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withAdminClient((client) => client.query(`create database "${name}"`));
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await withAdminClient((client) => client.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

for (const kind of testDatabaseKinds())
  describe(`the first rundun serve on an empty ${kind} database`, () => {
    it('prints the first API key, a test key and the setup link for the first owner, and files the keys', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-first-start-'));
      const scratch = kind === 'postgres' ? await createScratchDatabase() : undefined;
      const child = spawn(process.execPath, [...RUNDUN_COMMAND, 'serve', '--no-worker', '--port', '0'], {
        env: {
          ...process.env,
          RUNDUN_DATA_DIR: dataDir,
          DATABASE_URL: scratch?.url ?? '',
          RUNDUN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
          PUBLIC_URL,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        const deadline = Date.now() + 240_000;
        let printed: RegExpExecArray | null;
        while (!(printed = /Dashboard setup link for the first owner[^:]*: (\S+)\n/.exec(output))) {
          assert.ok(Date.now() < deadline && child.exitCode === null, `no setup link printed:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const orgId = /First start: created org (org-\S+) with 100 credits\./.exec(output)?.[1];
        const apiKey = /^API key \(store it now; also in (\S+), mode 0600[^)]*\): (rdk_live_\w{32})$/m.exec(
          output,
        );
        const testKey = /^Test API key .*: (rdk_test_\w{32})$/m.exec(output)?.[1];
        assert.ok(orgId && apiKey && testKey, output);
        const setupLink = printed[1]!;
        assert.match(setupLink, new RegExp(`^${PUBLIC_URL}/app/invite/[A-Za-z0-9_-]{32}$`));
        assert.ok(
          !output.split('\n').some((line) => line.startsWith('{') && line.includes(apiKey[2]!)),
          'not logged',
        );

        const file = path.join(dataDir, 'first-api-key');
        assert.equal(apiKey[1], file);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.equal(fs.readFileSync(file, 'utf8'), `org ${orgId}\n${apiKey[2]}\n${testKey}\n`);

        const port = /"msg":"Server listening at http:\/\/[^:]+:(\d+)"/.exec(output)?.[1];
        const base = `http://127.0.0.1:${port}`;
        const org = await fetch(`${base}/v1/org`, { headers: { authorization: `Bearer ${apiKey[2]}` } });
        assert.equal(org.status, 200);
        assert.equal(((await org.json()) as { credit_balance: number }).credit_balance, 100);
        const asTest = await fetch(`${base}/v1/org`, { headers: { authorization: `Bearer ${testKey}` } });
        assert.equal(asTest.status, 200, 'the test key is a key of the same org');
        const token = setupLink.split('/').at(-1)!;
        const invitation = await fetch(`${base}/v1/auth/invitations/${token}`);
        assert.equal(invitation.status, 200);
        assert.equal(((await invitation.json()) as { role: string }).role, 'owner');
      } finally {
        child.kill('SIGTERM');
        await exited;
        await scratch?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
