/**
 * Writes finished attempts to the log in batches: one write at a time, and whatever finishes meanwhile
 * joins the next batch. A database error keeps the batch and retries it with backoff (`stuck` is true
 * until a write succeeds, and the worker claims nothing new meanwhile). A record whose lease was lost
 * is logged as `lease_lost` without moving its delivery on, with a warning: the delivery belongs to
 * another worker now.
 */
import type { Kysely } from 'kysely';
import type pino from 'pino';
import { recordAttempts, type AttemptRecord } from '../db/record-attempts.js';
import type { DB } from '../db/schema.js';

const RECORD_BATCH_MAX = 200;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

export class AttemptRecorder {
  #records: AttemptRecord[] = [];
  #flushing: Promise<void> | undefined;
  #stuck = false;
  #backoffMs = 0;
  #giveUpAt = Infinity;

  constructor(
    private readonly options: {
      db: Kysely<DB>;
      logger: pino.Logger;
      now: () => Date;
      /**
       * Called after every successful write (deliveries may have become claimable), with how many of
       * its records had lost their lease.
       */
      onWritten: (leasesLost: number) => void;
    },
  ) {}

  /** True while the last write failed. */
  get stuck(): boolean {
    return this.#stuck;
  }

  add(record: AttemptRecord): void {
    this.#records.push(record);
    this.#flush();
  }

  /** Writes everything pending; after `deadline` (epoch ms) a failing write is abandoned. */
  async drain(deadline: number): Promise<void> {
    this.#giveUpAt = deadline;
    this.#flush();
    while (this.#flushing) await this.#flushing;
  }

  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = this.#writeAll().finally(() => {
      this.#flushing = undefined;
      if (this.#records.length > 0) this.#flush();
    });
  }

  async #writeAll(): Promise<void> {
    while (this.#records.length > 0) {
      const batch = this.#records.splice(0, RECORD_BATCH_MAX);
      try {
        await this.#write(batch);
      } catch (error) {
        this.#records.unshift(...batch);
        this.#stuck = true;
        this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
        const { logger } = this.options;
        if (Date.now() > this.#giveUpAt) {
          logger.error(
            { count: this.#records.length },
            'giving up recording attempts; their leases will expire',
          );
          this.#records = [];
          return;
        }
        logger.warn(
          { err: error, retryInMs: this.#backoffMs },
          'database error while recording attempts; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, this.#backoffMs));
      }
    }
  }

  async #write(batch: AttemptRecord[]): Promise<void> {
    const { db, logger, now } = this.options;
    const written = await recordAttempts(db, batch, now());
    this.#stuck = false;
    this.#backoffMs = 0;
    let lost = 0;
    for (const record of batch) {
      if (written.has(record.deliveryId)) continue;
      lost++;
      logger.warn(
        { delivery: record.deliveryId, attempt: record.attempt },
        'lease lost before the attempt was recorded; logged as lease_lost, another worker has the delivery',
      );
    }
    this.options.onWritten(lost);
  }
}
