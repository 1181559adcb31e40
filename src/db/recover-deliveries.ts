/**
 * Recover: after an outage on the receiver's side, queue one more attempt of every delivery of the org
 * that failed (all attempts used) in a time window, optionally of one run or to one URL. Each is queued
 * like a replay (src/db/replay-delivery.ts): same event_id and body, the next delivery_attempt, marked
 * manual, sent once; one that fails again stays failed and is not retried automatically.
 *
 * Bounded: one call queues at most `limit` deliveries, oldest first, and answers a cursor to continue
 * after the last one it looked at, so a second call never re-queues what the first one queued even when
 * those attempts have failed again meanwhile. A delivery already waiting for a replay is not queued
 * twice (nor counted), and the update re-checks that on the row, so two calls at once queue each
 * delivery once. The candidates are one range of the partial index `deliveries_org_failed_idx`.
 */
import { sql, type Kysely } from 'kysely';
import { DELIVERY_CHANNEL } from './events.js';
import type { OrgScope } from './list-deliveries.js';
import { decodeCursor, encodeCursor } from './pagination.js';
import type { DB } from './schema.js';

export const MAX_RECOVER_PER_CALL = 1000;

export interface RecoverInput {
  since: Date;
  until: Date;
  runId?: string | undefined;
  url?: string | undefined;
  /** The `next_cursor` of the previous call with the same window. */
  cursor?: string | undefined;
  limit: number;
  now: Date;
}

export async function recoverFailedDeliveries(
  db: Kysely<DB>,
  scope: OrgScope,
  input: RecoverInput,
): Promise<{ queued: number; nextCursor: string | null }> {
  let candidates = db
    .selectFrom('deliveries')
    .select(['id', 'created_at'])
    .where('org_id', '=', scope.orgId)
    .where('livemode', '=', scope.livemode)
    .where('status', '=', 'failed')
    .where('created_at', '>=', input.since)
    .where('created_at', '<', input.until)
    .orderBy('created_at')
    .orderBy('id')
    .limit(input.limit + 1);
  if (input.runId) candidates = candidates.where('run_id', '=', input.runId);
  if (input.url) candidates = candidates.where('url', '=', input.url);
  if (input.cursor) {
    const after = decodeCursor(input.cursor);
    candidates = candidates.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await candidates.execute();
  const picked = rows.slice(0, input.limit);
  const last = picked[picked.length - 1];
  const nextCursor =
    rows.length > input.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null;
  if (picked.length === 0) return { queued: 0, nextCursor };
  const queued = await db
    .updateTable('deliveries')
    .set({ manual_pending: true, next_attempt_at: input.now, updated_at: input.now })
    .where(
      'id',
      'in',
      picked.map((row) => row.id),
    )
    .where('status', '=', 'failed')
    .where('manual_pending', '=', false)
    .returning('id')
    .execute();
  if (queued.length > 0) await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(db);
  return { queued: queued.length, nextCursor };
}
