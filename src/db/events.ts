/**
 * The transactional outbox. `appendRunEvent` runs inside the state change's transaction: it numbers
 * the event (`runs.event_seq`, whose row lock also serialises a run's writers), stores its envelope,
 * writes one delivery for the run's webhook if it subscribed to the event, and NOTIFYs the workers.
 * All of it commits or none of it does.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  buildEnvelope,
  type EventData,
  type EventEnvelope,
  type EventType,
  type Identity,
} from '../domain/events.js';
import { newId } from '../domain/ids.js';
import type { DB, RunRow } from './schema.js';

export const DELIVERY_CHANNEL = 'rundun_deliveries';

export function originOf(url: string): string {
  return new URL(url).origin;
}

export async function appendRunEvent<Type extends EventType>(
  trx: Transaction<DB>,
  run: RunRow,
  event: { type: Type; data: EventData[Type]; now: Date },
): Promise<EventEnvelope> {
  const { event_seq: seq } = await trx
    .updateTable('runs')
    .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
    .where('id', '=', run.id)
    .returning('event_seq')
    .executeTakeFirstOrThrow();
  const envelope = buildEnvelope(
    {
      id: run.id,
      templateId: run.template_id,
      templateVersion: run.template_version,
      identity: run.identity as Identity | null,
      executorRef: run.executor_ref,
      livemode: run.livemode,
    },
    { id: newId('evt'), type: event.type, seq, at: event.now, data: { ...event.data } },
  );
  await trx
    .insertInto('events')
    .values({
      id: envelope.event_id,
      run_id: run.id,
      seq,
      type: event.type,
      envelope: JSON.stringify(envelope),
      created_at: event.now,
      org_id: run.org_id,
      livemode: run.livemode,
    })
    .execute();
  if (run.webhook_url && (run.webhook_events ?? []).includes(event.type)) {
    await trx
      .insertInto('deliveries')
      .values({
        id: newId('whd'),
        event_id: envelope.event_id,
        run_id: run.id,
        seq,
        url: run.webhook_url,
        origin: originOf(run.webhook_url),
        status: 'pending',
        next_attempt_at: event.now,
        created_at: event.now,
        updated_at: event.now,
        org_id: run.org_id,
        livemode: run.livemode,
      })
      .execute();
    await sql`select pg_notify(${DELIVERY_CHANNEL}, '')`.execute(trx);
  }
  return envelope;
}

/** A run's events as stored, in order. */
export async function listRunEvents(
  db: Kysely<DB> | Transaction<DB>,
  runId: string,
): Promise<EventEnvelope[]> {
  const rows = await db
    .selectFrom('events')
    .select('envelope')
    .where('run_id', '=', runId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.envelope as EventEnvelope);
}
