/**
 * Answering a step, in one transaction on the locked run: validate against the step, replace the
 * step's answer, remember it as the run's last step, and write `step.completed` (thumbnails embedded)
 * to the outbox. A retry of the write that set the stored answer (same `request_id`) changes nothing
 * and writes no event; it answers as the first time did.
 */
import type { Kysely, Transaction } from 'kysely';
import { buildStepCompletedData } from '../domain/answer-events.js';
import { validateAnswer } from '../domain/answers.js';
import { applyStepState } from '../domain/conditions.js';
import { notFound } from '../domain/errors.js';
import type { Progress } from '../domain/events.js';
import { computeProgress } from '../domain/run.js';
import { assertStepVisible, evaluateRunSteps } from '../domain/run-logic.js';
import { findStep, type TemplateDefinition } from '../domain/template.js';
import type { MediaUrlSigner } from '../media/urls.js';
import { findAnswerRow, upsertAnswer } from './answers.js';
import { appendRunEvent } from './events.js';
import { assertMemberMayWrite } from './executor-access.js';
import { assertEventRoom, assertInProgress, writeRun } from './executor-write.js';
import { findRunMediaByIds } from './media.js';
import { listAnswers } from './runs.js';
import type { DB, RunRow } from './schema.js';

export interface AnswerStepInput {
  runId: string;
  stepId: string;
  answer: unknown;
  mediaIds: readonly string[];
  geo: unknown;
  requestId: string | null;
  sessionUserId: string | null;
  /** Step events this run may write (config `maxEventsPerRun`). */
  maxEvents: number;
  now: Date;
  urlFor: MediaUrlSigner['urlFor'];
}

export interface StepWriteResult {
  stepId: string;
  status: 'answered' | 'skipped';
  progress: Progress;
  /** True when this was a retry of the write already recorded: nothing changed. */
  replayed: boolean;
}

export async function readProgress(trx: Transaction<DB>, row: RunRow): Promise<Progress> {
  return computeProgress(row.template as TemplateDefinition, await listAnswers(trx, row.id));
}

/** Locks nothing itself: callers hold the run row. Throws 404 for a step the run's template lacks. */
export function findRunStep(row: RunRow, stepId: string) {
  const template = row.template as TemplateDefinition;
  const step = findStep(template, stepId);
  if (!step) throw notFound('Step');
  return { template, step };
}

export async function answerStep(db: Kysely<DB>, input: AnswerStepInput): Promise<StepWriteResult> {
  return writeRun(db, input.runId, input.now, async (trx, row) => {
    const { template, step } = findRunStep(row, input.stepId);
    const existing = await findAnswerRow(trx, row.id, step.id);
    if (input.requestId && existing?.request_id === input.requestId) {
      return {
        stepId: step.id,
        status: existing.status,
        progress: await readProgress(trx, row),
        replayed: true,
      };
    }
    assertInProgress(row);
    assertEventRoom(row, input.maxEvents);
    await assertMemberMayWrite(trx, row, input.sessionUserId);

    const answers = await listAnswers(trx, row.id);
    const state = evaluateRunSteps(template, answers).get(step.id)!;
    assertStepVisible(template, step, state);
    // photos.required_if may look at this very answer, so the photo minimum is evaluated with it.
    const candidate = { stepId: step.id, status: 'answered' as const, answer: input.answer };
    const withCandidate = [...answers.filter((a) => a.stepId !== step.id), candidate];
    const ruled = applyStepState(step, evaluateRunSteps(template, withCandidate).get(step.id)!);

    const signatureId = step.type === 'signature' && typeof input.answer === 'string' ? [input.answer] : [];
    const media = await findRunMediaByIds(trx, row.id, [...input.mediaIds, ...signatureId]);
    const valid = validateAnswer(template, ruled, input, media);
    await upsertAnswer(trx, {
      runId: row.id,
      stepId: step.id,
      status: 'answered',
      ...valid,
      requestId: input.requestId,
      now: input.now,
    });
    await trx.updateTable('runs').set({ last_step_id: step.id }).where('id', '=', row.id).execute();

    const progress = await readProgress(trx, row);
    const byId = new Map(media.map((item) => [item.id, item]));
    const signature = step.type === 'signature' ? byId.get(valid.answer as string) : undefined;
    const data = buildStepCompletedData(
      step,
      valid,
      byId,
      signature ? input.urlFor(signature, 'full') : null,
      progress,
    );
    await appendRunEvent(trx, row, { type: 'step.completed', data, now: input.now });
    return { stepId: step.id, status: 'answered', progress, replayed: false };
  });
}
