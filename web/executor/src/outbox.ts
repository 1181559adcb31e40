/**
 * Outbox: every write the executor makes goes through here, so nothing given on a weak signal is lost.
 *
 * Protocol
 * - An operation is one write: `media` (POST …/steps/:step_id/media, the photo bytes), `answer`
 *   (PUT …/steps/:step_id) or `skip` (POST …/steps/:step_id/skip). Each gets its `request_id`
 *   (a UUID) once, when it is enqueued; every retry sends the same id (`X-Request-Id` for media, the
 *   body's `request_id` otherwise), so the server applies a write at most once however often it arrives.
 * - Operations are kept in IndexedDB (idb-keyval) under `run:<run_id>` as `{ ops, media }` and the
 *   photo bytes under `blob:<run_id>:<request_id>` until their upload is confirmed. `enqueue*` returns
 *   only after the record is written, so closing the tab right after Next loses nothing.
 * - One operation is sent at a time, strictly in order: a photo is enqueued when it is taken and its
 *   answer when the person taps Next, so the upload always precedes the answer that refers to it. An
 *   answer refers to local photos by their media operation's request id (`{ ref }`); when it is sent
 *   those refs are replaced by the `media_id`s the server returned (kept in `media`). A signature's
 *   answer is `answer_media_ref`, replaced the same way.
 * - Confirmed (2xx): the operation is removed (and its blob deleted). Retryable (no connection, timeout,
 *   stalled upload, 5xx, 408, 429): the queue stops and retries after a growing delay (1 s … 60 s,
 *   jittered), at once on the `online` event, when the page becomes visible again, and when the app is
 *   reopened (the record is loaded and flushed). Refused (any other 4xx): the operation is dropped and
 *   the step gets the server's message; 404/409/410 also tell the app to re-read the run, which may
 *   have been finished, cancelled or expired meanwhile. Broken (any other error, e.g. a TypeError on a
 *   record an older app wrote): tried BROKEN_SEND_ATTEMPTS times, then dropped like a refusal, with
 *   the error as the step's message, so one bad record cannot block the queue and Submit for good.
 *   An answer whose photo was never uploaded is refused here rather than sent without the photo.
 * - Storage: the record is written through RunOwner, which refuses the write once another tab has
 *   taken the run over (see run-owner.ts); this outbox then stops. A write the phone cannot keep
 *   (quota, storage off) leaves the queue and the photo bytes in memory, still sent, and
 *   `storageProblem` says so until a later write succeeds.
 * - A newer answer or skip for a step replaces the older one still waiting in the queue (never one in
 *   flight), so the server sees the last word without the intermediate ones, unless another step's
 *   write was queued after the older one: that write may depend on it (conditional logic), so both stay.
 * - Submitting is allowed only when the queue is empty, i.e. the server has confirmed every write.
 */
import { ApiError, NetworkError, postSkip, putAnswer, uploadMedia } from './api';
import {
  NotOwner,
  StorageError,
  deleteStored,
  deleteStoredWithPrefix,
  readStored,
  readStoredBlob,
  writeStoredBlob,
} from './local-store';
import {
  buildAnswerBody,
  classifyFailure,
  describeBrokenSend,
  replaceQueuedWrites,
  type MediaRef,
  type OutboxOp,
} from './outbox-queue';
import { createRequestId } from './request-id';
import type { RunOwner } from './run-owner';
import type { Geo, Progress, UploadedMedia } from './types';

export type { MediaRef, OutboxOp } from './outbox-queue';
export const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000];

/** Why this phone is not keeping what was given: out of storage, or storage off / broken. */
export type StorageProblem = 'full' | 'unavailable';

export interface OutboxState {
  /** Writes not yet confirmed by the server. */
  pending: number;
  sending: boolean;
  /** The last attempt found no connection; the queue is waiting to retry. */
  waiting: boolean;
  /** Upload progress (0..1) by media ref, for uploads under way. */
  uploads: Record<string, number>;
  /** The last write to this phone's storage failed: the queue is only in memory. */
  storageProblem: StorageProblem | null;
}

export interface OutboxHandlers {
  onConfirmed(op: OutboxOp, result: { media?: UploadedMedia; progress?: Progress }): void;
  onRefused(op: OutboxOp, error: ApiError | { status: 0; message: string }): void;
}

interface OutboxRecord {
  ops: OutboxOp[];
  media: Record<string, UploadedMedia>;
}

const recordKey = (runId: string) => `run:${runId}`;
const isNetworkFailure = (error: unknown) => error instanceof NetworkError;
const blobKey = (runId: string, ref: string) => `blob:${runId}:${ref}`;

