/**
 * GET /v1/events: the org's events across runs, newest first, filtered by run, event name and a time
 * window; the envelope of each as webhooks carry it (without `delivery_attempt`). Events are kept
 * whether or not the run has a webhook, so this is also how to read a run's history without one.
 * A key sees its own mode only (test or live).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { listOrgEvents } from '../../../db/list-events.js';
import { DomainError } from '../../../domain/errors.js';
import { EVENT_TYPES, type EventType } from '../../../domain/events.js';
import { IdentitySchema } from '../../run-schemas.js';
import { PageQuerySchema, problems } from '../../schemas.js';

export const EventNameSchema = Type.Unsafe<EventType>(
  Type.Union(
    EVENT_TYPES.map((name) => Type.Literal(name)),
    { description: 'An event name.' },
  ),
);

const EventSchema = Type.Object(
  {
    event_id: Type.String({ description: 'Stable across every delivery of the event.' }),
    event: EventNameSchema,
    run_id: Type.String(),
    template_id: Type.String(),
    template_v: Type.Integer(),
    ts: Type.String({ format: 'date-time', description: 'When the event happened.' }),
    identity: IdentitySchema,
    seq: Type.Integer({ description: "The event's number within its run: 1, 2, 3…" }),
    livemode: Type.Boolean({ description: 'false for a test run.' }),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The event-specific payload, as in the webhook (docs/webhooks.md).',
    }),
  },
  { description: 'One event of a run: the webhook envelope without delivery_attempt.' },
);

/** Created-at window of the org-wide lists; `since` inclusive, `until` exclusive. */
export const TimeWindowQuery = {
  since: Type.Optional(
    Type.String({ format: 'date-time', description: 'At or after this time (RFC 3339).' }),
  ),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Before this time (RFC 3339).' })),
};

export function parseTimeWindow(since: string | undefined, until: string | undefined) {
  const window = {
    since: since === undefined ? undefined : new Date(since),
    until: until === undefined ? undefined : new Date(until),
  };
  if (window.since && window.until && window.since >= window.until) {
    throw new DomainError('invalid_request', 'since must be before until.', [
      { pointer: '/since', rule: 'window', message: 'must be before until' },
    ]);
  }
  return window;
}

export function registerEventRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: "The org's events across runs, newest first",
        description:
          'Filter by run, event name and a time window on when the event happened. Order one run’s ' +
          'events by seq. Pass next_cursor as cursor for the next page.',
        querystring: Type.Object(
          {
            ...PageQuerySchema,
            run_id: Type.Optional(Type.String({ maxLength: 100 })),
            event: Type.Optional(EventNameSchema),
            ...TimeWindowQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(EventSchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 401),
        },
      },
    },
    async (request) => {
      const { query } = request;
      const page = await listOrgEvents(
        ctx.db,
        { orgId: request.orgId, livemode: request.livemode },
        {
          runId: query.run_id,
          eventType: query.event,
          ...parseTimeWindow(query.since, query.until),
          cursor: query.cursor,
          limit: query.limit ?? 50,
        },
      );
      return { data: page.events, next_cursor: page.nextCursor };
    },
  );
}
