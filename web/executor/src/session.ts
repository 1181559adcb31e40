/**
 * A run being executed on this phone: the server's document, the person's drafts per step, where they
 * are, and the outbox that carries their writes. Drafts and position are kept in IndexedDB under
 * `state:<run_id>` (with the last copy of the run document), so a reload, a crash or a dead battery
 * resumes on the same screen with the same unsent edits, even without a connection.
 */
import { ApiError, NetworkError, cancelRun, fetchRun, submitRun } from './api';
import { createEmptyDraft, evaluateStep, fingerprintDraft, type PhotoDraft, type StepDraft } from './answers';
import { isAppUpdated } from './app-update';
import {
  REVIEW,
  choosePosition,
  mergeDrafts,
  withRefusedAnswer,
  withRefusedUpload,
  withUploadedMedia,
  type Position,
} from './drafts';
import { takePosition } from './geo';
import { downscaleImage } from './image-resize';
import { NotOwner, StorageError, deleteStored, readStored } from './local-store';
import { Outbox, type MediaRef, type OutboxOp, type OutboxState, type StorageProblem } from './outbox';
import { createRequestId } from './request-id';
import { RunOwner } from './run-owner';
import { prefetchSignaturePad } from './signature-pad-loader';
import { evaluateDrafts, findUnfinishedSteps, listShownSteps, resolvePosition } from './step-logic';
import type { StepState } from '../../../src/domain/conditions';
import type { Media, RunDocument, Step } from './types';

export { REVIEW, type Position } from './drafts';
export type RunEnd =
  | { kind: 'submitted' }
  | {
      kind: 'cancelled';
      /** The step on screen had a change not saved with Next (its label), so it was not sent. */
      unsavedStep: string | null;
      /** Saved answers the server had not confirmed when the run was cancelled. */
      unsent: number;
    }
  | { kind: 'refreshed'; doc: RunDocument | null; status: number };

interface StoredRunState {
  doc: RunDocument;
  drafts: Record<string, StepDraft>;
  position: Position | null;
  submit_request_id: string | null;
}

const stateKey = (runId: string) => `state:${runId}`;
const HISTORY_KEY = 'rundunPosition';
const TYPING_SAVE_DELAY_MS = 300;
const CANCEL_FLUSH_WAIT_MS = 8_000;

export function readStoredRun(runId: string): Promise<StoredRunState | undefined> {
  return readStored<StoredRunState>(stateKey(runId));
}

/** Forgets everything this phone kept for a run that has ended. */
export async function discardStoredRun(runId: string): Promise<void> {
  await deleteStored(stateKey(runId));
  await deleteStored(`start:${runId}`);
  await deleteStored(`owner:${runId}`);
  await Outbox.discard(runId);
}

function describeRefusal(error: ApiError | { status: 0; message: string }, stepId: string): string {
  if (!(error instanceof ApiError)) return error.message;
  const forStep = error.problem.errors
    ?.filter((e) => !e.step_id || e.step_id === stepId)
    .map((e) => e.message);
  return forStep?.length
    ? forStep.join(' ')
    : (error.problem.detail ?? error.problem.title ?? 'The server did not accept this answer.');
}

export class RunSession {
  drafts: Record<string, StepDraft> = {};
  position: Position = REVIEW;
  outbox!: Outbox;
  private owner!: RunOwner;
  private submitRequestId: string | null = null;
  /** Photos still being shrunk and stored, per step, and the work to wait for before Next. */
  private preparing = new Map<string, { count: number; done: Promise<unknown>[] }>();
  private storageProblem: StorageProblem | null = null;
  private listeners = new Set<() => void>();
  private saveTimer = 0;
  private refreshing = false;
  private ended = false;

  private constructor(
    public doc: RunDocument,
    private readonly onEnded: (end: RunEnd) => void,
  ) {}

  get runId(): string {
    return this.doc.run_id;
  }

  /** Every step of the template, shown or not. */
  get allSteps(): Step[] {
    return this.doc.template.steps;
  }

  /**
   * The steps the template's conditions show now, in order, with their `required` and `photos.min`
   * as the conditions make them (step-logic.ts). Next, Back, progress and the review go by these.
   */
  get steps(): Step[] {
    const shown = this.shownPosition;
    return listShownSteps(this.allSteps, this.drafts, shown === REVIEW ? null : shown);
  }

  /** The screen to show: `position`, or the next shown step when an answer has hidden it. */
  get shownPosition(): Position {
    return resolvePosition(this.allSteps, this.drafts, this.position);
  }

  /** The step's logic now (the step on screen counted with what its control holds). */
  getStepState(stepId: string): StepState | undefined {
    const shown = this.shownPosition;
    const states = evaluateDrafts(this.allSteps, this.drafts, shown === REVIEW ? null : shown);
    return states.find((state) => state.stepId === stepId);
  }

