/**
 * Failed sign-ins, counted per key (`email:<address>`, `ip:<address>`): how many since the streak
 * began and when the last one was. Kept in the database so every API process behind a load balancer
 * counts the same guesses. The rules (how long each count must wait) are the caller's
 * (src/http/sign-in-throttle.ts); this module makes checking and counting one atomic step.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface FailureCount {
  failures: number;
  lastFailedAt: Date;
}

export interface ClaimKey {
  key: string;
  /** A streak whose last failure is older than this is forgotten (counts again from zero). */
  forgetMs: number;
  /** How long this count must wait after its last failure before another attempt; 0: none. */
  waitFor(count: FailureCount): number;
}

/**
 * Counts an attempt for each key as a failure, unless one of the keys must still wait: then nothing
 * changes and the answer is how long (ms). The keys' rows are locked while checking, so parallel
 * attempts are counted one after another and a burst cannot slip past the delays. The caller takes
 * the failure back with `forgiveSignInAttempt` (or `clearSignInFailures`) when the password was right.
 */
export async function claimSignInAttempt(
  db: Kysely<DB>,
  keys: readonly ClaimKey[],
  now: Date,
): Promise<{ waitMs: number }> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sign_in_failures')
      .values(keys.map(({ key }) => ({ key, failures: 0, window_started_at: now, last_failed_at: now })))
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const rows = await trx
      .selectFrom('sign_in_failures')
      .selectAll()
      .where(
        'key',
        'in',
        keys.map((k) => k.key),
      )
      .orderBy('key')
      .forUpdate()
      .execute();
    const byKey = new Map(rows.map((row) => [row.key, row]));
    let waitMs = 0;
    for (const rule of keys) {
      const row = byKey.get(rule.key)!;
      const forgotten = row.last_failed_at.getTime() <= now.getTime() - rule.forgetMs;
      if (forgotten || row.failures === 0) continue;
      const until =
        row.last_failed_at.getTime() +
        rule.waitFor({ failures: row.failures, lastFailedAt: row.last_failed_at });
      waitMs = Math.max(waitMs, until - now.getTime());
    }
    if (waitMs > 0) return { waitMs };
    for (const rule of keys) {
      const forgetBefore = new Date(now.getTime() - rule.forgetMs);
      await trx
        .updateTable('sign_in_failures')
        .set({
          failures: sql`case when last_failed_at > ${forgetBefore} then failures + 1 else 1 end`,
          window_started_at: sql`case when last_failed_at > ${forgetBefore} and failures > 0
            then window_started_at else ${now} end`,
          last_failed_at: now,
        })
        .where('key', '=', rule.key)
        .execute();
    }
    return { waitMs: 0 };
  });
}

/** Takes back one counted failure of each key (the attempt was not a wrong password). */
export async function forgiveSignInAttempt(db: Kysely<DB>, keys: readonly string[]): Promise<void> {
  await db
    .updateTable('sign_in_failures')
    .set({ failures: sql`greatest(failures - 1, 0)` })
    .where('key', 'in', [...keys])
    .execute();
}

export async function clearSignInFailures(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('key', '=', key).execute();
}

/** The counts of these keys, for tests and operators. */
export async function readSignInFailures(
  db: Kysely<DB>,
  keys: readonly string[],
): Promise<Map<string, FailureCount>> {
  const rows = await db
    .selectFrom('sign_in_failures')
    .selectAll()
    .where('key', 'in', [...keys])
    .execute();
  return new Map(rows.map((r) => [r.key, { failures: r.failures, lastFailedAt: r.last_failed_at }]));
}
