/**
 * Webhook events. Every state change of a run writes one event whose envelope is fixed at that moment;
 * each delivery attempt sends it with its own `delivery_attempt`. `seq` numbers a run's events 1, 2, 3…
 * so receivers can order them even when a retry arrives after a later event.
 */
import {
  WEBHOOK_EVENT_NAMES,
  type Identity,
  type Progress,
  type RunCancelledData,
  type RunCompletedData,
  type RunExpiredData,
  type StepCompletedData,
  type StepSkippedData,
  type WebhookEnvelope,
  type WebhookEventName,
} from '@rundun/webhooks';

export type { Identity, Progress };

/**
 * What each event's `data` holds as the server writes it: the types @rundun/webhooks publishes, less
 * `executor_ref`, which `buildEnvelope` adds. So a field the server writes differently from what the
 * package tells receivers is a compile error.
 */
export interface EventData {
  'step.completed': Omit<StepCompletedData, 'executor_ref'>;
  'step.skipped': Omit<StepSkippedData, 'executor_ref'>;
  'run.completed': Omit<RunCompletedData, 'executor_ref'>;
  'run.cancelled': Omit<RunCancelledData, 'executor_ref'>;
  'run.expired': Omit<RunExpiredData, 'executor_ref'>;
}

/** The five event names; the wire format, and so their one definition, lives in @rundun/webhooks. */
export const EVENT_TYPES = WEBHOOK_EVENT_NAMES;
export type EventType = WebhookEventName;

/**
 * The envelope as stored: @rundun/webhooks' `WebhookEnvelope` less `delivery_attempt`, which
 * `withDeliveryAttempt` adds per attempt.
 */
export type EventEnvelope = Omit<WebhookEnvelope<EventType, Record<string, unknown>>, 'delivery_attempt'>;

export interface EnvelopeRun {
  id: string;
  templateId: string;
  templateVersion: number;
  identity: Identity | null;
  executorRef: string | null;
  livemode: boolean;
}

export function buildEnvelope(
  run: EnvelopeRun,
  event: { id: string; type: EventType; seq: number; at: Date; data: Record<string, unknown> },
): EventEnvelope {
  return {
    event_id: event.id,
    event: event.type,
    run_id: run.id,
    template_id: run.templateId,
    template_v: run.templateVersion,
    ts: event.at.toISOString(),
    identity: run.identity ?? { mode: 'anonymous' },
    seq: event.seq,
    livemode: run.livemode,
    data: { executor_ref: run.executorRef, ...event.data },
  };
}

/** The body of one delivery attempt: the seed's field order, `delivery_attempt` after `event_id`. */
export function withDeliveryAttempt(envelope: EventEnvelope, attempt: number): Record<string, unknown> {
  const { event_id, ...rest } = envelope;
  return { event_id, delivery_attempt: attempt, ...rest };
}

/** What `JSON.stringify` of a `buildEnvelope` result starts with. */
const STORED_ENVELOPE_HEAD = /^\{"event_id":"[^"\\]*",/;

/**
 * The body of one delivery attempt from the envelope as stored (JSON text), the same bytes as
 * `JSON.stringify(withDeliveryAttempt(envelope, attempt))`. An envelope this version wrote is already
 * in the seed's order, so `delivery_attempt` is spliced in after `event_id` without parsing it (the
 * worker does this for every attempt). One stored as jsonb before migration 0005 had its keys
 * reordered; it is parsed and put back in order.
 */
export function deliveryBody(storedEnvelope: string, attempt: number): string {
  const head = STORED_ENVELOPE_HEAD.exec(storedEnvelope)?.[0];
  if (head) return `${head}"delivery_attempt":${attempt},${storedEnvelope.slice(head.length)}`;
  return JSON.stringify(
    withDeliveryAttempt(inSeedOrder(JSON.parse(storedEnvelope) as EventEnvelope), attempt),
  );
}

/** The seed's order for an envelope whose keys were reordered. */
function inSeedOrder(raw: EventEnvelope): EventEnvelope {
  const { event_id, event, run_id, template_id, template_v, ts, identity, seq, livemode } = raw;
  // Known keys first, in order; anything a later version adds (and `data`) follows.
  return Object.assign(
    { event_id, event, run_id, template_id, template_v, ts, identity, seq, livemode },
    raw,
  );
}

/** `undefined` or `["*"]` → all five; otherwise the names given, deduplicated. Unknown names are refused by the API schema. */
export function expandEventSubscription(events: readonly string[] | undefined): EventType[] {
  if (!events || events.includes('*')) return [...EVENT_TYPES];
  return EVENT_TYPES.filter((type) => events.includes(type));
}
