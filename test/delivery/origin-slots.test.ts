import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAST_ATTEMPT_MS, OriginSlots, SLOW_ATTEMPT_MS } from '../../src/delivery/origin-slots.js';

const A = 'https://a.example';

/** One claim that fills every free slot of A (more work than slots), then all its attempts end. */
function fillAndFinish(slots: OriginSlots, durationMs: number, now: number): void {
  const freeBefore = slots.free(now);
  const free = freeBefore[A] ?? slots.min;
  const started = Array.from({ length: free }, () => slots.acquire(A, now));
  slots.noteClaims(
    started.map(() => A),
    freeBefore,
    64,
  );
  for (const start of started) slots.release(A, start, durationMs);
}

describe('per-origin slots', () => {
  it('gives a new origin the minimum', () => {
    const slots = new OriginSlots(4, 32);
    assert.deepEqual(slots.free(), {});
    slots.acquire(A, 0);
    assert.equal(slots.free(0)[A], 3);
  });

  it('grows an origin that answers fast while using all its slots, up to the maximum', () => {
    const slots = new OriginSlots(4, 32);
    for (let round = 0; round < 10; round++) fillAndFinish(slots, FAST_ATTEMPT_MS / 10, 0);
    assert.equal(slots.free(0)[A], 32);
  });

  it('does not grow an origin whose claims find less work than it has slots', () => {
    const slots = new OriginSlots(4, 32);
    for (let i = 0; i < 50; i++) {
      const freeBefore = slots.free(0);
      const start = slots.acquire(A, 0);
      slots.noteClaims([A], freeBefore, 64);
      slots.release(A, start, 5);
    }
    assert.equal(slots.free(0)[A], 4);
  });

  it('drops a slow origin back to the minimum, also while its attempts are still in flight', () => {
    const slots = new OriginSlots(4, 32);
    for (let round = 0; round < 10; round++) fillAndFinish(slots, 5, 0);
    assert.ok(slots.free(0)[A]! > 4);
    slots.release(A, slots.acquire(A, 0), SLOW_ATTEMPT_MS);
    assert.equal(slots.free(0)[A], 4);

    for (let round = 0; round < 10; round++) fillAndFinish(slots, 5, 0);
    const hanging = Array.from({ length: 6 }, () => slots.acquire(A, 1_000));
    assert.ok(slots.free(1_000)[A]! > 0, 'not slow yet');
    assert.equal(slots.free(1_000 + SLOW_ATTEMPT_MS)[A], 0, 'six in flight, cap back at four');
    assert.equal(slots.inFlight, hanging.length);
  });
});
