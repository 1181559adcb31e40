/**
 * Recording an uploaded image. The bytes are processed and stored before this runs (outside any
 * transaction); this inserts the media row on the locked run after checking, again, that the run and
 * step still take it. `X-Request-Id` makes an upload idempotent per run: a retry returns the media the
 * first attempt created (`replayed`), and its own stored copy is the caller's to delete.
 */
import type { Kysely, Transaction } from 'kysely';
import { assertStepTakesUpload, maxUploadsForStep } from '../domain/answers.js';
import { DomainError } from '../domain/errors.js';
import type { Step } from '../domain/template.js';
import { assertMemberMayWrite } from './executor-access.js';
import { findRunStep } from './executor-answer-step.js';
import { assertInProgress, writeRun } from './executor-write.js';
import { countStepMedia, findMediaByRequestId, insertMedia, type MediaSummary } from './media.js';
import type { DB, RunRow } from './schema.js';

/** Whether this run and step take an upload of this type now, and from this person. Throws the problem. */
export async function assertUploadAllowed(
  db: Kysely<DB> | Transaction<DB>,
  row: RunRow,
  stepId: string,
  contentType: string,
  sessionUserId: string | null,
) {
  const { step } = findRunStep(row, stepId);
  assertInProgress(row);
  await assertMemberMayWrite(db, row, sessionUserId);
  assertStepTakesUpload(step, contentType);
  return step;
}

/** Throws the 409 when the step already holds as many uploads as it may. */
export async function assertStepHasRoom(db: Kysely<DB> | Transaction<DB>, row: RunRow, step: Step) {
  const limit = maxUploadsForStep(step);
  if ((await countStepMedia(db, row.id, step.id)) >= limit)
    throw new DomainError('conflict', `Step ${step.id} (${step.label}) already holds ${limit} uploads.`, [
      { pointer: '', rule: 'max_uploads', message: `at most ${limit} uploads per step`, step_id: step.id },
    ]);
}

export interface AddMediaInput {
  runId: string;
  stepId: string;
  mediaId: string;
  requestId: string | null;
  storageKey: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  thumbnail: Buffer;
  thumbnailWidth: number;
  thumbnailHeight: number;
  sessionUserId: string | null;
  now: Date;
}

export async function addMedia(
  db: Kysely<DB>,
  input: AddMediaInput,
): Promise<{ media: MediaSummary; replayed: boolean }> {
  return writeRun(db, input.runId, input.now, async (trx, row) => {
    if (input.requestId) {
      const existing = await findMediaByRequestId(trx, row.id, input.requestId);
      if (existing) return { media: existing, replayed: true };
    }
    const step = await assertUploadAllowed(trx, row, input.stepId, input.contentType, input.sessionUserId);
    await assertStepHasRoom(trx, row, step);
    const media = await insertMedia(trx, {
      id: input.mediaId,
      run_id: row.id,
      step_id: step.id,
      content_type: input.contentType,
      bytes: input.bytes,
      width: input.width,
      height: input.height,
      storage_key: input.storageKey,
      thumbnail: input.thumbnail,
      thumbnail_width: input.thumbnailWidth,
      thumbnail_height: input.thumbnailHeight,
      request_id: input.requestId,
      created_at: input.now,
    });
    return { media, replayed: false };
  });
}
