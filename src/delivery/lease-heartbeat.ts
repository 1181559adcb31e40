/**
 * The lease heartbeat of one worker. Every claim the worker holds (queued or in flight) is registered
 * here until its attempt has finished; every `intervalMs` one statement renews all their leases to
 * now + lease (src/db/renew-leases.ts). So leases can be short (a dead worker's claims are free again
 * within LEASE_SECONDS) however long an attempt takes. A claim that is not renewed has been taken over
 * (its lease ran out while the worker or the database stalled, and another worker claimed it): it is
 * reported through `onLost` and dropped. A failed renewal is logged and tried again at the next beat.
 */
import type { Kysely } from 'kysely';
import type pino from 'pino';
import type { ClaimedDelivery } from '../db/claim-deliveries.js';
import { renewLeases } from '../db/renew-leases.js';
import type { DB } from '../db/schema.js';

export class LeaseHeartbeat {
  readonly #held = new Map<string, ClaimedDelivery>();
  readonly #timer: NodeJS.Timeout;
  #beating: Promise<void> | undefined;

  constructor(
    private readonly options: {
      db: Kysely<DB>;
      leaseMs: number;
      intervalMs: number;
      now: () => Date;
      logger: pino.Logger;
      onLost: (claims: ClaimedDelivery[]) => void;
    },
  ) {
    this.#timer = setInterval(() => void this.beat(), options.intervalMs);
  }

  get size(): number {
    return this.#held.size;
  }

  /** The claim this worker holds on the delivery, if any. */
  get(id: string): ClaimedDelivery | undefined {
    return this.#held.get(id);
  }

  hold(claims: readonly ClaimedDelivery[]): void {
    for (const claim of claims) this.#held.set(claim.id, claim);
  }

  /** The claim's attempt has finished, or it was released: its lease is no longer this worker's care. */
  drop(claim: ClaimedDelivery): void {
    if (this.#held.get(claim.id) === claim) this.#held.delete(claim.id);
  }

  /** Renews every held lease now (one beat at a time). */
  beat(): Promise<void> {
    this.#beating ??= this.#renew().finally(() => (this.#beating = undefined));
    return this.#beating;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
  }

  async #renew(): Promise<void> {
    const claims = [...this.#held.values()];
    if (claims.length === 0) return;
    const now = this.options.now();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    let renewed: Set<string>;
    try {
      renewed = await renewLeases(this.options.db, claims, leaseUntil, now);
    } catch (error) {
      this.options.logger.warn({ err: error, count: claims.length }, 'could not renew leases; retrying');
      return;
    }
    const lost: ClaimedDelivery[] = [];
    for (const claim of claims) {
      if (renewed.has(claim.id)) {
        if (leaseUntil > claim.leaseUntil) claim.leaseUntil = leaseUntil;
      } else if (this.#held.get(claim.id) === claim) {
        // Not renewed and still held: taken over. (One dropped meanwhile has been recorded or released.)
        this.#held.delete(claim.id);
        lost.push(claim);
      }
    }
    if (lost.length > 0) this.options.onLost(lost);
  }
}