export class Outbox {
  private ops: OutboxOp[] = [];
  private media: Record<string, UploadedMedia> = {};
  private memoryBlobs = new Map<string, Blob>();
  private inFlight: string | null = null;
  private attempt = 0;
  private retryTimer = 0;
  private waiting = false;
  private stopped = false;
  private uploads: Record<string, number> = {};
  private listeners = new Set<() => void>();
  private saving: Promise<void> = Promise.resolve();
  private storageProblem: StorageProblem | null = null;
  private brokenAttempts = 0;

  private constructor(
    readonly runId: string,
    private readonly handlers: OutboxHandlers,
    private readonly owner: RunOwner,
  ) {}

  /** Loads the run's stored queue; `owner` must have claimed the run first (see run-owner.ts). */
  static async open(runId: string, handlers: OutboxHandlers, owner: RunOwner): Promise<Outbox> {
    const outbox = new Outbox(runId, handlers, owner);
    const record = await readStored<OutboxRecord>(recordKey(runId));
    if (record) {
      outbox.ops = record.ops;
      outbox.media = record.media;
    }
    window.addEventListener('online', outbox.retryNow);
    document.addEventListener('visibilitychange', outbox.retryWhenVisible);
    return outbox;
  }

  getState(): OutboxState {
    return {
      pending: this.ops.length,
      sending: this.inFlight !== null,
      waiting: this.waiting,
      uploads: { ...this.uploads },
      storageProblem: this.storageProblem,
    };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  hasPendingFor(stepId: string): boolean {
    return this.ops.some((op) => op.step_id === stepId);
  }

  isMediaQueued(ref: string): boolean {
    return this.ops.some((op) => op.kind === 'media' && op.request_id === ref);
  }

  findUploaded(ref: string): UploadedMedia | undefined {
    return this.media[ref];
  }

  /** Stores the photo's bytes, then queues their upload; returns the ref answers use for it. */
  async enqueueMedia(stepId: string, blob: Blob): Promise<string> {
    const ref = createRequestId();
    this.memoryBlobs.set(ref, blob);
    try {
      await writeStoredBlob(blobKey(this.runId, ref), blob);
    } catch (error) {
      // Kept in memory (memoryBlobs) and still uploaded; the person is told the phone is not keeping it.
      this.noteStorageFailure(error);
    }
    await this.enqueue({ kind: 'media', request_id: ref, step_id: stepId });
    return ref;
  }

  async enqueueAnswer(
    stepId: string,
    answer: unknown,
    photos: MediaRef[],
    answerMediaRef: string | null,
    geo: Geo | null,
  ) {
    this.ops = replaceQueuedWrites(this.ops, stepId, this.inFlight);
    const op: OutboxOp = {
      kind: 'answer',
      request_id: createRequestId(),
      step_id: stepId,
      answer,
      answer_media_ref: answerMediaRef,
      photos,
      geo,
    };
    await this.enqueue(op);
  }

  async enqueueSkip(stepId: string) {
    this.ops = replaceQueuedWrites(this.ops, stepId, this.inFlight);
    await this.enqueue({ kind: 'skip', request_id: createRequestId(), step_id: stepId });
  }

  /** Forgets a photo that has not been uploaded yet; an upload in flight completes and is ignored. */
  async removeQueuedMedia(ref: string) {
    const index = this.ops.findIndex((op) => op.kind === 'media' && op.request_id === ref);
    if (index < 0 || this.inFlight === ref) return;
    this.ops.splice(index, 1);
    this.memoryBlobs.delete(ref);
    await this.persist();
    await deleteStored(blobKey(this.runId, ref));
    this.emit();
  }

  /** The bytes of a photo still waiting for upload (for its thumbnail after a reload). */
  async readQueuedBlob(ref: string): Promise<Blob | undefined> {
    const cached = this.memoryBlobs.get(ref);
    if (cached) return cached;
    const blob = await readStoredBlob(blobKey(this.runId, ref));
    if (blob) this.memoryBlobs.set(ref, blob);
    return blob;
  }

  /** Resolves true once every write is confirmed, false if that takes longer than `timeoutMs`. */
  waitUntilEmpty(timeoutMs: number): Promise<boolean> {
    if (this.ops.length === 0) return Promise.resolve(true);
    void this.flush();
    return new Promise((resolve) => {
      const timer = window.setTimeout(() => {
        unsubscribe();
        resolve(false);
      }, timeoutMs);
      const unsubscribe = this.subscribe(() => {
        if (this.ops.length > 0) return;
        window.clearTimeout(timer);
        unsubscribe();
        resolve(true);
      });
    });
  }

  /** Sends queued writes in order until the queue is empty, a retryable failure occurs, or the outbox is closed. */
  async flush(): Promise<void> {
    if (this.inFlight !== null || this.stopped) return;
    window.clearTimeout(this.retryTimer);
    while (this.ops.length > 0 && !this.stopped) {
      const op = this.ops[0]!;
      this.inFlight = op.request_id;
      this.emit();
      try {
        const result = await this.send(op);
        this.attempt = 0;
        this.brokenAttempts = 0;
        this.waiting = false;
        await this.confirm(op, result);
      } catch (error) {
        const broken = !(error instanceof ApiError) && !isNetworkFailure(error);
        this.brokenAttempts = broken ? this.brokenAttempts + 1 : 0;
        const action = classifyFailure(error, this.brokenAttempts);
        if (action === 'retry') {
          this.inFlight = null;
          this.waiting = !broken;
          delete this.uploads[op.request_id];
          this.scheduleRetry();
          this.emit();
          return;
        }
        this.brokenAttempts = 0;
        await this.refuse(
          op,
          error instanceof ApiError ? error : { status: 0, message: describeBrokenSend(error) },
        );
      } finally {
        this.inFlight = null;
      }
    }
    this.emit();
  }

  /** Stops sending; the stored queue stays for the next time the run is opened. */
  async close() {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    window.removeEventListener('online', this.retryNow);
    document.removeEventListener('visibilitychange', this.retryWhenVisible);
    await this.saving;
  }

  /** Deletes the queue and photo bytes stored for a run that has ended (submitted, cancelled, expired). */
  static async discard(runId: string) {
    await deleteStored(recordKey(runId));
    await deleteStoredWithPrefix(blobKey(runId, ''));
  }

  private readonly retryNow = () => {
    this.attempt = 0;
    void this.flush();
  };

  private readonly retryWhenVisible = () => {
    if (document.visibilityState === 'visible' && this.waiting) this.retryNow();
  };

  private scheduleRetry() {
    const base = RETRY_DELAYS_MS[Math.min(this.attempt, RETRY_DELAYS_MS.length - 1)]!;
    this.attempt += 1;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => void this.flush(), base * (0.8 + Math.random() * 0.4));
  }

