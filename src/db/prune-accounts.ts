/**
 * Account housekeeping: sessions past their expiry and sign-in failures whose streak was forgotten long ago
 * are deleted, a bounded batch at a time. Neither is read once expired, so nothing a person sees changes.
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/** Deletes up to `limit` sessions that expired before `now`; returns how many. */
export async function deleteExpiredSessions(db: Kysely<DB>, now: Date, limit = 1_000): Promise<number> {
  const rows = await db
    .deleteFrom('sessions')
    .where('token_hash', 'in', (eb) =>
      eb.selectFrom('sessions').select('token_hash').where('expires_at', '<', now).limit(limit),
    )
    .returning('token_hash')
    .execute();
  return rows.length;
}

/** Deletes up to `limit` sign-in failure counters whose last failure was before `before`. */
export async function deleteStaleSignInFailures(
  db: Kysely<DB>,
  before: Date,
  limit = 1_000,
): Promise<number> {
  const rows = await db
    .deleteFrom('sign_in_failures')
    .where('key', 'in', (eb) =>
      eb.selectFrom('sign_in_failures').select('key').where('last_failed_at', '<', before).limit(limit),
    )
    .returning('key')
    .execute();
  return rows.length;
}
