/** /v1/runs: dispatch (the seed's request and response), read the full run document, list with filters. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { checkWebhookUrl } from '../../../delivery/address-guard.js';
import { dispatchRun } from '../../../db/dispatch-run.js';
import { readRunExpiringIfDue } from '../../../db/expire-run.js';
import { listAnswers, listRunMedia, listRuns, toRun, type Run, type RunSummary } from '../../../db/runs.js';
import { DomainError, notFound } from '../../../domain/errors.js';
import { EVENT_TYPES } from '../../../domain/events.js';
import { computeProgress, MAX_EXPIRES_IN_HOURS } from '../../../domain/run.js';
import { viewAnswer } from '../../../domain/run-document.js';
import { listHiddenSteps } from '../../../domain/run-logic.js';
import type { AppContext } from '../../context.js';
import {
  DispatchRunResponseSchema,
  RunDocumentSchema,
  RunStatusSchema,
  RunSummarySchema,
} from '../../run-schemas.js';
import { literalUnion, PageQuerySchema, pageOf, problems } from '../../schemas.js';

const EventName = literalUnion([...EVENT_TYPES, '*']);

export const DispatchRunBody = Type.Object(
  {
    template_id: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'The template to run; its current version is snapshotted.',
    }),
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({
            minLength: 1,
            maxLength: 2048,
            description: 'https URL on a public address. Redirects are never followed.',
          }),
          secret: Type.String({
            minLength: 16,
            maxLength: 256,
            description: 'HMAC key (its UTF-8 bytes). Never returned.',
          }),
          events: Type.Optional(
            Type.Array(EventName, {
              minItems: 1,
              maxItems: 6,
              uniqueItems: true,
              description: 'Omitted or ["*"]: all five.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    expires_in_hours: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: MAX_EXPIRES_IN_HOURS }), Type.Null()], {
        description: 'Link validity in hours, default 72; null: never expires.',
      }),
    ),
    executor_ref: Type.Optional(
      Type.Union([Type.String({ maxLength: 255 }), Type.Null()], {
        description: 'Your reference; returned in every webhook.',
      }),
    ),
    assign_to: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 320 }), Type.Null()], {
        description: 'A member (user id or email) who alone may execute the run.',
      }),
    ),
  },
  { additionalProperties: false },
);

export function runLink(ctx: AppContext, runId: string): string {
  return `${ctx.config.publicUrl}/r/${runId}`;
}

function toRunSummary(ctx: AppContext, run: RunSummary) {
  return {
    run_id: run.id,
    status: run.status,
    link: runLink(ctx, run.id),
    template_id: run.templateId,
    template_v: run.templateVersion,
    executor_ref: run.executorRef,
    assigned_to: run.assignedTo,
    created_at: run.createdAt.toISOString(),
    expires_at: run.expiresAt?.toISOString() ?? null,
    finished_at: run.finishedAt?.toISOString() ?? null,
    livemode: run.livemode,
  };
}

export async function buildRunDocument(ctx: AppContext, run: Run) {
  const [answers, media] = await Promise.all([listAnswers(ctx.db, run.id), listRunMedia(ctx.db, run.id)]);
  const mediaById = new Map(media.map((m) => [m.id, m]));
  const urlFor = (m: (typeof media)[number]) => ctx.mediaUrls.urlFor(m);
  // The document (not the webhook payloads) also links each photo's thumbnail (fits 320×240, JPEG).
  const withThumbnail = <T extends object>(photo: T, item: (typeof media)[number] | undefined) => ({
    ...photo,
    thumbnail_url: item ? ctx.mediaUrls.urlFor(item, 'thumbnail') : null,
  });
  const byStep = new Map(answers.map((a) => [a.stepId, a]));
  const hiddenSteps = listHiddenSteps(run.template, answers);
  const hidden = new Set(hiddenSteps);
  const answerMap: Type.Static<typeof RunDocumentSchema>['answers'] = {};
  for (const step of run.template.steps) {
    const record = byStep.get(step.id);
    // A hidden step's answer is not part of the run (it may have been given before an earlier change).
    if (!record || hidden.has(step.id)) continue;
    const view = viewAnswer(step, record, mediaById, urlFor);
    answerMap[step.id] = {
      status: record.status,
      ...view,
      photos: view.photos.map((photo) =>
        withThumbnail(photo, mediaById.get(record.mediaIds[photo.photo_index]!)),
      ),
      answered_at: record.updatedAt.toISOString(),
    };
  }
  return {
    ...toRunSummary(ctx, run),
    identity: run.identity,
    webhook: run.webhook && { url: run.webhook.url, events: run.webhook.events },
    started_at: run.startedAt?.toISOString() ?? null,
    duration_seconds:
      run.status === 'completed' && run.finishedAt
        ? Math.round((run.finishedAt.getTime() - run.createdAt.getTime()) / 1000)
        : null,
    last_step_id: run.lastStepId,
    progress: computeProgress(run.template, answers),
    template: run.template,
    answers: answerMap,
    hidden_steps: hiddenSteps,
  };
}

export function registerRunRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;

  app.post(
    '/runs',
    {
      schema: {
        tags: ['runs'],
        operationId: 'dispatchRun',
        summary: 'Dispatch a run: consumes one credit, returns the link',
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        body: DispatchRunBody,
        response: { 201: DispatchRunResponseSchema, ...problems(400, 401, 402, 404, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      if (body.webhook) {
        const refused = await checkWebhookUrl(body.webhook.url, ctx.config.webhookAllowInsecure);
        if (refused)
          throw new DomainError('invalid_request', `webhook.url is not allowed: ${refused.message}.`, [
            refused,
          ]);
      }
      const { run, replayed } = await dispatchRun(ctx.db, {
        orgId: request.orgId,
        templateId: body.template_id,
        webhook: body.webhook,
        expiresInHours: body.expires_in_hours,
        executorRef: body.executor_ref,
        assignTo: body.assign_to,
        idempotencyKey: request.headers['idempotency-key'],
        requestBody: JSON.stringify(body),
        livemode: request.livemode,
        keyring: ctx.keyring,
        now: ctx.now(),
      });
      if (replayed) void reply.header('Idempotent-Replayed', 'true');
      return reply
        .code(201)
        .header('Location', `/v1/runs/${run.id}`)
        .send({
          run_id: run.id,
          link: runLink(ctx, run.id),
          expires_at: run.expiresAt?.toISOString() ?? null,
          assigned_to: run.assignedTo,
          livemode: run.livemode,
        });
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        tags: ['runs'],
        operationId: 'getRun',
        summary:
          'The full run document: status, snapshot, identity, answers with photo URLs and geo, progress',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: { 200: RunDocumentSchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const row = await readRunExpiringIfDue(ctx.db, id, ctx.now());
      // A test key sees test runs only, a live key live runs only: the other mode's run is not found.
      if (!row || row.org_id !== request.orgId || row.livemode !== request.livemode) throw notFound('Run');
      return buildRunDocument(ctx, toRun(row));
    },
  );

  app.get(
    '/runs',
    {
      schema: {
        tags: ['runs'],
        operationId: 'listRuns',
        summary:
          'List runs, newest first, filtered by status, template, executor_ref (exact or prefix) and creation time',
        querystring: Type.Object(
          {
            ...PageQuerySchema,
            status: Type.Optional(RunStatusSchema),
            template_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            executor_ref: Type.Optional(Type.String({ maxLength: 255, description: 'Exact match.' })),
            executor_ref_prefix: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 255,
                description: 'Runs whose executor_ref starts with this.',
              }),
            ),
            created_since: Type.Optional(
              Type.String({ format: 'date-time', description: 'Runs created at or after this instant.' }),
            ),
            created_before: Type.Optional(
              Type.String({ format: 'date-time', description: 'Runs created before this instant.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: pageOf(RunSummarySchema), ...problems(400, 401) },
      },
    },
    async (request) => {
      const { query } = request;
      const page = await listRuns(ctx.db, request.orgId, {
        status: query.status,
        templateId: query.template_id,
        executorRef: query.executor_ref,
        executorRefPrefix: query.executor_ref_prefix,
        createdSince: query.created_since === undefined ? undefined : new Date(query.created_since),
        createdBefore: query.created_before === undefined ? undefined : new Date(query.created_before),
        cursor: query.cursor,
        limit: query.limit ?? 50,
        livemode: request.livemode,
      });
      return { data: page.runs.map((run) => toRunSummary(ctx, run)), next_cursor: page.nextCursor };
    },
  );
}
