/**
 * Finishing a run from the executor's side: submit (→ completed, `run.completed` with the full answer
 * map and full-size signed URLs) or exit (→ cancelled, `run.cancelled` with the answers so far). Both
 * are idempotent: submitting a completed run, or cancelling a cancelled one, answers as the first time
 * and writes nothing. The other final states refuse (409, or 410 when expired).
 */
import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Progress } from '../domain/events.js';
import { computeProgress } from '../domain/run.js';
import { buildAnswerMap } from '../domain/run-document.js';
import { listHiddenSteps, listMissingSteps } from '../domain/run-logic.js';
import { findStep, type TemplateDefinition } from '../domain/template.js';
import type { MediaUrlSigner } from '../media/urls.js';
import { appendRunEvent } from './events.js';
import { assertMemberMayWrite } from './executor-access.js';
import { assertInProgress, writeRun } from './executor-write.js';
import { listAnswers, listRunMedia } from './runs.js';
import type { DB, RunRow } from './schema.js';

export interface FinishInput {
  runId: string;
  sessionUserId: string | null;
  now: Date;
  urlFor: MediaUrlSigner['urlFor'];
}

export interface FinishResult {
  row: RunRow;
  progress: Progress;
  replayed: boolean;
}

async function readRunAnswers(trx: Transaction<DB>, row: RunRow, urlFor: FinishInput['urlFor']) {
  const template = row.template as TemplateDefinition;
  const [answers, media] = await Promise.all([listAnswers(trx, row.id), listRunMedia(trx, row.id)]);
  return {
    answers,
    progress: computeProgress(template, answers),
    answerMap: () => buildAnswerMap(template, answers, media, (item) => urlFor(item, 'full')),
    hiddenSteps: () => listHiddenSteps(template, answers),
  };
}

async function assertMayFinish(trx: Transaction<DB>, row: RunRow, sessionUserId: string | null) {
  if (row.status === 'completed' || row.status === 'cancelled')
    throw new DomainError('run_finished', `This checklist is ${row.status}; it no longer accepts changes.`);
  assertInProgress(row);
  await assertMemberMayWrite(trx, row, sessionUserId);
}

export function durationSeconds(row: Pick<RunRow, 'created_at'>, at: Date): number {
  return Math.round((at.getTime() - row.created_at.getTime()) / 1000);
}

export async function submitRun(db: Kysely<DB>, input: FinishInput): Promise<FinishResult> {
  return writeRun(db, input.runId, input.now, async (trx, row) => {
    const read = await readRunAnswers(trx, row, input.urlFor);
    if (row.status === 'completed') return { row, progress: read.progress, replayed: true };
    await assertMayFinish(trx, row, input.sessionUserId);
    const missing = listMissingSteps(row.template as TemplateDefinition, read.answers);
    if (missing.length)
      throw new DomainError(
        'invalid_answer',
        `${missing.length} step(s) still need an answer or photos: ${missing.map((e) => e.step_id).join(', ')}.`,
        missing,
      );
    const updated = await trx
      .updateTable('runs')
      .set({ status: 'completed', finished_at: input.now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendRunEvent(trx, updated, {
      type: 'run.completed',
      now: input.now,
      data: {
        duration_seconds: durationSeconds(row, input.now),
        progress: read.progress,
        answers: read.answerMap(),
        hidden_steps: read.hiddenSteps(),
      },
    });
    return { row: updated, progress: read.progress, replayed: false };
  });
}

export async function cancelRun(
  db: Kysely<DB>,
  input: FinishInput & { lastStepId: string | null },
): Promise<FinishResult> {
  return writeRun(db, input.runId, input.now, async (trx, row) => {
    const read = await readRunAnswers(trx, row, input.urlFor);
    if (row.status === 'cancelled') return { row, progress: read.progress, replayed: true };
    await assertMayFinish(trx, row, input.sessionUserId);
    if (input.lastStepId && !findStep(row.template as TemplateDefinition, input.lastStepId))
      throw new DomainError(
        'invalid_request',
        `last_step_id ${input.lastStepId} is not a step of this checklist.`,
        [{ pointer: '/last_step_id', rule: 'unknown_step', message: 'not a step of this run' }],
      );
    const lastStepId = input.lastStepId ?? row.last_step_id;
    const updated = await trx
      .updateTable('runs')
      .set({ status: 'cancelled', finished_at: input.now, last_step_id: lastStepId })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendRunEvent(trx, updated, {
      type: 'run.cancelled',
      now: input.now,
      data: {
        reason: 'user_exit',
        progress: read.progress,
        last_step_id: lastStepId,
        answers_so_far: read.answerMap(),
        hidden_steps: read.hiddenSteps(),
      },
    });
    return { row: updated, progress: read.progress, replayed: false };
  });
}
