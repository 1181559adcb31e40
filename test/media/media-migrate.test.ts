import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createConfig } from '../../src/config.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createOrg } from '../../src/db/orgs.js';
import { createApp } from '../../src/http/app.js';
import { createS3Storage } from '../../src/media/s3-storage.js';
import { readMedia } from '../../src/media/storage.js';
import { makeJpeg, makePng, WEBHOOK } from '../executor/helpers.js';
import { TEST_SECRET } from '../helpers/app.js';
import { RUNDUN_COMMAND } from '../helpers/cli.js';
import { TEST_KEYRING } from '../helpers/keyring.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

const execute = promisify(execFile);

describe('rundun media migrate --to s3', () => {
  let s3: TestS3Server;
  let dataDir: string;
  const keys: { key: string; bytes: Buffer }[] = [];
  const rundun = (args: string[]) =>
    execute(process.execPath, [...RUNDUN_COMMAND, ...args], {
      env: {
        ...process.env,
        ...s3.env('migrated/'),
        RUNDUN_MEDIA_STORE: 'disk',
        RUNDUN_DATA_DIR: dataDir,
        DATABASE_URL: '',
        LOG_LEVEL: 'warn',
      },
    });

  before(async () => {
    s3 = await startS3Server();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-media-migrate-'));
    // Media uploaded while the store was the local disk, as an instance before the switch has them.
    const database: Database = await openDatabase({ dataDir });
    await migrateToLatest(database.db);
    const app = await createApp({
      config: createConfig({ dataDir, webhookAllowInsecure: true }),
      database,
      secret: TEST_SECRET,
      keyring: TEST_KEYRING,
    });
    const org = await createOrg(database.db, 'Migrating org', 10);
    const { key } = await createApiKey(database.db, org.id, 'test');
    const auth = { authorization: `Bearer ${key}` };
    const template = await app.inject({
      method: 'POST',
      url: '/v1/templates',
      headers: auth,
      payload: {
        name: 'T',
        steps: [
          { id: 's-ph', type: 'photo', label: 'Photo' },
          { id: 's-sg', type: 'signature', label: 'Sign' },
        ],
      },
    });
    const run = await app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: auth,
      payload: { template_id: template.json<{ id: string }>().id, webhook: WEBHOOK },
    });
    const runId = run.json<{ run_id: string }>().run_id;
    await app.inject({ method: 'POST', url: `/x/runs/${runId}/start`, payload: {} });
    for (const [step, type, bytes] of [
      ['s-ph', 'image/jpeg', await makeJpeg(200, 100)],
      ['s-ph', 'image/jpeg', await makeJpeg(100, 200)],
      ['s-sg', 'image/png', await makePng()],
    ] as const) {
      const upload = await app.inject({
        method: 'POST',
        url: `/x/runs/${runId}/steps/${step}/media`,
        headers: { 'content-type': type },
        payload: bytes,
      });
      assert.equal(upload.statusCode, 201, upload.body);
      const id = upload.json<{ media_id: string }>().media_id;
      const key = `runs/${runId}/${step}/${id}.${type === 'image/png' ? 'png' : 'jpg'}`;
      keys.push({ key, bytes: fs.readFileSync(path.join(dataDir, 'media', key)) });
    }
    await app.close();
    await database.close();
  });
  after(async () => {
    await s3.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies every disk media file to the bucket; run again, it copies only what is missing', async () => {
    const first = await rundun(['media', 'migrate', '--to', 's3']);
    assert.match(
      first.stdout,
      /Copied 3 media files to s3:\/\/rundun-test-media\/migrated\/; 0 were already there; 0 missing on disk/,
    );
    const bucket = createS3Storage(s3.configFor('migrated/'));
    for (const { key, bytes } of keys) assert.deepEqual(await readMedia(bucket, key), bytes, key);
    assert.ok(fs.existsSync(path.join(dataDir, 'media', keys[0]!.key)), 'the disk copy is left in place');

    await bucket.delete(keys[1]!.key);
    fs.rmSync(path.join(dataDir, 'media', keys[2]!.key));
    await assert.rejects(
      rundun(['media', 'migrate', '--to', 's3']),
      (error: { code: number; stdout: string; stderr: string }) => {
        assert.equal(error.code, 1, 'a file recorded but missing on disk fails the run');
        assert.match(error.stdout, /Copied 1 media files .*; 1 were already there; 1 missing on disk/);
        assert.match(error.stderr, new RegExp(`missing on disk: ${keys[2]!.key}`));
        return true;
      },
    );
    assert.deepEqual(await readMedia(bucket, keys[1]!.key), keys[1]!.bytes);
  });

  it('refuses any target but s3', async () => {
    await assert.rejects(rundun(['media', 'migrate', '--to', 'gcs']), /--to must be s3/);
  });
});
