/**
 * Releasing claims that were never started (the worker is stopping, or an origin turned slow): the lease
 * is dropped, so the delivery, still due, goes to another worker at once. Fenced like recording: only
 * claims still held under their token (`locked_by`, `attempt_count` unchanged) are released.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export async function releaseDeliveries(
  db: Kysely<DB>,
  claims: readonly { id: string; lockedBy: string; attemptCount: number }[],
  now: Date,
): Promise<number> {
  if (claims.length === 0) return 0;
  const released = JSON.stringify(
    claims.map((c) => ({ id: c.id, locked_by: c.lockedBy, attempt_count: c.attemptCount })),
  );
  const result = await sql`
    update deliveries d
       set lease_until = null, locked_by = null, updated_at = ${now}
      from jsonb_to_recordset(${released}::jsonb) as r(id text, locked_by text, attempt_count int)
     where d.id = any(${claims.map((c) => c.id)}::text[])
       and d.id = r.id and d.locked_by = r.locked_by and d.attempt_count = r.attempt_count`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
