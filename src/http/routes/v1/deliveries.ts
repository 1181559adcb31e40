/**
 * Webhook deliveries of a run, with every attempt's log, and replay.
 *   GET  /v1/runs/:id/deliveries     the run's deliveries, oldest event first (404 for another org's run)
 *   POST /v1/deliveries/:id/replay   one manual attempt now: same event_id and body, the next
 *                                    delivery_attempt, marked manual in the log (202)
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { listDeliveries, type Delivery } from '../../../db/list-deliveries.js';
import { requestReplay } from '../../../db/replay-delivery.js';
import { findRunRow } from '../../../db/runs.js';
import { notFound } from '../../../domain/errors.js';
import { problems } from '../../schemas.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Headers = Type.Record(Type.String(), Type.String());
const Timestamp = Type.String({ format: 'date-time' });

const DeliveryAttemptSchema = Type.Object({
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

const DeliverySchema = Type.Object(
  {
    delivery_id: Type.String(),
    event_id: Type.String(),
    event: Type.String(),
    run_id: Type.String(),
    seq: Type.Integer(),
    url: Type.String(),
    status: Type.Union(
      ['pending', 'succeeded', 'failed'].map((s) => Type.Literal(s)),
      {
        description: 'pending: attempts left; succeeded: a 2xx arrived; failed: the last attempt failed.',
      },
    ),
    attempt_count: Type.Integer({ description: 'Attempts finished.' }),
    next_attempt_at: Nullable(Timestamp),
    replay_pending: Type.Boolean({ description: 'A replay was requested and is not sent yet.' }),
    last_error: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
    attempts: Type.Array(DeliveryAttemptSchema),
  },
  { description: 'One event sent to one webhook endpoint, with every attempt.' },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

function toDeliveryBody(delivery: Delivery) {
  return {
    delivery_id: delivery.id,
    event_id: delivery.eventId,
    event: delivery.eventType,
    run_id: delivery.runId,
    seq: delivery.seq,
    url: delivery.url,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    replay_pending: delivery.replayPending,
    last_error: delivery.lastError,
    created_at: delivery.createdAt.toISOString(),
    updated_at: delivery.updatedAt.toISOString(),
    attempts: delivery.attempts.map((attempt) => ({
      attempt: attempt.attempt,
      manual: attempt.manual,
      started_at: attempt.startedAt.toISOString(),
      duration_ms: attempt.durationMs,
      request: { headers: attempt.requestHeaders, body: attempt.requestBody },
      response:
        attempt.responseStatus === null
          ? null
          : {
              status: attempt.responseStatus,
              headers: attempt.responseHeaders ?? {},
              body: attempt.responseBody ?? '',
            },
      error: attempt.error,
      succeeded: attempt.succeeded,
      lease_lost: attempt.leaseLost,
    })),
  };
}

export function registerDeliveryRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.get(
    '/runs/:id/deliveries',
    {
      schema: {
        tags: ['deliveries'],
        summary: "A run's webhook deliveries with every attempt (request, response, timing, error)",
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(DeliverySchema) }), ...problems(401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const run = await findRunRow(ctx.db, id);
      if (!run || run.org_id !== request.orgId) throw notFound('Run');
      const deliveries = await listDeliveries(ctx.db, { runId: id });
      return { data: deliveries.map(toDeliveryBody) };
    },
  );

  app.post(
    '/deliveries/:id/replay',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Send a delivery again now (same event_id and body, next delivery_attempt, marked manual)',
        description:
          'Works whatever the status. A finished delivery gets one manual attempt; a pending one has its ' +
          'next attempt sent now (it counts as one of the six). An attempt in flight finishes first.',
        params: IdParams,
        response: { 202: DeliverySchema, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const found = await requestReplay(ctx.db, { orgId: request.orgId, deliveryId: id, now: ctx.now() });
      if (!found) throw notFound('Delivery');
      const [delivery] = await listDeliveries(ctx.db, { deliveryId: id });
      if (!delivery) throw notFound('Delivery');
      return reply.code(202).send(toDeliveryBody(delivery));
    },
  );
}
