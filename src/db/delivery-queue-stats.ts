/**
 * The delivery queue as the worker's wake-up timer and the metrics see it. A delivery with work
 * (`pending`, or a replay requested) is in one of four states:
 *
 * - **claimable**: due, not leased, and nothing ahead of it in its run: a worker takes it at its next
 *   claim (src/db/claim-deliveries.ts);
 * - **held**: due and not leased, but an earlier event of the same run to the same url has had no
 *   attempt finished yet (per-run ordering): no worker may take it until that attempt ends;
 * - **leased**: claimed by a worker, which is sending it or about to (or died holding it, until the
 *   lease ends);
 * - scheduled: not due yet (a retry's wait), not counted here.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

const HAS_WORK = sql<boolean>`(status = 'pending' or manual_pending)`;

export interface QueueStats {
  claimable: number;
  held: number;
  leased: number;
  /** Since when the oldest claimable delivery has been due (null when none is). */
  oldestClaimableAt: Date | null;
}

/** The queue's states (above), read in one statement. */
export async function readQueueStats(db: Kysely<DB>, now: Date): Promise<QueueStats> {
  const { rows } = await sql<{
    claimable: string;
    held: string;
    leased: string;
    oldest: Date | string | null;
  }>`
    select count(*) filter (where state = 'claimable') as claimable,
           count(*) filter (where state = 'held') as held,
           count(*) filter (where state = 'leased') as leased,
           min(next_attempt_at) filter (where state = 'claimable') as oldest
      from (
        select d.next_attempt_at,
               case
                 when d.lease_until > ${now} then 'leased'
                 when d.next_attempt_at > ${now} then 'scheduled'
                 when exists (
                   select 1 from deliveries p
                    where p.run_id = d.run_id and p.url = d.url and p.seq < d.seq and p.attempt_count = 0)
                   then 'held'
                 else 'claimable'
               end as state
          from deliveries d
         where (d.status = 'pending' or d.manual_pending)
      ) q`.execute(db);
  const row = rows[0]!;
  return {
    claimable: Number(row.claimable),
    held: Number(row.held),
    leased: Number(row.leased),
    oldestClaimableAt: row.oldest ? new Date(row.oldest) : null,
  };
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
