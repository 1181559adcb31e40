/**
 * Failed sign-ins, counted per key (`email:<address>`, `ip:<address>`) in a fixed window that starts
 * at the first failure. Kept in the database so every API process behind a load balancer counts the
 * same guesses.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

/** Failures and window start of each key whose window is still open at `now`. */
export async function readSignInFailures(
  db: Kysely<DB>,
  keys: string[],
  now: Date,
  windowMs: number,
): Promise<Map<string, { failures: number; windowStartedAt: Date }>> {
  const rows = await db
    .selectFrom('sign_in_failures')
    .selectAll()
    .where('key', 'in', keys)
    .where('window_started_at', '>', new Date(now.getTime() - windowMs))
    .execute();
  return new Map(rows.map((r) => [r.key, { failures: r.failures, windowStartedAt: r.window_started_at }]));
}

export async function recordSignInFailure(
  db: Kysely<DB>,
  keys: string[],
  now: Date,
  windowMs: number,
): Promise<void> {
  const windowOpenSince = new Date(now.getTime() - windowMs);
  await db
    .insertInto('sign_in_failures')
    .values(keys.map((key) => ({ key, failures: 1, window_started_at: now })))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        // A window that has closed starts again with this failure.
        failures: sql`case when sign_in_failures.window_started_at > ${windowOpenSince}
          then sign_in_failures.failures + 1 else 1 end`,
        window_started_at: sql`case when sign_in_failures.window_started_at > ${windowOpenSince}
          then sign_in_failures.window_started_at else ${now} end`,
      }),
    )
    .execute();
}

export async function clearSignInFailures(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('key', '=', key).execute();
}
