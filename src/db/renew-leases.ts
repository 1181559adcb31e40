/**
 * The lease heartbeat: a worker moves the lease of every claim it still holds to `leaseUntil`, in one
 * statement, every second or so while it holds any (src/delivery/lease-heartbeat.ts). Fenced like
 * recording (`locked_by` = the claim's token, `attempt_count` unchanged): a claim another worker has
 * taken over is not renewed, and the caller learns which were, so it knows which it has lost.
 * Only `lease_until` and `updated_at` change: columns outside every index, so the update stays HOT.
 */
import { sql, type Kysely } from 'kysely';
import { PREPARED } from './connect.js';
import type { DB } from './schema.js';

export async function renewLeases(
  db: Kysely<DB>,
  claims: readonly { id: string; lockedBy: string; attemptCount: number }[],
  leaseUntil: Date,
  now: Date,
): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const held = JSON.stringify(
    claims.map((c) => ({ id: c.id, locked_by: c.lockedBy, attempt_count: c.attemptCount })),
  );
  const { rows } = await sql<{ id: string }>`${PREPARED}
    update deliveries d
       set lease_until = ${leaseUntil}, updated_at = ${now}
      from jsonb_to_recordset(${held}::jsonb) as h(id text, locked_by text, attempt_count int)
     where d.id = any(${claims.map((c) => c.id)}::text[])
       and d.id = h.id and d.locked_by = h.locked_by and d.attempt_count = h.attempt_count
    returning d.id`.execute(db);
  return new Set(rows.map((row) => row.id));
}
