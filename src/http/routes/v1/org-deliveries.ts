/**
 * The org's deliveries across runs, and recovery after an outage (Svix calls it "recover").
 *   GET  /v1/deliveries            newest first, filtered by status, event, run and a time window
 *   GET  /v1/deliveries/:id        one delivery with every attempt
 *   POST /v1/deliveries/recover    queue one more attempt of every failed delivery in a window (202)
 * A key sees its own mode only: test keys test runs' deliveries, live keys live ones.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { answerIdempotently } from '../../../db/idempotent-responses.js';
import { findDelivery, listOrgDeliveries } from '../../../db/list-deliveries.js';
import { MAX_RECOVER_PER_CALL, recoverFailedDeliveries } from '../../../db/recover-deliveries.js';
import { notFound } from '../../../domain/errors.js';
import { IdempotencyKeyHeaders, idempotentRequest, sendAnswer } from '../../idempotency.js';
import { PageQuerySchema, problems } from '../../schemas.js';
import { DeliverySchema, DeliveryStatusSchema, DeliverySummarySchema } from '../../delivery-schemas.js';
import { IdParams, toDeliveryBody, toDeliverySummaryBody } from './deliveries.js';
import { EventNameSchema, parseTimeWindow, TimeWindowQuery } from './events.js';

const ListDeliveriesQuery = Type.Object(
  {
    ...PageQuerySchema,
    status: Type.Optional(DeliveryStatusSchema),
    event: Type.Optional(EventNameSchema),
    run_id: Type.Optional(Type.String({ maxLength: 100 })),
    ...TimeWindowQuery,
  },
  { additionalProperties: false },
);

const RecoverBody = Type.Object(
  {
    since: Type.String({
      format: 'date-time',
      description: 'Recover deliveries created at or after this time.',
    }),
    until: Type.Optional(
      Type.String({ format: 'date-time', description: 'Created before this time; default: now.' }),
    ),
    run_id: Type.Optional(Type.String({ maxLength: 100, description: "Only this run's deliveries." })),
    url: Type.Optional(Type.String({ maxLength: 2048, description: 'Only deliveries to this webhook URL.' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_RECOVER_PER_CALL,
        default: MAX_RECOVER_PER_CALL,
        description: 'At most this many deliveries are queued by one call.',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'The next_cursor of the previous call, to continue.' }),
    ),
  },
  { additionalProperties: false },
);

const RecoverResponse = Type.Object({
  queued: Type.Integer({ description: 'Failed deliveries queued for one more attempt by this call.' }),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Not null when the window holds more: call again with it (same window) to go on.',
  }),
});

export function registerOrgDeliveryRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;

  app.get(
    '/deliveries',
    {
      schema: {
        tags: ['deliveries'],
        operationId: 'listDeliveries',
        summary: "The org's webhook deliveries across runs, newest first",
        description:
          'Filter by status (e.g. failed), event, run and a time window on when the event happened. ' +
          'Without the attempt logs: GET /v1/deliveries/{id} has them.',
        querystring: ListDeliveriesQuery,
        response: {
          200: Type.Object({
            data: Type.Array(DeliverySummarySchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const { query } = request;
      const page = await listOrgDeliveries(
        ctx.db,
        { orgId: request.orgId, livemode: request.livemode },
        {
          status: query.status,
          eventType: query.event,
          runId: query.run_id,
          ...parseTimeWindow(query.since, query.until),
          cursor: query.cursor,
          limit: query.limit ?? 50,
        },
      );
      return { data: page.deliveries.map(toDeliverySummaryBody), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/deliveries/:id',
    {
      schema: {
        tags: ['deliveries'],
        operationId: 'getDelivery',
        summary: 'One webhook delivery with every attempt',
        params: IdParams,
        response: { 200: DeliverySchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const delivery = await findDelivery(
        ctx.db,
        { orgId: request.orgId, livemode: request.livemode },
        request.params.id,
      );
      if (!delivery) throw notFound('Delivery');
      return toDeliveryBody(delivery);
    },
  );

  app.post(
    '/deliveries/recover',
    {
      schema: {
        tags: ['deliveries'],
        operationId: 'recoverDeliveries',
        summary: 'Send every failed delivery of a time window once more (after an outage)',
        description:
          'Queues one manual attempt (same event_id and body, the next delivery_attempt) of each delivery ' +
          'whose attempts all failed, created in [since, until), optionally of one run or to one URL, ' +
          `oldest first, at most limit (${MAX_RECOVER_PER_CALL}) per call. A delivery already waiting ` +
          'for a replay is not queued twice. When next_cursor is not null, call again with it.',
        headers: IdempotencyKeyHeaders,
        body: RecoverBody,
        response: { 202: RecoverResponse, ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const now = ctx.now();
      const window = parseTimeWindow(body.since, body.until ?? now.toISOString());
      const answer = await answerIdempotently(ctx.db, idempotentRequest(request, body), async (db) => {
        const result = await recoverFailedDeliveries(
          db,
          { orgId: request.orgId, livemode: request.livemode },
          {
            since: window.since!,
            until: window.until!,
            runId: body.run_id,
            url: body.url,
            cursor: body.cursor,
            limit: body.limit ?? MAX_RECOVER_PER_CALL,
            now,
          },
        );
        return { statusCode: 202, body: { queued: result.queued, next_cursor: result.nextCursor } };
      });
      return sendAnswer(reply, answer);
    },
  );
}