  private async enqueue(op: OutboxOp) {
    this.ops.push(op);
    await this.persist();
    this.emit();
    void this.flush();
  }

  private async send(op: OutboxOp): Promise<{ media?: UploadedMedia; progress?: Progress }> {
    if (op.kind === 'media') {
      const blob = await this.readQueuedBlob(op.request_id);
      // The bytes are gone (storage cleared by the browser): nothing can ever upload them.
      if (!blob)
        throw new ApiError(410, {
          title: 'Photo no longer on this phone',
          detail: 'A photo was lost from this phone’s storage; please take it again.',
        });
      const media = await uploadMedia(this.runId, op.step_id, blob, op.request_id, (loaded, total) => {
        this.uploads[op.request_id] = total > 0 ? loaded / total : 0;
        this.emit();
      });
      return { media };
    }
    if (op.kind === 'skip') return postSkip(this.runId, op.step_id, op.request_id);
    const { body, missing } = buildAnswerBody(op, this.media);
    if (missing.length > 0)
      throw new ApiError(422, {
        title: 'Photo not uploaded',
        detail: 'A photo of this step could not be uploaded. Please add it again and tap Next.',
      });
    return putAnswer(this.runId, op.step_id, body);
  }

  private async confirm(op: OutboxOp, result: { media?: UploadedMedia; progress?: Progress }) {
    if (op.kind === 'media' && result.media) this.media[op.request_id] = result.media;
    this.ops = this.ops.filter((queued) => queued.request_id !== op.request_id);
    delete this.uploads[op.request_id];
    await this.persist();
    if (op.kind === 'media') {
      this.memoryBlobs.delete(op.request_id);
      await deleteStored(blobKey(this.runId, op.request_id));
    }
    this.handlers.onConfirmed(op, result);
  }

  private async refuse(op: OutboxOp, error: ApiError | { status: 0; message: string }) {
    this.ops = this.ops.filter((queued) => queued.request_id !== op.request_id);
    delete this.uploads[op.request_id];
    await this.persist();
    if (op.kind === 'media') await deleteStored(blobKey(this.runId, op.request_id));
    this.handlers.onRefused(op, error);
  }

  /** Stores the queue (in order, never failing the caller): see "Storage" at the top. */
  private persist(): Promise<void> {
    const record: OutboxRecord = { ops: this.ops.slice(), media: { ...this.media } };
    this.saving = this.saving.then(() =>
      this.owner.write(recordKey(this.runId), record).then(
        () => this.noteStorageWorks(),
        (error: unknown) => {
          if (error instanceof NotOwner) this.stopped = true;
          else this.noteStorageFailure(error);
        },
      ),
    );
    return this.saving;
  }

  private noteStorageFailure(error: unknown) {
    this.storageProblem = error instanceof StorageError && error.full ? 'full' : 'unavailable';
    this.emit();
  }

  private noteStorageWorks() {
    if (this.storageProblem === null) return;
    this.storageProblem = null;
    this.emit();
  }

  private emit() {
    for (const listener of this.listeners) listener();
  }
}
