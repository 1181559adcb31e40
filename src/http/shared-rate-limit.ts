/**
 * The /v1 per-key rate limit, counted across every API process on the same PostgreSQL database: a
 * store for @fastify/rate-limit backed by `rate_limit_counts` (src/db/rate-limit-counts.ts).
 *
 * Windows are fixed and aligned (a key's window is `floor(now / window)`), so every process counts the
 * same window without agreeing on anything. A request costs no round trip except the first of a key in
 * a window in this process, which adds itself and reads the total of all processes before it answers.
 * After that the process counts in memory and, every FLUSH_MS, adds what it counted to the shared row
 * in one statement for all keys and learns the others' totals. So the limit holds across processes up
 * to what the other processes accept in one flush interval (at 600 a minute, a few requests), instead
 * of N × the limit for N processes.
 *
 * When the database cannot be written the counts stay in memory and are added at the next flush that
 * succeeds; meanwhile each process limits on what it knows (its own count and the last total read),
 * so a database outage never refuses requests by itself.
 */
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Kysely } from 'kysely';
import type pino from 'pino';
import { addRateLimitCounts, deleteEndedRateLimitWindows } from '../db/rate-limit-counts.js';
import type { DB } from '../db/schema.js';

export const FLUSH_MS = 200;
const CLEANUP_MS = 60_000;
/** Keys sent in one flush at most; the rest wait for the next one. */
const FLUSH_MAX_KEYS = 5_000;

interface Entry {
  key: string;
  windowStart: number;
  windowMs: number;
  /** The total of every process as last read, including this process's hits flushed so far. */
  known: number;
  /** This process's hits not yet added to the shared row. */
  pending: number;
  /** The first hit's round trip, while it is in flight. */
  loading: Promise<void> | undefined;
}

type Result = { current: number; ttl: number };

export class SharedRateCounts {
  readonly #entries = new Map<string, Entry>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> | undefined;
  #cleanedAt = 0;
  #warned = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly logger: Pick<pino.Logger, 'warn'>,
    private readonly now: () => number = Date.now,
  ) {
    this.#timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.#timer.unref();
  }

  /** Counts a hit of `key` and answers the total of every process in its window. */
  async hit(key: string, windowMs: number): Promise<Result> {
    const now = this.now();
    const windowStart = now - (now % windowMs);
    const ttl = windowStart + windowMs - now;
    const id = `${windowMs} ${windowStart} ${key}`;
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = { key, windowStart, windowMs, known: 0, pending: 0, loading: undefined };
      this.#entries.set(id, entry);
      entry.pending++;
      const first = entry;
      first.loading = this.#write([first]).finally(() => (first.loading = undefined));
      await first.loading;
      return { current: first.known + first.pending, ttl };
    }
    entry.pending++;
    if (entry.loading) await entry.loading;
    return { current: entry.known + entry.pending, ttl };
  }

  /** Adds every pending count to the shared rows (one statement) and reads back the totals. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushAll().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  /** A last flush; no more after it. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#flushing;
    await this.flush();
  }

  async #flushAll(): Promise<void> {
    const now = this.now();
    const due: Entry[] = [];
    for (const [id, entry] of this.#entries) {
      if (entry.windowStart + entry.windowMs <= now && entry.pending === 0 && !entry.loading) {
        this.#entries.delete(id);
        continue;
      }
      if (entry.pending > 0 && !entry.loading && due.length < FLUSH_MAX_KEYS) due.push(entry);
    }
    if (due.length > 0) await this.#write(due);
    if (now - this.#cleanedAt > CLEANUP_MS) {
      this.#cleanedAt = now;
      await deleteEndedRateLimitWindows(this.db, new Date(now)).catch(() => {});
    }
  }

  /** Adds the entries' pending hits; on success their `known` is the shared total. */
  async #write(entries: Entry[]): Promise<void> {
    const adds = entries.map((entry) => entry.pending);
    for (const entry of entries) entry.pending = 0;
    try {
      const totals = await addRateLimitCounts(
        this.db,
        entries.map((entry, i) => ({
          key: entry.key,
          windowStart: entry.windowStart,
          windowMs: entry.windowMs,
          add: adds[i]!,
        })),
      );
      entries.forEach((entry, i) => (entry.known = Math.max(entry.known + adds[i]!, totals[i]!)));
      this.#warned = false;
    } catch (error) {
      // Kept for the next flush; counted meanwhile as this process's own.
      entries.forEach((entry, i) => (entry.pending += adds[i]!));
      if (!this.#warned)
        this.logger.warn(
          { err: error },
          'could not share rate-limit counts through the database; limiting per process until it is back',
        );
      this.#warned = true;
    }
  }
}

/** The store @fastify/rate-limit takes (`store:`) over `counts`: every route shares them. */
export function sharedRateLimitStore(counts: SharedRateCounts): new () => FastifyRateLimitStore {
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: Result) => void, timeWindow: number): void {
      counts.hit(key, timeWindow).then(
        (result) => callback(null, result),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
