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

describe('slow origins by address', () => {
  const hanging = (slots: OriginSlots, origin: string, count: number, at: number) => {
    for (let i = 0; i < count; i++) slots.acquire(origin, at);
  };

  it('makes slow origins on one address share the minimum, while a fast one there keeps its own', () => {
    const slots = new OriginSlots(4, 32);
    const later = SLOW_ATTEMPT_MS;
    hanging(slots, 'https://10.0.0.1:8001', 3, 0);
    hanging(slots, 'https://10.0.0.1:8002', 1, 0);
    slots.acquire('https://10.0.0.1:8003', 0);
    assert.equal(slots.hasFree('https://10.0.0.1:8003', 0), true, 'nothing is slow yet');
    // Two seconds on, four attempts of slow origins hang on 10.0.0.1: no slow origin there may start.
    assert.equal(slots.hasFree('https://10.0.0.1:8001', later), false);
    assert.equal(slots.hasFree('https://10.0.0.1:8002', later), false);
    assert.equal(slots.free(later)['https://10.0.0.1:8002'], 0);
    // 8003's attempt hangs too (slow): it is pooled with them.
    assert.equal(slots.hasFree('https://10.0.0.1:8003', later), false);
    // An origin whose attempt there answered quickly is not slow: it is not held back.
    const fast = 'https://10.0.0.1:8004';
    slots.release(fast, slots.acquire(fast, later), 5);
    assert.equal(slots.hasFree(fast, later), true);
    // Another address is its own pool.
    slots.release('https://10.0.0.2', slots.acquire('https://10.0.0.2', 0), SLOW_ATTEMPT_MS);
    assert.equal(slots.hasFree('https://10.0.0.2', later), true);
  });

  it('pools named hosts by the address their lookup gave', () => {
    const slots = new OriginSlots(4, 32);
    slots.noteAddress('a.hostile.example', '203.0.113.7');
    slots.noteAddress('b.hostile.example', '203.0.113.7');
    slots.noteAddress('c.other.example', '198.51.100.1');
    hanging(slots, 'https://a.hostile.example', 4, 0);
    slots.release(
      'https://b.hostile.example',
      slots.acquire('https://b.hostile.example', 0),
      SLOW_ATTEMPT_MS,
    );
    slots.release('https://c.other.example', slots.acquire('https://c.other.example', 0), SLOW_ATTEMPT_MS);
    assert.equal(slots.hasFree('https://b.hostile.example', SLOW_ATTEMPT_MS), false);
    assert.equal(slots.hasFree('https://c.other.example', SLOW_ATTEMPT_MS), true);
    // Once a.hostile's attempts end, b may start again.
    for (let i = 0; i < 4; i++) slots.release('https://a.hostile.example', 0, SLOW_ATTEMPT_MS);
    assert.equal(slots.hasFree('https://b.hostile.example', SLOW_ATTEMPT_MS), true);
  });
});
