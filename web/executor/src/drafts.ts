/**
 * How the drafts of a run change outside the person's own edits: merged with the server's answers
 * when the run is (re)opened, updated when an upload is confirmed, marked when a write is refused.
 * And where a reopened run resumes. Pure functions over StepDraft; session.ts applies them.
 */
import {
  createDraftFromServer,
  createEmptyDraft,
  fingerprintDraft,
  type PhotoDraft,
  type StepDraft,
} from './answers.js';
import type { Media, ServerAnswer, Step } from './types.js';

/** A step id, or REVIEW for the review screen. */
export type Position = string;
export const REVIEW: Position = 'review';

/** Local edits win while they are queued or unsent; otherwise the server's answer is the truth. */
export function mergeDrafts(
  steps: Step[],
  server: Record<string, ServerAnswer>,
  local: Record<string, StepDraft>,
  hasPendingFor: (stepId: string) => boolean,
): Record<string, StepDraft> {
  const drafts: Record<string, StepDraft> = {};
  for (const step of steps) {
    const mine = local[step.id];
    const theirs = server[step.id];
    if (mine && hasPendingFor(step.id)) {
      drafts[step.id] = mine;
    } else if (theirs) {
      const fromServer = createDraftFromServer(step, theirs);
      const dirty = mine && fingerprintDraft(mine) !== mine.sent;
      drafts[step.id] = dirty ? { ...mine, status: fromServer.status, sent: fromServer.sent } : fromServer;
    } else {
      drafts[step.id] = mine ? { ...mine, status: null, sent: null } : createEmptyDraft(step);
    }
  }
  return drafts;
}

/**
 * Where to resume: the screen this phone was last on; else the first open step at or after the
 * server's `last_step_id`; else the first open required step; else the review.
 */
export function choosePosition(
  steps: Step[],
  drafts: Record<string, StepDraft>,
  stored: Position | null,
  lastStepId: string | null,
): Position {
  if (stored === REVIEW || (stored && steps.some((s) => s.id === stored))) return stored;
  const open = steps.filter((s) => drafts[s.id]?.status == null);
  const lastIndex = steps.findIndex((s) => s.id === lastStepId);
  const next = open.find((s) => steps.indexOf(s) >= lastIndex) ?? open.find((s) => s.required);
  return next?.id ?? REVIEW;
}

/** Gives the photo (or signature) uploaded as `ref` its media id and URLs. */
export function withUploadedMedia(draft: StepDraft, ref: string, media: Media): StepDraft {
  const resolve = (photo: PhotoDraft): PhotoDraft =>
    photo.ref === ref
      ? { ...photo, media_id: media.media_id, url: media.url, thumbnail_url: media.thumbnail_url }
      : photo;
  const next = {
    ...draft,
    photos: draft.photos.map(resolve),
    signature: draft.signature ? resolve(draft.signature) : null,
  };
  // The fingerprint names a photo by media_id once known; an unchanged step stays counted as sent.
  const wasSent = draft.sent === fingerprintDraft(draft);
  return { ...next, sent: wasSent ? fingerprintDraft(next) : draft.sent };
}

/** Drops a photo the server would not take, with the reason. */
export function withRefusedUpload(draft: StepDraft, ref: string, message: string): StepDraft {
  const keep = (photo: PhotoDraft) => photo.ref !== ref;
  return {
    ...draft,
    photos: draft.photos.filter(keep),
    signature: draft.signature && keep(draft.signature) ? draft.signature : null,
    error: `A photo could not be uploaded: ${message}`,
    refused: true,
  };
}

/** The server refused the answer or skip: the step is open again, with the reason. */
export function withRefusedAnswer(draft: StepDraft, message: string): StepDraft {
  return { ...draft, status: null, sent: null, error: message, refused: true };
}
