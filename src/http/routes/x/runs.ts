/** /x/runs/:run_id — read the run, start it, submit it, exit it. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { assertMayReadRun } from '../../../db/executor-access.js';
import { startRun } from '../../../db/executor-start-run.js';
import { cancelRun, durationSeconds, submitRun, type FinishResult } from '../../../db/executor-finish-run.js';
import { runExpired } from '../../../db/executor-write.js';
import { readRunExpiringIfDue } from '../../../db/expire-run.js';
import { notFound } from '../../../domain/errors.js';
import { problems } from '../../schemas.js';
import { buildExecutorRunView } from './run-view.js';
import { ExecutorRunViewSchema, FinishAnswerSchema, RunParamsSchema } from './reply-schemas.js';
import { CancelBody, StartBody, SubmitBody } from './schemas.js';
import { findRequestUser } from './session.js';

function toFinishAnswer({ row, progress, replayed }: FinishResult) {
  return {
    run_id: row.id,
    status: row.status,
    finished_at: row.finished_at?.toISOString() ?? null,
    duration_seconds:
      row.status === 'completed' && row.finished_at ? durationSeconds(row, row.finished_at) : null,
    progress,
    replayed,
  };
}

export function registerRunRoutes(instance: FastifyInstance): void {
  const x = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = x.ctx;
  const urlFor = ctx.mediaUrls.urlFor.bind(ctx.mediaUrls);

  x.get(
    '/runs/:run_id',
    {
      schema: {
        tags: ['executor'],
        operationId: 'getExecutorRun',
        summary:
          'What the executor app renders: template snapshot, status, progress, answers so far (a member’s run: only with their session)',
        security: [],
        params: RunParamsSchema,
        response: { 200: ExecutorRunViewSchema, ...problems(401, 403, 404, 410) },
      },
    },
    async (request) => {
      const { run_id: runId } = request.params;
      const row = await readRunExpiringIfDue(ctx.db, runId, ctx.now());
      if (!row) throw notFound('Run');
      if (row.status === 'expired') throw runExpired();
      const user = await findRequestUser(request);
      await assertMayReadRun(ctx.db, row, user?.id ?? null);
      return buildExecutorRunView(ctx, row, user);
    },
  );

  x.post(
    '/runs/:run_id/start',
    {
      schema: {
        tags: ['executor'],
        operationId: 'startRun',
        summary: 'Start the run with the executor’s identity',
        security: [],
        params: RunParamsSchema,
        body: StartBody,
        response: { 200: ExecutorRunViewSchema, ...problems(400, 401, 403, 404, 409, 410, 415) },
      },
    },
    async (request) => {
      const { run_id: runId } = request.params;
      const { body } = request;
      const user = await findRequestUser(request);
      const row = await startRun(ctx.db, {
        runId,
        identity: body.identity,
        sessionUserId: user?.id ?? null,
        now: ctx.now(),
      });
      return buildExecutorRunView(ctx, row, user);
    },
  );

  x.post(
    '/runs/:run_id/submit',
    {
      schema: {
        tags: ['executor'],
        operationId: 'submitRun',
        summary: 'Submit the run: all required steps must be answered',
        security: [],
        params: RunParamsSchema,
        body: SubmitBody,
        response: { 200: FinishAnswerSchema, ...problems(400, 403, 404, 409, 410, 415, 422) },
      },
    },
    async (request) => {
      const { run_id: runId } = request.params;
      const user = await findRequestUser(request);
      const result = await submitRun(ctx.db, {
        runId,
        sessionUserId: user?.id ?? null,
        now: ctx.now(),
        urlFor,
      });
      return toFinishAnswer(result);
    },
  );

  x.post(
    '/runs/:run_id/cancel',
    {
      schema: {
        tags: ['executor'],
        operationId: 'cancelRun',
        summary: 'Exit the run (cancelled, reason user_exit)',
        security: [],
        params: RunParamsSchema,
        body: CancelBody,
        response: { 200: FinishAnswerSchema, ...problems(400, 403, 404, 409, 410, 415) },
      },
    },
    async (request) => {
      const { run_id: runId } = request.params;
      const { body } = request;
      const user = await findRequestUser(request);
      const result = await cancelRun(ctx.db, {
        runId,
        lastStepId: body.last_step_id ?? null,
        sessionUserId: user?.id ?? null,
        now: ctx.now(),
        urlFor,
      });
      return toFinishAnswer(result);
    },
  );
}
