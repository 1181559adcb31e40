/**
 * Fixed-window request counters in this process's memory, for the limits where the public is: /x per
 * run and per client address, uploads per run, unknown API keys per address, sign-in. A key's window
 * starts at its first hit and lasts `windowMs`; past `limit` hits in it, `hit` answers how long to wait.
 *
 * At most `maxKeys` windows are kept: when full, the oldest windows are dropped (Map order is insertion
 * order and a new window re-inserts its key), so a flood of distinct keys costs bounded memory and
 * forgets the oldest keys first. Each process counts for itself: N API processes allow N × the limit
 * (docs/security.md).
 */
import { RetryLater } from '../domain/errors.js';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  readonly #windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly maxKeys = 100_000,
  ) {}

  #current(key: string, now: number): Window | undefined {
    const window = this.#windows.get(key);
    if (window && now - window.start < this.windowMs) return window;
    if (window) this.#windows.delete(key);
    return undefined;
  }

  /** Counts a hit; returns 0 when it is within the limit, else the milliseconds to wait. */
  hit(key: string, now: number): number {
    let window = this.#current(key, now);
    if (!window) {
      if (this.#windows.size >= this.maxKeys) this.#windows.delete(this.#windows.keys().next().value!);
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count++;
    return window.count > this.limit ? window.start + this.windowMs - now : 0;
  }

  /** Takes back one hit of `key` counted in its current window (a hit that turned out not to count). */
  release(key: string, now: number): void {
    const window = this.#current(key, now);
    if (window && window.count > 0) window.count--;
  }
}

/** The 429 problem for a wait of `waitMs`, with `Retry-After` in whole seconds (at least 1). */
export function rateLimited(detail: string, waitMs: number): RetryLater {
  return new RetryLater('rate_limited', detail, Math.max(1, Math.ceil(waitMs / 1000)));
}

export const MINUTE_MS = 60_000;
