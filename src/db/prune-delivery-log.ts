/**
 * Delivery-log retention: attempts older than the retention keep their summary (number, times, status,
 * error, headers) while their request and response bodies, the bulk of the log, are replaced by a
 * marker. Each attempt is pruned once (`body_pruned`, indexed while false).
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export const PRUNED_BODY = '[pruned by the delivery-log retention]';

/** Prunes the bodies of up to `limit` attempts started before `before`; returns how many. */
export async function pruneAttemptBodies(db: Kysely<DB>, before: Date, limit = 1_000): Promise<number> {
  const rows = await db
    .updateTable('delivery_attempts')
    .set((eb) => ({
      request_body: PRUNED_BODY,
      response_body: eb.case().when('response_body', 'is', null).then(null).else(PRUNED_BODY).end(),
      body_pruned: true,
    }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('delivery_attempts')
        .select('id')
        .where('body_pruned', '=', false)
        .where('started_at', '<', before)
        .orderBy('started_at')
        .limit(limit),
    )
    .returning('id')
    .execute();
  return rows.length;
}
