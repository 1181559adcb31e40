/**
 * Recording finished attempts, many in one statement: each appends its attempt to the log and moves
 * its delivery on (attempt_count + 1, the status and next time the worker planned, lease released).
 *
 * Fencing: a delivery is moved on only if this claim still holds it — `locked_by` (the claim's token)
 * and `attempt_count` unchanged since the claim. An expired lease that nobody took over still counts
 * (no one else can have sent that attempt); one that another worker claimed does not: the attempt is
 * still appended to the log, marked `lease_lost`, but the delivery is left to the worker that holds it
 * now. So the log never shows fewer sends than the receiver saw. The caller learns which moved on.
 *
 * A replay requested while an automatic attempt was in flight survives it: `manual_pending` is only
 * consumed by a manual attempt, and the delivery is then due at once.
 */
import { sql, type Kysely } from 'kysely';
import { PREPARED } from './connect.js';
import type { DB, DeliveryStatus } from './schema.js';

/** What one HTTP attempt sent and got back: a row of the attempt log. */
export interface AttemptLog {
  startedAt: Date;
  durationMs: number;
  requestHeaders: Record<string, string>;
  requestBody: string;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  /** The first 16 KB of the response body. */
  responseBody: string | null;
  /** Why it failed; null when it succeeded. */
  error: string | null;
  succeeded: boolean;
}

export interface AttemptRecord extends AttemptLog {
  deliveryId: string;
  /** The claim's token (`locked_by`), the fence. */
  lockedBy: string;
  /** `attempt_count` at the claim. */
  attemptCount: number;
  /** This attempt's number (`delivery_attempt`). */
  attempt: number;
  manual: boolean;
  /** The delivery's status after this attempt, and when it is next due if still pending. */
  status: DeliveryStatus;
  nextAttemptAt: Date;
}

/** Logs every record; moves on the deliveries still held; returns the ids of those moved on. */
export async function recordAttempts(
  db: Kysely<DB>,
  records: readonly AttemptRecord[],
  now: Date,
): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const outcomes = JSON.stringify(records.map(toOutcomeJson));
  // Also naming the ids as an array lets the planner find the rows by primary key: it cannot see how
  // few rows jsonb_to_recordset yields, and would otherwise scan deliveries for `locked_by`.
  const ids = records.map((record) => record.deliveryId);
  const { rows } = await sql<{ delivery_id: string; lease_lost: boolean }>`${PREPARED}
    with outcome as (
      select * from jsonb_to_recordset(${outcomes}::jsonb) as o(
        delivery_id text, locked_by text, attempt_count int, attempt int, manual boolean,
        started_at timestamptz, duration_ms int, request_headers jsonb, request_body text,
        response_status int, response_headers jsonb, response_body text, error text, succeeded boolean,
        status text, next_attempt_at timestamptz)
    ),
    updated as (
      update deliveries d
         set status = o.status,
             attempt_count = d.attempt_count + 1,
             manual_pending = d.manual_pending and not o.manual,
             next_attempt_at = case when d.manual_pending and not o.manual then ${now}
                                    else o.next_attempt_at end,
             lease_until = null,
             locked_by = null,
             last_error = o.error,
             last_response_status = o.response_status,
             updated_at = ${now}
        from outcome o
       where d.id = any(${ids}::text[])
         and d.id = o.delivery_id
         and d.locked_by = o.locked_by
         and d.attempt_count = o.attempt_count
      returning d.id
    )
    insert into delivery_attempts (delivery_id, attempt, manual, started_at, duration_ms, request_headers,
                                   request_body, response_status, response_headers, response_body, error,
                                   succeeded, lease_lost)
    select o.delivery_id, o.attempt, o.manual, o.started_at, o.duration_ms, o.request_headers,
           o.request_body, o.response_status, o.response_headers, o.response_body, o.error, o.succeeded,
           u.id is null
      from outcome o
      left join updated u on u.id = o.delivery_id
    returning delivery_id, lease_lost`.execute(db);
  return new Set(rows.filter((row) => !row.lease_lost).map((row) => row.delivery_id));
}

/**
 * The trace of attempts interrupted with their worker: a claim found these rows still leased by a token
 * whose lease ran out with nothing recorded (the worker was killed, or lost the database, mid-attempt).
 * Whether that attempt reached the receiver is unknown, so it is logged as a failed, lease-lost attempt
 * with the number it would have had; the delivery itself is untouched (the new claim sends it again).
 */
export async function recordInterruptedAttempts<
  T extends { id: string; attemptCount: number; manual: boolean; previousHolder: string | null },
>(db: Kysely<DB>, claims: readonly T[], bodyOf: (claim: T) => string, now: Date): Promise<void> {
  const interrupted = claims.filter((claim) => claim.previousHolder !== null);
  if (interrupted.length === 0) return;
  await db
    .insertInto('delivery_attempts')
    .values(
      interrupted.map((claim) => ({
        delivery_id: claim.id,
        attempt: claim.attemptCount + 1,
        manual: claim.manual,
        started_at: now,
        duration_ms: 0,
        request_headers: JSON.stringify({}),
        request_body: bodyOf(claim),
        response_status: null,
        response_headers: null,
        response_body: null,
        error: `interrupted: ${claim.previousHolder} held this delivery until its lease ran out and recorded no attempt (it stopped mid-attempt); the receiver may have got it`,
        succeeded: false,
        lease_lost: true,
      })),
    )
    .execute();
}

function toOutcomeJson(record: AttemptRecord) {
  return {
    delivery_id: record.deliveryId,
    locked_by: record.lockedBy,
    attempt_count: record.attemptCount,
    attempt: record.attempt,
    manual: record.manual,
    started_at: record.startedAt.toISOString(),
    duration_ms: Math.round(record.durationMs),
    request_headers: record.requestHeaders,
    request_body: record.requestBody,
    response_status: record.responseStatus,
    response_headers: record.responseHeaders,
    response_body: record.responseBody,
    error: record.error,
    succeeded: record.succeeded,
    status: record.status,
    next_attempt_at: record.nextAttemptAt.toISOString(),
  };
}
