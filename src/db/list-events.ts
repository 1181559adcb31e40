/**
 * The org's events across runs, newest first, for GET /v1/events and the dashboard's run timeline.
 * Paged on (created_at, id) like the other lists (src/db/pagination.ts); one index range of
 * `events_org_created_idx` (migration 0015). Within a run, `seq` is the order the events happened in.
 */
import type { Kysely } from 'kysely';
import type { EventEnvelope } from '../domain/events.js';
import type { OrgScope } from './list-deliveries.js';
import { decodeCursor, toPage } from './pagination.js';
import type { DB } from './schema.js';

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
    .select(['id', 'created_at', 'envelope'])
    .where('org_id', '=', scope.orgId)
    .where('livemode', '=', scope.livemode)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.runId) query = query.where('run_id', '=', filter.runId);
  if (filter.eventType) query = query.where('type', '=', filter.eventType);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (filter.cursor) {
    const cursor = decodeCursor(filter.cursor);
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', cursor.createdAt),
        eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)]),
      ]),
    );
  }
  const page = toPage(await query.execute(), filter.limit);
  return { events: page.rows.map((row) => row.envelope as EventEnvelope), nextCursor: page.nextCursor };
}
