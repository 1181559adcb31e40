/**
 * Skipping a step: only a non-required step of a template that allows skipping (else 409). The step's
 * answer, if any, is replaced by a skip and `step.skipped` is written. A retry (same `request_id`) and
 * a skip of a step that is already skipped change nothing and write no event.
 */
import type { Kysely } from 'kysely';
import { buildStepSkippedData } from '../domain/answer-events.js';
import { assertSkippable } from '../domain/answers.js';
import { applyStepState } from '../domain/conditions.js';
import { assertStepVisible, evaluateRunSteps } from '../domain/run-logic.js';
import { findAnswerRow, upsertAnswer } from './answers.js';
import { appendRunEvent } from './events.js';
import { assertMemberMayWrite } from './executor-access.js';
import { findRunStep, readProgress, type StepWriteResult } from './executor-answer-step.js';
import { assertEventRoom, assertInProgress, writeRun } from './executor-write.js';
import { listAnswers } from './runs.js';
import type { DB } from './schema.js';

export async function skipStep(
  db: Kysely<DB>,
  input: {
    runId: string;
    stepId: string;
    requestId: string | null;
    sessionUserId: string | null;
    maxEvents: number;
    now: Date;
  },
): Promise<StepWriteResult> {
  return writeRun(db, input.runId, input.now, async (trx, row) => {
    const { template, step } = findRunStep(row, input.stepId);
    const existing = await findAnswerRow(trx, row.id, step.id);
    const unchanged = async () => ({
      stepId: step.id,
      status: existing!.status,
      progress: await readProgress(trx, row),
      replayed: true,
    });
    if (input.requestId && existing?.request_id === input.requestId) return unchanged();
    assertInProgress(row);
    await assertMemberMayWrite(trx, row, input.sessionUserId);
    const state = evaluateRunSteps(template, await listAnswers(trx, row.id)).get(step.id)!;
    assertStepVisible(template, step, state);
    assertSkippable(template, applyStepState(step, state));
    if (existing?.status === 'skipped') return unchanged();
    assertEventRoom(row, input.maxEvents);
    await upsertAnswer(trx, {
      runId: row.id,
      stepId: step.id,
      status: 'skipped',
      answer: null,
      mediaIds: [],
      geo: null,
      requestId: input.requestId,
      now: input.now,
    });
    await trx.updateTable('runs').set({ last_step_id: step.id }).where('id', '=', row.id).execute();
    const progress = await readProgress(trx, row);
    await appendRunEvent(trx, row, {
      type: 'step.skipped',
      data: buildStepSkippedData(step, progress),
      now: input.now,
    });
    return { stepId: step.id, status: 'skipped', progress, replayed: false };
  });
}
