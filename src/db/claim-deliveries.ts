/**
 * Claiming due deliveries: the one statement through which workers share the queue.
 *
 * A delivery has work while it is `pending` (automatic attempts left) or a replay was requested
 * (`manual_pending`, whatever its status). It is due when `next_attempt_at <= now`.
 *
 * Locking. The claim picks candidates per origin and locks them with `FOR UPDATE SKIP LOCKED`, and in the
 * same statement writes the lease: `locked_by` = the claim's token (the worker's id and the claim's number
 * in that worker, `host:pid:random/17`), `lease_until` = now + lease. A row is claimable
 * while it is due and not leased (`lease_until` null or past), so a killed worker's rows become claimable
 * again by themselves when the lease ends, keeping their place in due order. Two workers claiming at once
 * never both take a row: the second one either skips it (locked) or re-checks the committed new version,
 * whose lease is current. The claim writes only columns outside every index and index predicate, so
 * PostgreSQL can update the row in place (HOT) without touching the indexes. The lease is short (5 s) and
 * the worker renews it while it holds the claim (src/db/renew-leases.ts), so a live worker keeps its
 * deliveries however long an attempt takes and a dead one's are free again within seconds. Recording,
 * renewing and releasing are fenced on `locked_by` (the claim's token) and `attempt_count` still being what
 * this claim wrote (src/db/record-attempts.ts), so a worker that lost its lease cannot overwrite a newer
 * attempt. A claim also returns who held the row before when that lease ran out unrecorded (a worker
 * killed mid-attempt): the worker logs that trace as an interrupted attempt.
 *
 * Fairness and isolation. Candidates are taken per origin (scheme://host:port), never more than the origin's
 * free slots in this worker (src/delivery/origin-slots.ts: 4 for a new or slow origin, up to 64 for a fast
 * one), and ranked: every origin's oldest due row comes before any origin's second, so when the worker has
 * fewer free slots than origins with work, the slots rotate across origins instead of going to whoever has
 * the longest backlog. The distinct origins with work are enumerated by a recursive skip scan over
 * `deliveries_workable_origin_idx` (one index probe per origin), so a saturated or hanging origin's backlog
 * is never read: its subquery stops at a one-time filter (no free slots). Then per org: no org gets more
 * rows than its room in the worker (src/delivery/org-slots.ts), ranked the same way within the org, so
 * one org's many origins cannot fill every slot; the worker gives a full org's known origins no slots.
 *
 * Ordering (DESIGN §2). A run's delivery to an endpoint is not claimed while an earlier delivery of the same
 * run to the same url has had no attempt finished yet (`attempt_count = 0`); retries do not hold later
 * events back.
 *
 * Measured (2 vCPU, PostgreSQL 15 on loopback, 1,000 runs × 20 due deliveries of one origin): a claim of 32
 * executes in ~1.5 ms. Three choices keep it there: the per-origin subquery orders by `next_attempt_at`
 * alone and ranks outside it (a window function or an id tie-break inside made PostgreSQL read the whole
 * peer group of rows due at the same instant: 200–380 ms); its LIMIT is a constant (a per-origin expression
 * made the planner guess 10% of the table, and JIT then spent ~20 ms compiling); and the planner settings
 * below. Throughput figures are in the "Delivery" section of docs/performance.md.
 */
import { sql, type Kysely } from 'kysely';
import { PREPARED, type Database } from './connect.js';
import type { DB, DeliveryStatus } from './schema.js';

export interface ClaimedDelivery {
  id: string;
  runId: string;
  /** The run's org: the unit of the per-org cap (src/delivery/org-slots.ts). */
  orgId: string;
  eventId: string;
  url: string;
  origin: string;
  /** The status before this attempt: `pending`, or a finished status when this is a replay. */
  status: DeliveryStatus;
  /** Attempts finished before this one; this attempt's `delivery_attempt` is this + 1. */
  attemptCount: number;
  /** True when this attempt was requested by a replay. */
  manual: boolean;
  /** The claim's token in `locked_by`, the fence of everything done under this claim. */
  lockedBy: string;
  /** Until when the lease runs; the worker moves it on as it renews the lease. */
  leaseUntil: Date;
  /** The token of a lease that ran out on this row with no attempt recorded (its worker stopped). */
  previousHolder: string | null;
  /** The event envelope as stored (JSON text); `deliveryBody` makes an attempt's body of it. */
  envelopeJson: string;
  /** The run's webhook secret (the HMAC key) as stored: encrypted (src/secrets/keyring.ts); null once wiped. */
  secret: string | null;
}

export interface ClaimOptions {
  /** The claim's token, written to `locked_by`: the worker's id and a claim number. */
  lockedBy: string;
  now: Date;
  leaseUntil: Date;
  /** Free slots in this worker. */
  limit: number;
  /** Free slots of the origins the worker knows (src/delivery/origin-slots.ts)… */
  originSlots: Readonly<Record<string, number>>;
  /** …and of any other origin. */
  defaultOriginSlots: number;
  /** Claims each org the worker knows may take (src/delivery/org-slots.ts); default none known… */
  orgSlots?: Readonly<Record<string, number>>;
  /** …and any other org; default `limit` (no per-org cap). */
  defaultOrgSlots?: number;
}

interface ClaimRow {
  id: string;
  run_id: string;
  org_id: string;
  event_id: string;
  url: string;
  origin: string;
  status: DeliveryStatus;
  attempt_count: number;
  manual_pending: boolean;
  envelope: string;
  webhook_secret: string | null;
  previous_holder: string | null;
}

