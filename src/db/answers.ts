/** Answers: one row per (run, step), replaced on re-answer; `request_id` remembers the write that set it. */
import type { Kysely, Transaction } from 'kysely';
import type { Geo } from '../domain/run-document.js';
import type { AnswerRow, DB } from './schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findAnswerRow(db: Db, runId: string, stepId: string): Promise<AnswerRow | undefined> {
  return db
    .selectFrom('answers')
    .selectAll()
    .where('run_id', '=', runId)
    .where('step_id', '=', stepId)
    .executeTakeFirst();
}

export interface AnswerWrite {
  runId: string;
  stepId: string;
  status: 'answered' | 'skipped';
  answer: unknown;
  mediaIds: readonly string[];
  geo: Geo | null;
  requestId: string | null;
  now: Date;
}

/** Inserts or replaces the step's answer. */
export async function upsertAnswer(trx: Transaction<DB>, write: AnswerWrite): Promise<void> {
  const values = {
    status: write.status,
    answer: write.answer === null || write.answer === undefined ? null : JSON.stringify(write.answer),
    media_ids: JSON.stringify(write.mediaIds),
    geo: write.geo ? JSON.stringify(write.geo) : null,
    request_id: write.requestId,
    updated_at: write.now,
  };
  await trx
    .insertInto('answers')
    .values({ run_id: write.runId, step_id: write.stepId, ...values })
    .onConflict((oc) => oc.columns(['run_id', 'step_id']).doUpdateSet(values))
    .execute();
}
