/**
 * Reading deliveries with their attempt logs, for the API and the dashboard.
 *
 * A run's deliveries come in event order (`seq`), paged by a cursor on `seq`. The org-wide list is newest
 * first, paged on (created_at, id) like the other lists (src/db/pagination.ts), and leaves the attempt
 * logs out: it reads one index range of `deliveries_org_created_idx` (migration 0015).
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { decodeCursor, toPage } from './pagination.js';
import type { AttemptLog } from './record-attempts.js';
import type { DB, DeliveryRow, DeliveryStatus } from './schema.js';

export interface DeliveryAttempt extends AttemptLog {
  attempt: number;
  manual: boolean;
  /** Sent without the lease (see migration 0040): logged, not counted. */
  leaseLost: boolean;
}

export interface DeliverySummary {
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
  /** The HTTP status of the last counted attempt; null before it or when it got no response. */
  lastResponseStatus: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Delivery extends DeliverySummary {
  attempts: DeliveryAttempt[];
}

/** An org's data in one mode: test keys see test runs only, live keys live runs only. */
export interface OrgScope {
  orgId: string;
  livemode: boolean;
}

type DeliveryWithType = DeliveryRow & { event_type: string };

function selectDeliveries(db: Kysely<DB>) {
  return db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type');
}

function toDeliverySummary(row: DeliveryWithType): DeliverySummary {
  return {
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
    lastResponseStatus: row.last_response_status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The cursor of a run's deliveries: base64url of `<seq>|<id>`. */
function encodeSeqCursor(row: { seq: number; id: string }): string {
  return Buffer.from(`${row.seq}|${row.id}`).toString('base64url');
}

function decodeSeqCursor(value: string): { seq: number; id: string } {
  const [seq, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (!id || !/^\d{1,9}$/.test(seq ?? '')) {
    throw new DomainError('invalid_request', 'The cursor is not one this API returned.', [
      { pointer: '/cursor', rule: 'cursor', message: 'malformed cursor' },
    ]);
  }
  return { seq: Number(seq), id };
}

/** A run's deliveries in event order, a page at a time, each with its attempts. */
export async function listRunDeliveries(
  db: Kysely<DB>,
  runId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ deliveries: Delivery[]; nextCursor: string | null }> {
  let query = selectDeliveries(db)
    .where('d.run_id', '=', runId)
    .orderBy('d.seq')
    .orderBy('d.id')
    .limit(page.limit + 1);
  if (page.cursor) {
    const after = decodeSeqCursor(page.cursor);
    query = query.where((eb) =>
      eb.or([eb('d.seq', '>', after.seq), eb.and([eb('d.seq', '=', after.seq), eb('d.id', '>', after.id)])]),
    );
  }
  const rows = await query.execute();
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    deliveries: await withAttempts(db, shown),
    nextCursor: rows.length > page.limit && last ? encodeSeqCursor(last) : null,
  };
}

/** One delivery with its attempts, when it belongs to the org in this mode. */
export async function findDelivery(
  db: Kysely<DB>,
  scope: OrgScope,
  deliveryId: string,
): Promise<Delivery | undefined> {
  const rows = await selectDeliveries(db)
    .where('d.id', '=', deliveryId)
    .where('d.org_id', '=', scope.orgId)
    .where('d.livemode', '=', scope.livemode)
    .execute();
  return (await withAttempts(db, rows))[0];
}

export interface OrgDeliveryFilter {
  status?: DeliveryStatus | undefined;
  eventType?: string | undefined;
  runId?: string | undefined;
  /** Created at or after. */
  since?: Date | undefined;
  /** Created before. */
  until?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** The org's deliveries in one mode, newest first, without their attempt logs. */
export async function listOrgDeliveries(
  db: Kysely<DB>,
  scope: OrgScope,
  filter: OrgDeliveryFilter,
): Promise<{ deliveries: DeliverySummary[]; nextCursor: string | null }> {
  let query = selectDeliveries(db)
    .where('d.org_id', '=', scope.orgId)
    .where('d.livemode', '=', scope.livemode)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(filter.limit + 1);
  if (filter.status) query = query.where('d.status', '=', filter.status);
  if (filter.eventType) query = query.where('e.type', '=', filter.eventType);
  if (filter.runId) query = query.where('d.run_id', '=', filter.runId);
  if (filter.since) query = query.where('d.created_at', '>=', filter.since);
  if (filter.until) query = query.where('d.created_at', '<', filter.until);
  if (filter.cursor) {
    const cursor = decodeCursor(filter.cursor);
    // A row comparison, not an OR: the index scan starts at the cursor (as the runs list does).
    query = query.where((eb) =>
      eb(eb.refTuple('d.created_at', 'd.id'), '<', eb.tuple(cursor.createdAt, cursor.id)),
    );
  }
  const page = toPage(await query.execute(), filter.limit);
  return { deliveries: page.rows.map(toDeliverySummary), nextCursor: page.nextCursor };
}

async function withAttempts(db: Kysely<DB>, rows: DeliveryWithType[]): Promise<Delivery[]> {
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
    ...toDeliverySummary(row),
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
