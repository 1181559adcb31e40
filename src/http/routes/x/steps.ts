/** /x/runs/:run_id/steps/:step_id — answer a step, skip it. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { answerStep, type StepWriteResult } from '../../../db/executor-answer-step.js';
import { skipStep } from '../../../db/executor-skip-step.js';
import { problems } from '../../schemas.js';
import { StepAnswerSchema, StepParamsSchema } from './reply-schemas.js';
import { AnswerBody, SkipBody } from './schemas.js';
import { findRequestUser } from './session.js';

function toStepAnswer(result: StepWriteResult) {
  return {
    step_id: result.stepId,
    status: result.status,
    progress: result.progress,
    replayed: result.replayed,
  };
}

export function registerStepRoutes(instance: FastifyInstance): void {
  const x = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = x.ctx;

  x.put(
    '/runs/:run_id/steps/:step_id',
    {
      schema: {
        tags: ['executor'],
        operationId: 'answerStep',
        summary: 'Answer a step (fires step.completed); a retry with the same request_id changes nothing',
        security: [],
        params: StepParamsSchema,
        body: AnswerBody,
        response: { 200: StepAnswerSchema, ...problems(400, 403, 404, 409, 410, 415, 422) },
      },
    },
    async (request) => {
      const { run_id: runId, step_id: stepId } = request.params;
      const { body } = request;
      const user = await findRequestUser(request);
      const result = await answerStep(ctx.db, {
        runId,
        stepId,
        answer: body.answer ?? null,
        mediaIds: body.media_ids ?? [],
        geo: body.geo ?? null,
        requestId: body.request_id ?? null,
        sessionUserId: user?.id ?? null,
        maxEvents: ctx.config.maxEventsPerRun,
        now: ctx.now(),
        urlFor: ctx.mediaUrls.urlFor.bind(ctx.mediaUrls),
      });
      return toStepAnswer(result);
    },
  );

  x.post(
    '/runs/:run_id/steps/:step_id/skip',
    {
      schema: {
        tags: ['executor'],
        operationId: 'skipStep',
        summary: 'Skip a non-required step (fires step.skipped) when the template allows skipping',
        security: [],
        params: StepParamsSchema,
        body: SkipBody,
        response: { 200: StepAnswerSchema, ...problems(400, 403, 404, 409, 410, 415) },
      },
    },
    async (request) => {
      const { run_id: runId, step_id: stepId } = request.params;
      const { body } = request;
      const user = await findRequestUser(request);
      const result = await skipStep(ctx.db, {
        runId,
        stepId,
        requestId: body.request_id ?? null,
        sessionUserId: user?.id ?? null,
        maxEvents: ctx.config.maxEventsPerRun,
        now: ctx.now(),
      });
      return toStepAnswer(result);
    },
  );
}
