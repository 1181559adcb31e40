import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationList, DEFAULT_RETRY_SCHEDULE } from '../../src/config.js';
import { parseRetryAfter, planNextAttempt, RETRY_AFTER_MAX_MS } from '../../src/delivery/retry-policy.js';

const schedule = parseDurationList('RUNDUN_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE);
const now = new Date('2026-05-22T08:00:00Z');
const plan = (attempt: number, extra: Partial<Parameters<typeof planNextAttempt>[0]> = {}) =>
  planNextAttempt({
    attempt,
    succeeded: false,
    statusBefore: 'pending',
    retryScheduleMs: schedule,
    retryAfterMs: null,
    now,
    ...extra,
  });
const waitOf = (p: { nextAttemptAt: Date }) => p.nextAttemptAt.getTime() - now.getTime();

describe('retry schedule', () => {
  it('waits 30 s, 2 min, 10 min, 1 h and 6 h after failed attempts 1 to 5', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => waitOf(plan(attempt))),
      [30_000, 120_000, 600_000, 3_600_000, 21_600_000],
    );
    for (const attempt of [1, 2, 3, 4, 5]) assert.equal(plan(attempt).status, 'pending');
  });

  it('marks the delivery failed when attempt 6 fails', () => {
    assert.equal(plan(6).status, 'failed');
  });

  it('marks any attempt that got a 2xx succeeded', () => {
    assert.equal(plan(3, { succeeded: true }).status, 'succeeded');
  });

  it('lets Retry-After lengthen a wait, never shorten it, and at most to 24 h', () => {
    assert.equal(waitOf(plan(1, { retryAfterMs: 90_000 })), 90_000);
    assert.equal(waitOf(plan(1, { retryAfterMs: 5_000 })), 30_000);
    assert.equal(waitOf(plan(1, { retryAfterMs: 7 * 24 * 3_600_000 })), RETRY_AFTER_MAX_MS);
    assert.equal(waitOf(plan(5, { retryAfterMs: 60_000 })), 21_600_000);
  });

  it('fails a failed replay of a finished delivery instead of retrying it', () => {
    assert.equal(plan(7, { statusBefore: 'failed' }).status, 'failed');
    assert.equal(plan(2, { statusBefore: 'succeeded' }).status, 'failed');
    assert.equal(plan(7, { statusBefore: 'failed', succeeded: true }).status, 'succeeded');
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });
  it('reads an HTTP date relative to now, and a past date as 0', () => {
    assert.equal(parseRetryAfter('Fri, 22 May 2026 08:05:00 GMT', now), 300_000);
    assert.equal(parseRetryAfter('Fri, 22 May 2026 07:00:00 GMT', now), 0);
  });
  it('ignores absent and malformed values', () => {
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('-5', now), null);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter('1.5', now), null);
  });
});
