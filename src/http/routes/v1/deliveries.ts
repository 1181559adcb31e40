/**
 * Webhook deliveries of a run, with every attempt's log, and replay. The org-wide list and recover are
 * in org-deliveries.ts.
 *   GET  /v1/runs/:id/deliveries     the run's deliveries in event order, paginated (404 for another
 *                                    org's run, or a run of the other mode)
 *   POST /v1/deliveries/:id/replay   one manual attempt now: same event_id and body, the next
 *                                    delivery_attempt, marked manual in the log (202); Idempotency-Key
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { answerIdempotently } from '../../../db/idempotent-responses.js';
import {
  findDelivery,
  listRunDeliveries,
  type Delivery,
  type DeliverySummary,
} from '../../../db/list-deliveries.js';
import { requestReplay } from '../../../db/replay-delivery.js';
import { findRunRow } from '../../../db/runs.js';
import { notFound } from '../../../domain/errors.js';
import { IdempotencyKeyHeaders, idempotentRequest, sendAnswer } from '../../idempotency.js';
import { DeliverySchema } from '../../delivery-schemas.js';
import { PageQuerySchema, problems } from '../../schemas.js';

export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export function toDeliverySummaryBody(delivery: DeliverySummary) {
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
    last_response_status: delivery.lastResponseStatus,
    created_at: delivery.createdAt.toISOString(),
    updated_at: delivery.updatedAt.toISOString(),
  };
}

export function toDeliveryBody(delivery: Delivery) {
  return {
    ...toDeliverySummaryBody(delivery),
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

export function registerDeliveryRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;

  app.get(
    '/runs/:id/deliveries',
    {
      schema: {
        tags: ['deliveries'],
        operationId: 'listRunDeliveries',
        summary: "A run's webhook deliveries with every attempt (request, response, timing, error)",
        description: 'In event order (seq), a page at a time: pass next_cursor as cursor for the next page.',
        params: IdParams,
        querystring: Type.Object(PageQuerySchema, { additionalProperties: false }),
        response: {
          200: Type.Object({
            data: Type.Array(DeliverySchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const run = await findRunRow(ctx.db, id);
      if (!run || run.org_id !== request.orgId || run.livemode !== request.livemode) throw notFound('Run');
      const page = await listRunDeliveries(ctx.db, id, {
        cursor: request.query.cursor,
        limit: request.query.limit ?? 50,
      });
      return { data: page.deliveries.map(toDeliveryBody), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/deliveries/:id/replay',
    {
      schema: {
        tags: ['deliveries'],
        operationId: 'replayDelivery',
        summary: 'Send a delivery again now (same event_id and body, next delivery_attempt, marked manual)',
        description:
          'Works whatever the status. A finished delivery gets one manual attempt; a pending one has its ' +
          'next attempt sent now (it counts as one of the six). An attempt in flight finishes first. ' +
          'With an Idempotency-Key, a repeat within 24 hours queues nothing and answers as the first did.',
        params: IdParams,
        headers: IdempotencyKeyHeaders,
        response: { 202: DeliverySchema, ...problems(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const scope = { orgId: request.orgId, livemode: request.livemode };
      const answer = await answerIdempotently(ctx.db, idempotentRequest(request, null), async (db) => {
        const found = await requestReplay(db, { ...scope, deliveryId: id, now: ctx.now() });
        const delivery = found ? await findDelivery(db, scope, id) : undefined;
        if (!delivery) throw notFound('Delivery');
        return { statusCode: 202, body: toDeliveryBody(delivery) };
      });
      return sendAnswer(reply, answer);
    },
  );
}