/**
 * Where claims run. The planner settings below must be in force when the claim is planned: on
 * PostgreSQL the worker claims on a connection of its own whose session has them (`openClaimer`), so a
 * claim is one round trip of a prepared statement; elsewhere (PGlite, tests) each claim sets them in a
 * transaction of its own.
 */
export interface Claimer {
  db: Kysely<DB>;
  settingsInSession: boolean;
  close(): Promise<void>;
}

/**
 * The planner settings of a claim. The planner's estimate of "due now" comes from statistics that lag
 * behind a queue (a backlog released at once looks like no due rows at all); misled, it reads and sorts a
 * whole origin's backlog with a bitmap scan instead of the ordered index scan that stops after a few
 * rows: measured 110 ms instead of 1.5 ms per claim with 19,000 due rows. JIT would spend ~20 ms
 * compiling a statement that runs in about one.
 */
const CLAIM_SETTINGS = { enable_bitmapscan: 'off', enable_seqscan: 'off', jit: 'off' };

export function openClaimer(database: Database): Claimer {
  const session = database.openSession?.(CLAIM_SETTINGS);
  if (!session) return { db: database.db, settingsInSession: false, close: async () => {} };
  return { db: session.db, settingsInSession: true, close: () => session.close() };
}

export async function claimDueDeliveries(
  claimer: Claimer,
  options: ClaimOptions,
): Promise<ClaimedDelivery[]> {
  if (options.limit <= 0) return [];
  const { now, leaseUntil, lockedBy, defaultOriginSlots } = options;
  const defaultOrgSlots = options.defaultOrgSlots ?? options.limit;
  const originSlots = JSON.stringify(options.originSlots);
  const orgSlots = JSON.stringify(options.orgSlots ?? {});
  const scanLimit = Math.min(
    options.limit,
    Math.max(defaultOriginSlots, ...Object.values(options.originSlots)),
  );
  const claim = (trx: Kysely<DB>) =>
    sql<ClaimRow>`${PREPARED}
    with recursive origins(origin) as (
      (select origin from deliveries
        where status = 'pending' or manual_pending
        order by origin limit 1)
      union all
      select (select d.origin from deliveries d
               where (d.status = 'pending' or d.manual_pending) and d.origin > o.origin
               order by d.origin limit 1)
        from origins o
       where o.origin is not null
    ),
    candidates as (
      select c.id, c.run_id, c.next_attempt_at, c.slots, c.previous_holder,
             row_number() over (partition by o.origin order by c.next_attempt_at, c.id) as rank
        from origins o
       cross join lateral (
         -- No tie-break on id here: rows due at the same instant are one peer group, and sorting
         -- it would read the whole backlog; the index order alone lets the limit stop early.
         select d.id, d.run_id, d.next_attempt_at, s.slots, d.locked_by as previous_holder
           from (select coalesce((${originSlots}::jsonb ->> o.origin)::int,
                                 ${defaultOriginSlots}::int) as slots) s,
                deliveries d
          where s.slots > 0
            and d.origin = o.origin
            and (d.status = 'pending' or d.manual_pending)
            and d.next_attempt_at <= ${now}
            and (d.lease_until is null or d.lease_until <= ${now})
            and not exists (
              select 1 from deliveries p
               where p.run_id = d.run_id and p.url = d.url and p.seq < d.seq and p.attempt_count = 0)
          order by d.next_attempt_at
          -- A constant limit (the most slots any origin has) keeps the planner's estimates small;
          -- with the per-origin count here it guesses 10% of the table and JIT-compiles the claim.
          limit ${scanLimit}::int
            for update of d skip locked
       ) c
       where o.origin is not null
    ),
    within_origin as (
      select c.id, c.rank, c.next_attempt_at, c.previous_holder,
             row_number() over (partition by r.org_id order by c.rank, c.next_attempt_at, c.id) as org_rank,
             coalesce((${orgSlots}::jsonb ->> r.org_id)::int, ${defaultOrgSlots}::int) as org_slots
        from candidates c
        join runs r on r.id = c.run_id
       where c.rank <= c.slots
    ),
    chosen as (
      select id, previous_holder
        from within_origin
       where org_rank <= org_slots
       order by rank, next_attempt_at, id
       limit ${options.limit}
    )
    update deliveries d
       set locked_by = ${lockedBy}, lease_until = ${leaseUntil}, updated_at = ${now}
      from chosen ch, events e, runs r
     where d.id = ch.id and e.id = d.event_id and r.id = d.run_id
    returning d.id, d.run_id, r.org_id, d.event_id, d.url, d.origin, d.status, d.attempt_count, d.manual_pending,
              e.envelope::text as envelope, r.webhook_secret, ch.previous_holder`.execute(trx);
  const { rows } = claimer.settingsInSession
    ? await claim(claimer.db)
    : await claimer.db.transaction().execute(async (trx) => {
        const settings = JSON.stringify(CLAIM_SETTINGS);
        await sql`select set_config(key, value, true) from jsonb_each_text(${settings}::jsonb)`.execute(trx);
        return claim(trx);
      });
  return rows.map((row) => toClaimedDelivery(row, lockedBy, leaseUntil));
}

function toClaimedDelivery(row: ClaimRow, lockedBy: string, leaseUntil: Date): ClaimedDelivery {
  return {
    id: row.id,
    runId: row.run_id,
    orgId: row.org_id,
    eventId: row.event_id,
    url: row.url,
    origin: row.origin,
    status: row.status,
    attemptCount: row.attempt_count,
    manual: row.manual_pending,
    lockedBy,
    leaseUntil,
    previousHolder: row.previous_holder,
    envelopeJson: row.envelope,
    secret: row.webhook_secret,
  };
}
