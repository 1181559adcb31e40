/**
 * Per-origin concurrency in one worker (an origin is scheme://host:port).
 *
 * Every origin starts with `min` slots (4). While the origin has more due work than slots (its last
 * claim filled every free slot), each attempt that finishes within FAST_ATTEMPT_MS earns it one more,
 * up to `max` (64); an attempt that takes
 * SLOW_ATTEMPT_MS or more (a timeout included) sends it back to `min`, and so does any attempt still in
 * flight after SLOW_ATTEMPT_MS. So a hanging or slow receiver holds at most `min` of the worker's
 * slots (or what it had in flight in the second it turned slow), while a fast receiver with a backlog
 * soon gets enough slots for the batches that keep the database work per delivery small.
 *
 * Slow origins are also counted by the address they resolved to: those sharing an address share `min`
 * slots between them, so 40 hanging subdomains (or ports) of one host hold 4 slots, not 160. An origin
 * is slow while an attempt of it has been in flight SLOW_ATTEMPT_MS or more, or its last attempt took
 * that long. Origins whose attempts end quickly are not pooled, so tenants behind one CDN address
 * keep their own slots; a new origin on an address full of slow attempts gets one attempt at a time
 * until one has ended quickly. The address is what the delivery agent's lookup returned for the host
 * (`noteAddress`), or the host itself when it is an IP address.
 *
 * A fast origin (one that has earned more than `min`) may also have up to its cap of claims waiting
 * in the worker (`room`), started the moment a slot frees instead of after the next claim's round trip.
 * A slow one has no such queue, so nothing waits behind a hanging receiver while its lease runs.
 */
import net from 'node:net';

export const FAST_ATTEMPT_MS = 1_000;
export const SLOW_ATTEMPT_MS = 2_000;
/** State of origins with nothing in flight is forgotten after this long. */
const IDLE_FORGET_MS = 10 * 60_000;

interface OriginState {
  /** The URL's host, without brackets for IPv6. */
  host: string;
  cap: number;
  /** Whether the last attempt that ended took SLOW_ATTEMPT_MS or more; undefined before any ended. */
  endedSlow: boolean | undefined;
  /** The last claim filled every free slot: there is more work than slots. */
  limited: boolean;
  /** Start times of the attempts in flight. */
  starts: number[];
  lastUsed: number;
}

function hostOf(origin: string): string {
  return new URL(origin).hostname.replace(/^\[(.*)\]$/, '$1');
}

export class OriginSlots {
  readonly #origins = new Map<string, OriginState>();
  /** The address each host last resolved to. */
  readonly #addresses = new Map<string, string>();
  #inFlight = 0;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {}

  /** Attempts in flight, all origins. */
  get inFlight(): number {
    return this.#inFlight;
  }

  acquire(origin: string, now = Date.now()): number {
    const state = this.#origins.get(origin) ?? {
      host: hostOf(origin),
      cap: this.min,
      endedSlow: undefined,
      limited: false,
      starts: [],
      lastUsed: now,
    };
    state.starts.push(now);
    this.#inFlight++;
    state.lastUsed = now;
    this.#origins.set(origin, state);
    return now;
  }

  /**
   * After a claim (and its `acquire`s), with the origins of the rows it got and the free slots it was
   * given: an origin that got every slot it had is limited by its slots rather than by its work.
   */
  noteClaims(origins: readonly string[], freeBefore: Readonly<Record<string, number>>, limit: number): void {
    const counts = new Map<string, number>();
    for (const origin of origins) counts.set(origin, (counts.get(origin) ?? 0) + 1);
    for (const [origin, count] of counts) {
      const state = this.#origins.get(origin);
      if (state) state.limited = count >= Math.min(limit, freeBefore[origin] ?? this.min);
    }
  }

  /** `startedAt` is what `acquire` returned. */
  release(origin: string, startedAt: number, durationMs: number): void {
    const state = this.#origins.get(origin);
    if (!state) return;
    const index = state.starts.indexOf(startedAt);
    if (index >= 0) {
      state.starts.splice(index, 1);
      this.#inFlight--;
    }
    state.endedSlow = durationMs >= SLOW_ATTEMPT_MS;
    if (state.endedSlow) state.cap = this.min;
    else if (durationMs < FAST_ATTEMPT_MS && state.limited) state.cap = Math.min(this.max, state.cap + 1);
  }

  /** What the delivery agent's lookup answered for `host` (the first address when it gave several). */
  noteAddress(host: string, address: string): void {
    if (this.#addresses.size >= 10_000 && !this.#addresses.has(host)) this.#addresses.clear();
    this.#addresses.set(host, address);
  }

  /** True when `origin` may start another attempt now. */
  hasFree(origin: string, now = Date.now()): boolean {
    const state = this.#origins.get(origin);
    return !state || (state.starts.length < state.cap && !this.#addressFull(state, now));
  }

  #isSlow(state: OriginState, now: number): boolean {
    return state.endedSlow === true || state.starts.some((start) => now - start >= SLOW_ATTEMPT_MS);
  }

  #addressOf(state: OriginState): string | undefined {
    return this.#addresses.get(state.host) ?? (net.isIP(state.host) ? state.host : undefined);
  }

  /**
   * True when the address of `state`'s origin already has `min` attempts of slow origins in flight and
   * this origin is slow too, or has not shown it is not (none of its attempts ended yet) and has one
   * attempt in flight already: a new origin there gets one attempt to show it answers quickly.
   */
  #addressFull(state: OriginState, now: number): boolean {
    const slow = this.#isSlow(state, now);
    if (!slow && (state.endedSlow === false || state.starts.length === 0)) return false;
    const address = this.#addressOf(state);
    if (address === undefined) return false;
    let inFlight = 0;
    for (const other of this.#origins.values())
      if (other.starts.length > 0 && this.#addressOf(other) === address && this.#isSlow(other, now))
        inFlight += other.starts.length;
    return inFlight >= this.min;
  }

  /** True for an origin that has earned more than `min` slots (see the top of this file). */
  isFast(origin: string): boolean {
    return (this.#origins.get(origin)?.cap ?? this.min) > this.min;
  }

  /**
   * How many more claims each origin this worker knows may take: its free slots, plus for a fast origin
   * a queue of up to its cap, less the claims already `queued` for it. Any other origin has `min`.
   */
  room(queued: (origin: string) => number, now = Date.now()): Record<string, number> {
    const room = this.free(now);
    for (const [origin, free] of Object.entries(room)) {
      const queue = this.isFast(origin) ? this.#origins.get(origin)!.cap : 0;
      room[origin] = Math.max(0, free + queue - queued(origin));
    }
    return room;
  }

  /** Free slots of every origin this worker knows; any other origin has `min`. */
  free(now = Date.now()): Record<string, number> {
    const free: Record<string, number> = {};
    for (const [origin, state] of this.#origins) {
      if (state.starts.length === 0 && now - state.lastUsed > IDLE_FORGET_MS) {
        this.#origins.delete(origin);
        continue;
      }
      if (state.starts.some((start) => now - start >= SLOW_ATTEMPT_MS)) state.cap = this.min;
      free[origin] = this.#addressFull(state, now) ? 0 : Math.max(0, state.cap - state.starts.length);
    }
    return free;
  }
}
