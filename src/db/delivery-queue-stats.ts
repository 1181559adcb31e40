/**
 * The delivery queue as the worker's wake-up timer and the metrics see it. "Due" means waiting for a
 * worker: due, and not leased by one.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

const HAS_WORK = sql<boolean>`(status = 'pending' or manual_pending)`;

/** How many deliveries are due and waiting, and since when the oldest has been. */
export async function readDueQueue(
  db: Kysely<DB>,
  now: Date,
): Promise<{ due: number; oldestDueAt: Date | null }> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => [eb.fn.countAll<number>().as('due'), eb.fn.min('next_attempt_at').as('oldest')])
    .where(HAS_WORK)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .executeTakeFirstOrThrow();
  return { due: Number(row.due), oldestDueAt: row.oldest ? new Date(row.oldest) : null };
}

/** When the next delivery that is not yet due becomes due (null when none is scheduled). */
export async function findNextDueAt(db: Kysely<DB>, now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where(HAS_WORK)
    .where('next_attempt_at', '>', now)
    .executeTakeFirstOrThrow();
  return row.next ? new Date(row.next) : null;
}
