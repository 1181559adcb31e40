/**
 * The /v1 per-key rate limit across API processes on one PostgreSQL database (skipped without
 * TEST_DATABASE_URL; PGlite is one process, whose limit is in memory): the counts are shared through
 * `rate_limit_counts`, so two processes together allow the limit, not twice it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../../src/http/app.js';
import { SharedRateCounts } from '../../src/http/shared-rate-limit.js';
import { createTestApp, TEST_SECRET } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { TEST_KEYRING } from '../helpers/keyring.js';

const skip = process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)';
const silent = { warn: () => {} };

describe('rate limits shared by API processes (postgres)', { skip }, () => {
  it('counts every process in the window: a first hit reads the total, later hits are added in batches', async () => {
    const database = await createTestDatabase('postgres');
    let now = 1_800_000_000_000 - (1_800_000_000_000 % 60_000) + 1_000;
    const a = new SharedRateCounts(database.db, silent, () => now);
    const b = new SharedRateCounts(database.db, silent, () => now);
    try {
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push((await a.hit('key:k1', 60_000)).current);
      assert.deepEqual(seen, [1, 2, 3, 4, 5], 'one process alone counts every hit');
      assert.equal(
        (await b.hit('key:k1', 60_000)).current,
        2,
        "b's first hit sees a's first, written at once",
      );
      await a.flush();
      assert.equal((await b.hit('key:k1', 60_000)).current, 3, 'between flushes b counts on what it knew');
      await b.flush();
      const third = await b.hit('key:k1', 60_000);
      assert.equal(third.current, 8, "after b's flush it knows a's batch: 5 from a, 3 from b");
      assert.equal(third.ttl, 59_000, 'until the end of the aligned window');
      assert.equal((await a.hit('key:k2', 60_000)).current, 1, 'keys are counted apart');

      now += 60_000;
      assert.equal((await b.hit('key:k1', 60_000)).current, 1, 'a new window starts from zero');
      await a.flush();
      const rows = await database.db
        .selectFrom('rate_limit_counts')
        .selectAll()
        .orderBy('window_start')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.key, r.count]),
        [
          ['key:k1', 7], // b's last hit of that window is still in b's memory
          ['key:k2', 1],
          ['key:k1', 1],
        ],
      );
    } finally {
      await a.close();
      await b.close();
      await database.close();
    }
  });

  it('keeps counting in memory while the database is away, and adds those hits once it is back', async () => {
    const database = await createTestDatabase('postgres');
    const warnings: unknown[] = [];
    const counts = new SharedRateCounts(database.db, { warn: (...args: unknown[]) => warnings.push(args) });
    try {
      await database.db.schema.alterTable('rate_limit_counts').renameTo('rate_limit_counts_away').execute();
      assert.equal((await counts.hit('key:k', 60_000)).current, 1);
      assert.equal((await counts.hit('key:k', 60_000)).current, 2);
      await counts.flush();
      assert.equal(warnings.length, 1, 'one warning, not one per request');
      await database.db.schema.alterTable('rate_limit_counts_away').renameTo('rate_limit_counts').execute();
      await counts.flush();
      const row = await database.db.selectFrom('rate_limit_counts').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.count, 2);
    } finally {
      await counts.close();
      await database.close();
    }
  });

  it('refuses a key on one API process once another has used up its limit', async () => {
    const t = await createTestApp('postgres', { config: { rateLimitPerMinute: 5 } });
    const other = await createApp({
      config: t.config,
      database: t.database,
      secret: TEST_SECRET,
      keyring: TEST_KEYRING,
      now: () => t.clock.now,
    });
    try {
      const get = (app: typeof other) =>
        app.inject({ method: 'GET', url: '/v1/org', headers: { authorization: `Bearer ${t.apiKey}` } });
      const first = [];
      for (let i = 0; i < 5; i++) first.push((await get(t.app)).statusCode);
      assert.deepEqual(first, [200, 200, 200, 200, 200]);
      await t.app.close(); // its last flush: every hit of A is in the shared count
      const refused = await get(other);
      assert.equal(refused.statusCode, 429, 'the other process knows the key has had its 5');
      assert.ok(Number(refused.headers['retry-after']) > 0);
    } finally {
      await other.close();
      await t.database.close();
    }
  });
});
