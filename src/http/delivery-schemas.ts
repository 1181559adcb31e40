/**
 * Webhook deliveries and their attempt logs as the API answers them (GET /v1/runs/:id/deliveries,
 * /v1/deliveries, /v1/deliveries/:id). Its own module so the dashboard can take the types without the
 * routes.
 */
import Type from 'typebox';
import { Nullable, Timestamp } from './schemas.js';

const Headers = Type.Record(Type.String(), Type.String());

export const DeliveryAttemptSchema = Type.Object({
  attempt: Type.Integer({ description: 'The delivery_attempt sent in the body.' }),
  manual: Type.Boolean({ description: 'Sent because of a replay.' }),
  started_at: Timestamp,
  duration_ms: Type.Integer(),
  request: Type.Object({
    headers: Headers,
    body: Type.String({ description: 'The exact body sent.' }),
  }),
  response: Nullable(
    Type.Object({
      status: Type.Integer(),
      headers: Headers,
      body: Type.String({ description: 'The first 16 KB of the response body.' }),
    }),
  ),
  error: Nullable(Type.String({ description: 'Why the attempt failed; null when it succeeded.' })),
  succeeded: Type.Boolean(),
  lease_lost: Type.Boolean({
    description:
      'Sent by a worker that no longer held the delivery (another worker took it over, or the sender ' +
      'stopped mid-attempt: then `error` starts with "interrupted" and the receiver may or may not have ' +
      'got it). Logged so the log never shows fewer sends than the receiver saw; it does not count ' +
      'towards the delivery.',
  }),
});

export const DeliveryStatusSchema = Type.Union(
  [Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')],
  { description: 'pending: attempts left; succeeded: a 2xx arrived; failed: the last attempt failed.' },
);

const deliveryFields = {
  delivery_id: Type.String(),
  event_id: Type.String(),
  event: Type.String(),
  run_id: Type.String(),
  seq: Type.Integer(),
  url: Type.String(),
  status: DeliveryStatusSchema,
  attempt_count: Type.Integer({ description: 'Attempts finished.' }),
  next_attempt_at: Nullable(Timestamp),
  replay_pending: Type.Boolean({ description: 'A replay was requested and is not sent yet.' }),
  last_error: Nullable(Type.String()),
  last_response_status: Nullable(
    Type.Integer({
      description:
        'The HTTP status of the last attempt; null before the first, or when it got no response (timeout, connection error, refused address).',
    }),
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const DeliverySummarySchema = Type.Object(deliveryFields, {
  description: 'One event sent to one webhook endpoint (without the attempt logs).',
});

export const DeliverySchema = Type.Object(
  { ...deliveryFields, attempts: Type.Array(DeliveryAttemptSchema) },
  { description: 'One event sent to one webhook endpoint, with every attempt.' },
);
