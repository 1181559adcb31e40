/**
 * The outbox's rules as pure functions (outbox.ts does the I/O): which queued writes a newer one
 * replaces, what an answer's body is once its photos are uploaded, and what a failed send leads to.
 */
import { ApiError, isRetryable, type AnswerBody } from './api';
import type { Geo, UploadedMedia } from './types';

/** A photo an answer refers to: a local upload (`ref` = its request id) or media the server already has. */
export type MediaRef = { ref: string } | { media_id: string };

export type OutboxOp =
  | { kind: 'media'; request_id: string; step_id: string }
  | {
      kind: 'answer';
      request_id: string;
      step_id: string;
      answer: unknown;
      answer_media_ref: string | null;
      photos: MediaRef[];
      geo: Geo | null;
    }
  | { kind: 'skip'; request_id: string; step_id: string };

/** A send that failed for a reason other than the network or the server (a bug, a corrupt record) is tried this often. */
export const BROKEN_SEND_ATTEMPTS = 3;

/**
 * Drops the queued answer or skip of `stepId` that a newer one replaces; photo uploads stay, and so
 * does a write already in flight (the server may be applying it). So does a write followed by another
 * step's answer or skip: that one was given while the older answer stood, and the server, which
 * applies the template's conditions (a step may be shown only for some answers), must see them in order.
 */
export function replaceQueuedWrites(ops: OutboxOp[], stepId: string, inFlight: string | null): OutboxOp[] {
  let lastOther = -1;
  ops.forEach((op, index) => {
    if (op.kind !== 'media' && op.step_id !== stepId) lastOther = index;
  });
  return ops.filter(
    (op, index) =>
      op.kind === 'media' || op.step_id !== stepId || op.request_id === inFlight || index < lastOther,
  );
}

/**
 * The PUT body of an answer, its local photo refs replaced by the server's media ids. A ref with no
 * uploaded media (its upload was refused, or its bytes were lost) makes the answer unsendable rather
 * than sent without the photo: `missing` lists them.
 */
export function buildAnswerBody(
  op: Extract<OutboxOp, { kind: 'answer' }>,
  uploaded: Record<string, UploadedMedia>,
): { body: AnswerBody; missing: string[] } {
  const missing: string[] = [];
  const mediaIds: string[] = [];
  for (const photo of op.photos) {
    if ('media_id' in photo) mediaIds.push(photo.media_id);
    else if (uploaded[photo.ref]) mediaIds.push(uploaded[photo.ref]!.media_id);
    else missing.push(photo.ref);
  }
  let answer = op.answer;
  if (op.answer_media_ref !== null) {
    const media = uploaded[op.answer_media_ref];
    if (media) answer = media.media_id;
    else missing.push(op.answer_media_ref);
  }
  return { body: { answer, media_ids: mediaIds, geo: op.geo, request_id: op.request_id }, missing };
}

export type FailureAction = 'retry' | 'refused' | 'broken';

/**
 * What a failed send leads to: `retry` (no connection, 5xx, 408, 429: later), `refused` (the server's
 * final no), or `broken` (anything else, e.g. a TypeError from a record an older app wrote, after
 * BROKEN_SEND_ATTEMPTS tries): the write is taken out of the queue, so it cannot block the rest.
 */
export function classifyFailure(error: unknown, attempts: number): FailureAction {
  if (isRetryable(error)) return 'retry';
  if (error instanceof ApiError) return 'refused';
  return attempts >= BROKEN_SEND_ATTEMPTS ? 'broken' : 'retry';
}

/** The message a step gets when its write was taken out of the queue as broken. */
export function describeBrokenSend(error: unknown): string {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `This answer could not be sent (${reason}). Check it and tap Next again.`;
}
