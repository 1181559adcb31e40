/** Reading deliveries with their attempt logs, for the API and the dashboard. */
import type { Kysely } from 'kysely';
import type { AttemptLog } from './record-attempts.js';
import type { DB, DeliveryStatus } from './schema.js';

export interface DeliveryAttempt extends AttemptLog {
  attempt: number;
  manual: boolean;
  /** Sent without the lease (see migration 0040): logged, not counted. */
  leaseLost: boolean;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  runId: string;
  seq: number;
  url: string;
  status: DeliveryStatus;
  attemptCount: number;
  /** When the next attempt is due; null when nothing more will be sent. */
  nextAttemptAt: Date | null;
  /** A replay was requested and has not been sent yet. */
  replayPending: boolean;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  attempts: DeliveryAttempt[];
}

/** The deliveries of one run (or just one delivery), oldest event first, each with its attempts in order. */
export async function listDeliveries(
  db: Kysely<DB>,
  filter: { runId: string } | { deliveryId: string },
): Promise<Delivery[]> {
  let query = db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type')
    .orderBy('d.seq')
    .orderBy('d.created_at')
    .orderBy('d.id');
  query =
    'runId' in filter
      ? query.where('d.run_id', '=', filter.runId)
      : query.where('d.id', '=', filter.deliveryId);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const attempts = await db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('delivery_id')
    .orderBy('attempt')
    .orderBy('id')
    .execute();
  const byDelivery = new Map<string, typeof attempts>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.delivery_id);
    if (list) list.push(attempt);
    else byDelivery.set(attempt.delivery_id, [attempt]);
  }
  return rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    runId: row.run_id,
    seq: row.seq,
    url: row.url,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.status === 'pending' || row.manual_pending ? row.next_attempt_at : null,
    replayPending: row.manual_pending,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    attempts: (byDelivery.get(row.id) ?? []).map((attempt) => ({
      attempt: attempt.attempt,
      manual: attempt.manual,
      startedAt: attempt.started_at,
      durationMs: attempt.duration_ms,
      requestHeaders: attempt.request_headers,
      requestBody: attempt.request_body,
      responseStatus: attempt.response_status,
      responseHeaders: attempt.response_headers,
      responseBody: attempt.response_body,
      error: attempt.error,
      succeeded: attempt.succeeded,
      leaseLost: attempt.lease_lost,
    })),
  }));
}
