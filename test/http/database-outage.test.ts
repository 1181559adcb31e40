/**
 * A database that cannot be reached: 503 with Retry-After on every face, and one log line per outage.
 * Something else that cannot be reached (S3 media storage) is a 500 and an error log line, not an outage.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connect.js';
import { markFromDatabase } from '../../src/db/error-origin.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { createApp } from '../../src/http/app.js';
import { OUTAGE_QUIET_MS } from '../../src/http/database-outage.js';
import { createLogger, openConfiguredDatabase } from '../../src/http/server.js';
import { unusedPort } from '../helpers/ports.js';
import { createTestApp, TEST_SECRET } from '../helpers/app.js';
import { TEST_KEYRING } from '../helpers/keyring.js';
import { captureLogLines } from '../helpers/logs.js';
import { makeJpeg } from '../executor/helpers.js';

const RUN_ID = 'r-0123abcd-4567-89ab-cdef-0123456789ab';
const OUTAGE_MESSAGE = /^database unavailable/;

const outageLines = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => OUTAGE_MESSAGE.test(String(line.msg)));

function assertUnavailable(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  assert.equal(response.statusCode, 503, response.body);
  assert.equal(response.headers['retry-after'], '5');
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(response.body) as { type: string; detail: string };
  assert.equal(problem.type, 'https://rundun.dev/problems/unavailable');
  assert.doesNotMatch(response.body, /ECONNREFUSED|127\.0\.0\.1|PGlite|closed/);
}

describe('a database that cannot be reached', () => {
  it('answers /v1, /x and /readyz with 503 and Retry-After from PostgreSQL on a closed port, logging each outage once', async () => {
    const { lines, stream } = captureLogLines();
    const config = createConfig({ logLevel: 'info' });
    const database = await openDatabase({
      databaseUrl: `postgres://postgres@127.0.0.1:${await unusedPort()}/rundun`,
    });
    let now = new Date();
    const app = await createApp({
      config,
      database,
      secret: TEST_SECRET,
      keyring: TEST_KEYRING,
      now: () => now,
      loggerInstance: createLogger(config, stream),
    });
    try {
      const key = `Bearer rdk_live_${'a'.repeat(32)}`;
      assertUnavailable(
        await app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: key } }),
      );
      assertUnavailable(
        await app.inject({
          method: 'POST',
          url: '/v1/runs',
          headers: { authorization: key },
          payload: { template_id: 't-1' },
        }),
      );
      assertUnavailable(await app.inject({ method: 'GET', url: `/x/runs/${RUN_ID}` }));
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);

      const first = outageLines(lines);
      assert.equal(first.length, 1, JSON.stringify(lines));
      assert.equal((first[0]!.err as { code: string }).code, 'ECONNREFUSED');
      assert.equal(
        lines.filter((line) => Number(line.level) >= 50).length,
        1,
        'the outage is the only error logged',
      );

      now = new Date(now.getTime() + OUTAGE_QUIET_MS);
      assertUnavailable(await app.inject({ method: 'GET', url: `/x/runs/${RUN_ID}` }));
      const both = outageLines(lines);
      assert.equal(both.length, 2, 'a failure after a quiet minute starts a new outage');
      assert.equal(both[1]!.previous_outage_failures, 4);
    } finally {
      await app.close();
      await database.close();
    }
  });

  it('answers 503 with Retry-After once the PGlite instance under the app is closed', async () => {
    const { lines, stream } = captureLogLines();
    const t = await createTestApp('pglite', {
      loggerInstance: createLogger(createConfig({ logLevel: 'info' }), stream),
    });
    assert.equal((await t.api({ method: 'GET', url: '/v1/runs' })).statusCode, 200);
    await t.database.pglite!.close();
    try {
      assertUnavailable(await t.api({ method: 'GET', url: '/v1/runs' }));
      assertUnavailable(await t.app.inject({ method: 'GET', url: `/x/runs/${RUN_ID}` }));
      assert.equal(outageLines(lines).length, 1);
    } finally {
      await t.app.close();
    }
  });

  it('answers 503 within the connect timeout when the database accepts connections and never answers', async () => {
    const accepted = new Set<net.Socket>();
    let connections = 0;
    const silent = net.createServer((socket) => {
      connections += 1;
      accepted.add(socket);
      socket.on('close', () => accepted.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const config = createConfig({
      logLevel: 'silent',
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/rundun`,
      databaseConnectTimeoutMs: 300,
    });
    const database = await openConfiguredDatabase(config);
    const app = await createApp({ config, database, secret: TEST_SECRET, keyring: TEST_KEYRING });
    const request = async () => {
      const started = performance.now();
      assertUnavailable(
        await app.inject({
          method: 'GET',
          url: '/v1/runs',
          headers: { authorization: `Bearer rdk_live_${'a'.repeat(32)}` },
        }),
      );
      return performance.now() - started;
    };
    try {
      // Without a timeout the first request never ends; it also pays the app's warm-up (~2 s here).
      const firstMs = await request();
      assert.ok(connections >= 1, 'the request reached the silent server');
      assert.ok(firstMs < 15_000, `the first request answered after ${Math.round(firstMs)} ms`);
      // Warm, a request takes the 300 ms timeout and little more (measured: ~300 ms).
      const warmMs = await request();
      assert.ok(warmMs >= 250 && warmMs < 2000, `a warm request answered after ${Math.round(warmMs)} ms`);
    } finally {
      await app.close();
      await database.close();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('answers 500, not the outage 503, when S3 media storage refuses the connection', async () => {
    const { lines, stream } = captureLogLines();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-outage-'));
    const s3 = {
      bucket: 'media',
      prefix: '',
      endpoint: `http://127.0.0.1:${await unusedPort()}`,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'test',
      secretAccessKey: 'test-secret',
      sessionToken: undefined,
      redirect: false,
    };
    const t = await createTestApp('pglite', {
      config: { dataDir, mediaStore: 's3', s3 },
      loggerInstance: createLogger(createConfig({ logLevel: 'info' }), stream),
    });
    try {
      const template = await t.api({
        method: 'POST',
        url: '/v1/templates',
        payload: { name: 'Photos', steps: [{ id: 's-ph', type: 'photo', label: 'Photo' }] },
      });
      const run = await t.api({
        method: 'POST',
        url: '/v1/runs',
        payload: { template_id: template.json().id },
      });
      const runId = run.json<{ run_id: string }>().run_id;
      const start = await t.app.inject({ method: 'POST', url: `/x/runs/${runId}/start`, payload: {} });
      assert.equal(start.statusCode, 200, start.body);

      const upload = await t.app.inject({
        method: 'POST',
        url: `/x/runs/${runId}/steps/s-ph/media`,
        headers: { 'content-type': 'image/jpeg' },
        payload: await makeJpeg(64, 64),
      });
      assert.equal(upload.statusCode, 500, upload.body);
      assert.equal(upload.headers['retry-after'], undefined);
      assert.equal(upload.json<{ type: string }>().type, 'https://rundun.dev/problems/internal');
      assert.deepEqual(outageLines(lines), [], 'not logged as a database outage');
      const failed = lines.filter((line) => line.msg === 'request failed');
      assert.equal(failed.length, 1, 'logged as a failed request, with its cause');
      assert.match(JSON.stringify(failed[0]!.err), /ECONNREFUSED/);
      assert.equal((await t.api({ method: 'GET', url: '/v1/runs' })).statusCode, 200, 'the database is fine');
    } finally {
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('tells an unreachable database from a failing statement, and from other things that cannot be reached', () => {
    const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const fromDb = (error: Error) => markFromDatabase(error) as Error;
    assert.equal(isDatabaseUnavailable(fromDb(refused())), true);
    assert.equal(
      isDatabaseUnavailable(fromDb(Object.assign(new Error('terminating connection'), { code: '57P01' }))),
      true,
    );
    assert.equal(
      isDatabaseUnavailable(
        new Error('wrapped', { cause: fromDb(new Error('Connection terminated unexpectedly')) }),
      ),
      true,
      'a database error as the cause of another',
    );
    assert.equal(
      isDatabaseUnavailable(fromDb(new AggregateError([refused(), refused()], 'every address refused'))),
      true,
    );
    assert.equal(
      isDatabaseUnavailable(fromDb(Object.assign(new Error('duplicate key'), { code: '23505' }))),
      false,
    );
    assert.equal(isDatabaseUnavailable(fromDb(new Error('relation "nope" does not exist'))), false);
    assert.equal(
      isDatabaseUnavailable(refused()),
      false,
      'a refused connection not made by the database client',
    );
    assert.equal(isDatabaseUnavailable(new Error('S3 put failed', { cause: refused() })), false);
  });
});
