/** A database that cannot be reached: 503 with Retry-After on every face, and one log line per outage. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connect.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { createApp } from '../../src/http/app.js';
import { OUTAGE_QUIET_MS } from '../../src/http/database-outage.js';
import { createLogger } from '../../src/http/server.js';
import { unusedPort } from '../helpers/ports.js';
import { createTestApp, TEST_SECRET } from '../helpers/app.js';
import { TEST_KEYRING } from '../helpers/keyring.js';
import { captureLogLines } from '../helpers/logs.js';

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

  it('tells an unreachable database from a failing statement', () => {
    assert.equal(
      isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      true,
    );
    assert.equal(
      isDatabaseUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' })),
      true,
    );
    assert.equal(
      isDatabaseUnavailable(new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') })),
      true,
    );
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
    assert.equal(isDatabaseUnavailable(new Error('relation "nope" does not exist')), false);
  });
});
