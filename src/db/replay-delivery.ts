/**
 * Replay: asks for one manual attempt of a delivery now, whatever its status. The attempt resends the
 * same event (same `event_id` and body) with the next `delivery_attempt` and is marked manual in the log.
 * A delivery in flight keeps its lease (so nobody sends it concurrently); the replay follows as soon as
 * that attempt is recorded (src/db/record-attempts.ts keeps the request). Only the org that owns the
 * run can replay its deliveries, and only with a key of the run's mode (test or live).
 */
import type { Kysely } from 'kysely';
import type { OrgScope } from './list-deliveries.js';
import type { DB } from './schema.js';

/** Returns false when there is no such delivery in the org (in this mode). */
export async function requestReplay(
  db: Kysely<DB>,
  input: OrgScope & { deliveryId: string; now: Date },
): Promise<boolean> {
  const { now } = input;
  const updated = await db
    .updateTable('deliveries')
    .set({
      manual_pending: true,
      next_attempt_at: now,
      updated_at: now,
    })
    .where('id', '=', input.deliveryId)
    .where('org_id', '=', input.orgId)
    .where('livemode', '=', input.livemode)
    .returning('id')
    .executeTakeFirst();
  return updated !== undefined;
}
