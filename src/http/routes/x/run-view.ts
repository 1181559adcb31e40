/**
 * The run as the executor app sees it (GET /x/runs/:run_id and the answer to start): the template
 * snapshot, status, identity, progress and the answers so far with their media as signed URLs. Unlike
 * the integrator's document (routes/v1/runs.ts), a signature's `answer` stays its media id here — the
 * app needs the id to resend it — and `media` lists the signature's image first, then the photos.
 */
import { listAnswers, listRunMedia, toRun } from '../../../db/runs.js';
import type { RunRow } from '../../../db/schema.js';
import type { User } from '../../../db/users.js';
import { computeProgress } from '../../../domain/run.js';
import type { AnswerRecord, MediaRecord } from '../../../domain/run-document.js';
import { evaluateRunSteps } from '../../../domain/run-logic.js';
import type { TemplateDefinition } from '../../../domain/template.js';
import type { AppContext } from '../../context.js';
import { toMember } from './session.js';

export function toMediaView(ctx: AppContext, media: MediaRecord) {
  return {
    media_id: media.id,
    url: ctx.mediaUrls.urlFor(media, 'full'),
    thumbnail_url: ctx.mediaUrls.urlFor(media, 'thumbnail'),
    content_type: media.contentType,
    width: media.width,
    height: media.height,
  };
}

function toAnswerView(
  ctx: AppContext,
  record: AnswerRecord,
  media: ReadonlyMap<string, MediaRecord>,
  isSignature: boolean,
) {
  const signatureId = isSignature && typeof record.answer === 'string' ? [record.answer] : [];
  const ids = [...signatureId, ...record.mediaIds];
  return {
    status: record.status,
    answer: record.answer ?? null,
    media: ids.flatMap((id) => {
      const item = media.get(id);
      return item ? [toMediaView(ctx, item)] : [];
    }),
    geo: record.geo,
    answered_at: record.updatedAt.toISOString(),
  };
}

/**
 * The server's reading of the run's logic, for native clients (the app evaluates the same rules
 * itself): hidden steps, steps required now, and photo minimums raised by `photos.required_if`.
 * Answers of hidden steps stay in `answers`, so a step that reappears keeps what was given.
 */
function describeLogic(template: TemplateDefinition, answers: readonly AnswerRecord[]) {
  const states = evaluateRunSteps(template, answers);
  const all = template.steps.map((step) => states.get(step.id)!);
  return {
    hidden_steps: all.filter((s) => !s.visible).map((s) => s.stepId),
    required_steps: all.filter((s) => s.required).map((s) => s.stepId),
    photos_required: Object.fromEntries(
      all.filter((s) => s.photosRequiredByCondition).map((s) => [s.stepId, s.photosMin]),
    ),
  };
}

export async function buildExecutorRunView(ctx: AppContext, row: RunRow, user: User | null) {
  const run = toRun(row);
  const [answers, media] = await Promise.all([listAnswers(ctx.db, run.id), listRunMedia(ctx.db, run.id)]);
  const mediaById = new Map(media.map((item) => [item.id, item]));
  const byStep = new Map(answers.map((answer) => [answer.stepId, answer]));
  const answerViews: Record<string, ReturnType<typeof toAnswerView>> = {};
  for (const step of run.template.steps) {
    const record = byStep.get(step.id);
    if (record) answerViews[step.id] = toAnswerView(ctx, record, mediaById, step.type === 'signature');
  }
  return {
    run_id: run.id,
    status: run.status,
    expires_at: run.expiresAt?.toISOString() ?? null,
    created_at: run.createdAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    finished_at: run.finishedAt?.toISOString() ?? null,
    template: {
      name: run.template.name,
      ...(run.template.description !== undefined ? { description: run.template.description } : {}),
      settings: run.template.settings,
      steps: run.template.steps,
    },
    identity: run.identity,
    assigned: run.assignedTo !== null,
    member: user ? toMember(user) : null,
    progress: computeProgress(run.template, answers),
    last_step_id: run.lastStepId,
    answers: answerViews,
    livemode: run.livemode,
    ...describeLogic(run.template, answers),
  };
}
