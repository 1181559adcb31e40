/**
 * What happens after an attempt. Pure: the worker passes the outcome, the schedule and the clock.
 *
 *   2xx                                   → succeeded
 *   failure, automatic attempts left      → pending, due after schedule[attempt − 1] (or the receiver's
 *                                            Retry-After when longer, at most RETRY_AFTER_MAX_MS)
 *   failure of attempt schedule.length + 1 → failed (6 attempts with the default 30s,2m,10m,1h,6h)
 *   failure of a replay of a finished delivery → failed (a replay is one manual attempt)
 *
 * A replay of a delivery that is still pending is its next attempt sent early, and counts as one.
 */
import type { DeliveryStatus } from '../db/schema.js';

/** A receiver's Retry-After may lengthen a wait up to this, never beyond. */
export const RETRY_AFTER_MAX_MS = 24 * 3_600_000;

export interface NextAttemptPlan {
  status: DeliveryStatus;
  /** When the next attempt is due; `now` when there is none (the value is then unused). */
  nextAttemptAt: Date;
}

export function planNextAttempt(input: {
  /** This attempt's number (1-based). */
  attempt: number;
  succeeded: boolean;
  /** The delivery's status before this attempt (`pending` unless it is a replay of a finished one). */
  statusBefore: DeliveryStatus;
  retryScheduleMs: readonly number[];
  retryAfterMs: number | null;
  now: Date;
}): NextAttemptPlan {
  const { now } = input;
  if (input.succeeded) return { status: 'succeeded', nextAttemptAt: now };
  if (input.statusBefore !== 'pending') return { status: 'failed', nextAttemptAt: now };
  const scheduled = input.retryScheduleMs[input.attempt - 1];
  if (scheduled === undefined) return { status: 'failed', nextAttemptAt: now };
  const asked = Math.min(input.retryAfterMs ?? 0, RETRY_AFTER_MAX_MS);
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + Math.max(scheduled, asked)) };
}

/**
 * Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds
 * from `now` (0 for a date in the past), or null when absent or malformed.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, Number.MAX_SAFE_INTEGER);
  if (!/[a-z]/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}
