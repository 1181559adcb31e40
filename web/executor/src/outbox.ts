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
 *   have been finished, cancelled or expired meanwhile.
 * - A newer answer or skip for a step replaces the older one still waiting in the queue (never one in
 *   flight), so the server sees the last word without the intermediate ones.
 * - Submitting is allowed only when the queue is empty, i.e. the server has confirmed every write.
 */
import { ApiError, isRetryable, postSkip, putAnswer, uploadMedia } from './api';
import {
  deleteStored,
  deleteStoredWithPrefix,
  readStored,
  readStoredBlob,
  writeStored,
  writeStoredBlob,
} from './local-store';
import { createRequestId } from './request-id';
import type { Geo, Progress, UploadedMedia } from './types';

export const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000];

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

export interface OutboxState {
  /** Writes not yet confirmed by the server. */
  pending: number;
  sending: boolean;
  /** The last attempt found no connection; the queue is waiting to retry. */
  waiting: boolean;
  /** Upload progress (0..1) by media ref, for uploads under way. */
  uploads: Record<string, number>;
}

export interface OutboxHandlers {
  onConfirmed(op: OutboxOp, result: { media?: UploadedMedia; progress?: Progress }): void;
  onRefused(op: OutboxOp, error: ApiError): void;
}

interface OutboxRecord {
  ops: OutboxOp[];
  media: Record<string, UploadedMedia>;
}

const recordKey = (runId: string) => `run:${runId}`;
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

  private constructor(
    readonly runId: string,
    private readonly handlers: OutboxHandlers,
  ) {}

  static async open(runId: string, handlers: OutboxHandlers): Promise<Outbox> {
    const outbox = new Outbox(runId, handlers);
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
    await writeStoredBlob(blobKey(this.runId, ref), blob);
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
    this.dropQueuedWrites(stepId);
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
    this.dropQueuedWrites(stepId);
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
        this.waiting = false;
        await this.confirm(op, result);
      } catch (error) {
        if (isRetryable(error) || !(error instanceof ApiError)) {
          this.inFlight = null;
          this.waiting = true;
          delete this.uploads[op.request_id];
          this.scheduleRetry();
          this.emit();
          return;
        }
        await this.refuse(op, error);
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

  private dropQueuedWrites(stepId: string) {
    this.ops = this.ops.filter(
      (op) => op.kind === 'media' || op.step_id !== stepId || op.request_id === this.inFlight,
    );
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
    const mediaIds = op.photos.flatMap((photo) => {
      if ('media_id' in photo) return [photo.media_id];
      const uploaded = this.media[photo.ref];
      return uploaded ? [uploaded.media_id] : [];
    });
    const answer =
      op.answer_media_ref === null ? op.answer : (this.media[op.answer_media_ref]?.media_id ?? null);
    return putAnswer(this.runId, op.step_id, {
      answer,
      media_ids: mediaIds,
      geo: op.geo,
      request_id: op.request_id,
    });
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

  private async refuse(op: OutboxOp, error: ApiError) {
    this.ops = this.ops.filter((queued) => queued.request_id !== op.request_id);
    delete this.uploads[op.request_id];
    await this.persist();
    if (op.kind === 'media') await deleteStored(blobKey(this.runId, op.request_id));
    this.handlers.onRefused(op, error);
  }

  private persist(): Promise<void> {
    const record: OutboxRecord = { ops: this.ops.slice(), media: { ...this.media } };
    this.saving = this.saving.then(() => writeStored(recordKey(this.runId), record));
    return this.saving;
  }

  private emit() {
    for (const listener of this.listeners) listener();
  }
}
