/**
 * The org's events across runs, newest first, for GET /v1/events and the dashboard's run timeline.
 * One index range of `events_org_created_idx` (migration 0015). Paged like the other lists, but on
 * (created_at, seq, id): a run's events written at the same instant (one request, or a coarse clock)
 * still come in `seq` order, the order they happened in.
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { EventEnvelope } from '../domain/events.js';
import type { OrgScope } from './list-deliveries.js';
import type { DB } from './schema.js';

interface EventCursor {
  createdAt: Date;
  seq: number;
  id: string;
}

/** base64url of `<created_at ISO>|<seq>|<id>`; opaque to clients. */
function encodeEventCursor(cursor: EventCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.seq}|${cursor.id}`).toString('base64url');
}

function decodeEventCursor(value: string): EventCursor {
  const [at, seq, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^\d{1,9}$/.test(seq ?? '') || Number.isNaN(createdAt.getTime())) {
    throw new DomainError('invalid_request', 'The cursor is not one this API returned.', [
      { pointer: '/cursor', rule: 'cursor', message: 'malformed cursor' },
    ]);
  }
  return { createdAt, seq: Number(seq), id };
}

export interface EventFilter {
  runId?: string | undefined;
  eventType?: string | undefined;
  /** Happened at or after. */
  since?: Date | undefined;
  /** Happened before. */
  until?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

export async function listOrgEvents(
  db: Kysely<DB>,
  scope: OrgScope,
  filter: EventFilter,
): Promise<{ events: EventEnvelope[]; nextCursor: string | null }> {
  let query = db
    .selectFrom('events')
    .select(['id', 'created_at', 'seq', 'livemode', 'envelope'])
    .where('org_id', '=', scope.orgId)
    .where('livemode', '=', scope.livemode)
    .orderBy('created_at', 'desc')
    .orderBy('seq', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.runId) query = query.where('run_id', '=', filter.runId);
  if (filter.eventType) query = query.where('type', '=', filter.eventType);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (filter.cursor) {
    const cursor = decodeEventCursor(filter.cursor);
    // A row comparison, not an OR: the index scan starts at the cursor (as the runs list does).
    query = query.where((eb) =>
      eb(eb.refTuple('created_at', 'seq', 'id'), '<', eb.tuple(cursor.createdAt, cursor.seq, cursor.id)),
    );
  }
  const rows = await query.execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    // Envelopes stored before migration 0015 have no livemode; their rows do.
    events: page.map((row) => ({ ...(row.envelope as EventEnvelope), livemode: row.livemode })),
    nextCursor:
      rows.length > filter.limit && last
        ? encodeEventCursor({ createdAt: last.created_at, seq: last.seq, id: last.id })
        : null,
  };
}
