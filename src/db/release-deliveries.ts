/**
 * Releasing claims that were never started (the worker is stopping): the lease is dropped, so the
 * delivery, still due, goes to another worker at once. Fenced like recording: only leases this worker
 * still holds are released.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export async function releaseDeliveries(
  db: Kysely<DB>,
  workerId: string,
  claims: readonly { id: string; leaseUntil: Date }[],
  now: Date,
): Promise<number> {
  if (claims.length === 0) return 0;
  const released = JSON.stringify(claims.map((c) => ({ id: c.id, lease_until: c.leaseUntil.toISOString() })));
  const result = await sql`
    update deliveries d
       set lease_until = null, locked_by = null, updated_at = ${now}
      from jsonb_to_recordset(${released}::jsonb) as r(id text, lease_until timestamptz)
     where d.id = any(${claims.map((c) => c.id)}::text[])
       and d.id = r.id and d.locked_by = ${workerId} and d.lease_until = r.lease_until`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