  static async open(doc: RunDocument, onEnded: (end: RunEnd) => void): Promise<RunSession> {
    const session = new RunSession(doc, onEnded);
    // Claimed before anything is read, so what is read is what the last owner wrote (run-owner.ts).
    session.owner = await RunOwner.claim(doc.run_id, () => session.handleLostToOtherTab());
    const stored = await readStoredRun(doc.run_id);
    session.outbox = await Outbox.open(
      doc.run_id,
      {
        onConfirmed: (op, result) => session.handleConfirmed(op, result),
        onRefused: (op, error) => session.handleRefused(op, error),
      },
      session.owner,
    );
    session.outbox.subscribe(() => session.emit());
    session.drafts = mergeDrafts(session.allSteps, doc.answers, stored?.drafts ?? {}, (id) =>
      session.outbox.hasPendingFor(id),
    );
    session.submitRequestId = stored?.submit_request_id ?? null;
    // Everything the run will need is loaded while there is a connection (the pad is its own chunk).
    if (session.steps.some((step) => step.type === 'signature')) prefetchSignaturePad();
    session.position = choosePosition(
      session.steps,
      session.drafts,
      stored?.position ?? null,
      doc.last_step_id,
    );
    await session.save();
    window.history.replaceState({ [HISTORY_KEY]: session.position }, '');
    window.addEventListener('popstate', session.handlePopState);
    window.addEventListener('pagehide', session.saveNow);
    document.addEventListener('visibilitychange', session.saveNow);
    void session.outbox.flush();
    return session;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getSyncState(): OutboxState {
    return this.outbox.getState();
  }

  /** Another tab of this browser took the run over: this one shows "Continue here" and writes nothing. */
  isLostToOtherTab(): boolean {
    return this.owner.isLost();
  }

  /** Set when this phone could not store the last change: it is then kept only while the page is open. */
  getStorageProblem(): StorageProblem | null {
    return this.outbox.getState().storageProblem ?? this.storageProblem;
  }

  /** How many photos picked for the step are still being prepared (shrunk and stored). */
  countPreparingPhotos(stepId: string): number {
    return this.preparing.get(stepId)?.count ?? 0;
  }

  /** Resolves once every photo picked for the step so far is in its draft (or could not be read). */
  async waitForPhotos(stepId: string): Promise<void> {
    for (let entry = this.preparing.get(stepId); entry?.done.length; entry = this.preparing.get(stepId))
      await Promise.allSettled(entry.done);
  }

  getDraft(stepId: string): StepDraft {
    return this.drafts[stepId]!;
  }

  updateDraft(stepId: string, patch: Partial<StepDraft>) {
    const cleared = patch.error === null ? { refused: false } : {};
    this.drafts[stepId] = { ...this.getDraft(stepId), ...patch, ...cleared };
    this.emit();
    window.clearTimeout(this.saveTimer);
    // Typing is stored after a pause; a tap (a choice, a rating, Yes/No) at once.
    const typing = typeof patch.value === 'string' || patch.sketch !== undefined;
    if (typing) this.saveTimer = window.setTimeout(() => void this.save(), TYPING_SAVE_DELAY_MS);
    else void this.save();
  }

  /**
   * Shows another screen. Each change is a browser history entry, so the phone's Back button goes to
   * the previous screen instead of leaving the app (`fromHistory`: the change is that Back). When a
   * new build of the app has taken over, the page reloads here instead, on the stored position.
   */
  async goTo(position: Position, options: { fromHistory?: boolean } = {}) {
    this.position = position;
    if (!options.fromHistory) window.history.pushState({ [HISTORY_KEY]: position }, '');
    if (isAppUpdated()) {
      await this.save();
      window.location.reload();
      return;
    }
    this.emit();
    await this.save();
  }

  /** Whether the step has a change that Next has not saved (so Exit would not keep it). */
  hasUnsavedChange(step: Step): boolean {
    const draft = this.getDraft(step.id);
    if (draft.sketch) return true;
    return fingerprintDraft(draft) !== (draft.sent ?? fingerprintDraft(createEmptyDraft(step)));
  }

  /** Validates and queues the step's answer. Returns the message to show when it cannot be recorded. */
  async commitStep(step: Step, signatureBlob: Blob | null): Promise<string | null> {
    // A photo picked just before Next is part of the answer: wait until it is in the draft.
    await this.waitForPhotos(step.id);
    const draft = this.getDraft(step.id);
    const evaluation = evaluateStep(step, draft, signatureBlob !== null || draft.signature !== null);
    if (evaluation.kind === 'invalid') {
      this.updateDraft(step.id, { error: evaluation.message });
      return evaluation.message;
    }
    if (evaluation.kind === 'empty') {
      this.updateDraft(step.id, { error: null });
      return null;
    }
    if (signatureBlob) {
      const ref = await this.outbox.enqueueMedia(step.id, signatureBlob);
      this.drafts[step.id] = { ...this.getDraft(step.id), signature: { ref }, sketch: null };
    }
    const current = this.getDraft(step.id);
    const fingerprint = fingerprintDraft(current);
    if (current.status === 'answered' && current.sent === fingerprint) {
      this.updateDraft(step.id, { error: null });
      return null;
    }
    const geo = this.doc.template.settings.geo === 'per_step' ? await takePosition() : null;
    const toRef = (photo: PhotoDraft): MediaRef =>
      photo.media_id ? { media_id: photo.media_id } : { ref: photo.ref ?? '' };
    const signature = current.signature;
    const answer = step.type === 'signature' ? (signature?.media_id ?? null) : evaluation.answer;
    const answerRef =
      step.type === 'signature' && signature && !signature.media_id ? (signature.ref ?? null) : null;
    await this.outbox.enqueueAnswer(step.id, answer, current.photos.map(toRef), answerRef, geo);
    await this.saveDraft(step.id, { status: 'answered', sent: fingerprint, error: null, refused: false });
    return null;
  }

  async skipStep(step: Step) {
    await this.waitForPhotos(step.id);
    await this.outbox.enqueueSkip(step.id);
    await this.saveDraft(step.id, { status: 'skipped', sent: null, error: null, refused: false });
  }

  /** Shrinks and queues each photo; returns a message when some could not be added. */
  addPhotos(step: Step, files: File[]): Promise<string | null> {
    const entry = this.preparing.get(step.id) ?? { count: 0, done: [] };
    this.preparing.set(step.id, entry);
    const max = step.photos?.max ?? 10;
    const room = Math.max(0, max - this.getDraft(step.id).photos.length - entry.count);
    const accepted = files.slice(0, room);
    entry.count += accepted.length;
    this.emit();
    const work = this.storePhotos(step, files, accepted, max, entry);
    entry.done.push(work);
    void work.finally(() => entry.done.splice(entry.done.indexOf(work), 1));
    return work;
  }

  private async storePhotos(
    step: Step,
    files: File[],
    accepted: File[],
    max: number,
    entry: { count: number },
  ): Promise<string | null> {
    let failed = 0;
    for (const file of accepted) {
      try {
        const blob = await downscaleImage(file);
        const ref = await this.outbox.enqueueMedia(step.id, blob);
        const photos = [...this.getDraft(step.id).photos, { ref }];
        entry.count -= 1;
        await this.saveDraft(step.id, { photos, error: null, refused: false });
      } catch {
        entry.count -= 1;
        failed += 1;
        this.emit();
      }
    }
    const skipped = files.length - accepted.length;
    if (skipped > 0)
      return `Only ${max} photo${max > 1 ? 's' : ''} can be added to this step; ${skipped} not added.`;
    if (failed > 0) return `${failed} file${failed > 1 ? 's' : ''} could not be read as a photo.`;
    return null;
  }

  async removePhoto(step: Step, photo: PhotoDraft) {
    if (photo.ref) await this.outbox.removeQueuedMedia(photo.ref);
    await this.saveDraft(step.id, { photos: this.getDraft(step.id).photos.filter((p) => p !== photo) });
  }

  clearSignature(step: Step) {
    this.updateDraft(step.id, { signature: null, sketch: null });
  }

  /** Steps whose last write the server refused, so the person can be sent back to them. */
  findRefused(): Step[] {
    return this.steps.filter((s) => this.drafts[s.id]?.refused);
  }

  /** Shown steps that submit would refuse: required and not answered, or short of their photos. */
  findMissingRequired(): Step[] {
    return findUnfinishedSteps(this.steps, this.drafts);
  }

  async submit(): Promise<string | null> {
    if (this.outbox.getState().pending > 0)
      return 'Some answers are still being saved. Submit once everything is saved.';
    if (this.findMissingRequired().length > 0) return 'Some required steps are not answered yet.';
    this.submitRequestId ??= createRequestId();
    await this.save();
    try {
      await submitRun(this.runId, this.submitRequestId);
    } catch (error) {
      if (error instanceof NetworkError)
        return 'No connection. Your answers are safe on this phone; try Submit again when you have signal.';
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 422) {
        for (const problem of error.problem.errors ?? []) {
          if (!problem.step_id || !this.drafts[problem.step_id]) continue;
          const message = problem.message ?? 'Please answer this step.';
          await this.saveDraft(problem.step_id, { status: null, sent: null, error: message });
        }
        return error.problem.detail ?? 'Some required steps are not answered yet.';
      }
      if (error.status === 409 || error.status === 410 || error.status === 404) return this.refresh();
      return error.message;
    }
    await this.end({ kind: 'submitted' });
    return null;
  }

  /** Sends what is queued (waiting briefly), then cancels the run. Returns a message on failure. */
  async cancel(lastStepId: string | null): Promise<string | null> {
    const onScreen = this.steps.find((step) => step.id === this.position);
    const unsavedStep = onScreen && this.hasUnsavedChange(onScreen) ? onScreen.label : null;
    await this.outbox.waitUntilEmpty(CANCEL_FLUSH_WAIT_MS);
    const unsent = this.outbox.getState().pending;
    try {
      await cancelRun(this.runId, lastStepId);
    } catch (error) {
      if (error instanceof NetworkError)
        return 'No connection, so the checklist could not be cancelled. Try again when you have signal.';
      if (error instanceof ApiError && [404, 409, 410].includes(error.status)) return this.refresh();
      return error instanceof Error ? error.message : 'Could not cancel the checklist.';
    }
    await this.end({ kind: 'cancelled', unsavedStep, unsent });
    return null;
  }

  async close() {
    window.clearTimeout(this.saveTimer);
    window.removeEventListener('popstate', this.handlePopState);
    window.removeEventListener('pagehide', this.saveNow);
    document.removeEventListener('visibilitychange', this.saveNow);
    await this.outbox.close();
    this.owner.close();
  }

  /** Re-reads the run after a refusal that suggests it ended; hands over to the app when it did. */
  private async refresh(): Promise<string | null> {
    if (this.refreshing) return null;
    this.refreshing = true;
    try {
      const doc = await fetchRun(this.runId);
      if (doc.status === 'in_progress') return null;
      await this.end({ kind: 'refreshed', doc, status: 200 });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
        await this.end({ kind: 'refreshed', doc: null, status: error.status });
      }
    } finally {
      this.refreshing = false;
    }
    return null;
  }

  private async end(end: RunEnd) {
    this.ended = true;
    await this.close();
    await discardStoredRun(this.runId);
    this.onEnded(end);
  }

  private handleConfirmed(op: OutboxOp, result: { media?: Media; progress?: RunDocument['progress'] }) {
    if (result.progress) this.doc = { ...this.doc, progress: result.progress };
    const draft = this.drafts[op.step_id];
    if (op.kind === 'media' && result.media && draft) {
      this.drafts[op.step_id] = withUploadedMedia(draft, op.request_id, result.media);
      void this.save();
    }
    this.emit();
  }

  /** The page is hidden or closing: what is typed but not yet stored is stored now. */
  private readonly saveNow = () => {
    if (this.saveTimer) void this.save();
  };

  private readonly handlePopState = (event: PopStateEvent) => {
    const position = (event.state as Record<string, unknown> | null)?.[HISTORY_KEY];
    if (typeof position !== 'string') return;
    if (position !== REVIEW && !this.steps.some((step) => step.id === position)) return;
    void this.goTo(position, { fromHistory: true });
  };

  private handleLostToOtherTab() {
    window.clearTimeout(this.saveTimer);
    void this.outbox.close();
    this.emit();
  }

  private handleRefused(op: OutboxOp, error: ApiError | { status: 0; message: string }) {
    const draft = this.drafts[op.step_id];
    if (draft) {
      const message = describeRefusal(error, op.step_id);
      this.drafts[op.step_id] =
        op.kind === 'media'
          ? withRefusedUpload(draft, op.request_id, message)
          : withRefusedAnswer(draft, message);
      void this.save();
    }
    this.emit();
    if ([404, 409, 410].includes(error.status)) void this.refresh();
  }

  /** Applies a change the person should not lose (not typing): stored at once. */
  private async saveDraft(stepId: string, patch: Partial<StepDraft>) {
    this.drafts[stepId] = { ...this.getDraft(stepId), ...patch };
    this.emit();
    await this.save();
  }

  private async save() {
    window.clearTimeout(this.saveTimer);
    this.saveTimer = 0;
    if (this.ended) return;
    const state: StoredRunState = {
      doc: this.doc,
      drafts: this.drafts,
      position: this.position,
      submit_request_id: this.submitRequestId,
    };
    try {
      await this.owner.write(stateKey(this.runId), state);
      this.setStorageProblem(null);
    } catch (error) {
      if (error instanceof NotOwner) return;
      this.setStorageProblem(error instanceof StorageError && error.full ? 'full' : 'unavailable');
    }
  }

  private setStorageProblem(problem: StorageProblem | null) {
    if (this.storageProblem === problem) return;
    this.storageProblem = problem;
    this.emit();
  }

  private emit() {
    for (const listener of this.listeners) listener();
  }
}
