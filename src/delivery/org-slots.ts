/**
 * Per-org concurrency in one worker, beside the per-origin slots (src/delivery/origin-slots.ts), so one
 * org cannot take every slot: 40 hanging origins of one org would otherwise hold 40 × 4 = 160 slots,
 * more than the worker's 128, and another org's deliveries would wait for the timeouts.
 *
 * An org has at most `cap` attempts in flight (64 of the worker's 128 by default). Claims are asked for
 * it accordingly: `room` is `cap` less what it has in flight and queued — twice that for an org with a
 * fast origin, whose claims may wait in the worker's queue for a slot (a fast origin's queue is what
 * keeps a single busy receiver's throughput). A slow org thus never gets claims it cannot start.
 */

export class OrgSlots {
  readonly #inFlight = new Map<string, number>();
  /** The orgs whose deliveries each origin has carried recently. */
  readonly #originOrgs = new Map<string, Set<string>>();

  constructor(readonly cap: number) {}

  inFlight(org: string): number {
    return this.#inFlight.get(org) ?? 0;
  }

  hasFree(org: string): boolean {
    return this.inFlight(org) < this.cap;
  }

  acquire(org: string, origin: string): void {
    this.#inFlight.set(org, this.inFlight(org) + 1);
    let orgs = this.#originOrgs.get(origin);
    if (!orgs) {
      if (this.#originOrgs.size >= 10_000) this.#originOrgs.clear();
      this.#originOrgs.set(origin, (orgs = new Set()));
    }
    orgs.add(org);
  }

  release(org: string): void {
    const n = this.inFlight(org) - 1;
    if (n > 0) this.#inFlight.set(org, n);
    else this.#inFlight.delete(org);
  }

  /**
   * How many more claims each org this worker has work of may take (see the top of this file); any
   * other org has `cap`. `queued` counts an org's claims waiting in the worker.
   */
  room(queued: ReadonlyMap<string, number>, isFast: (origin: string) => boolean): Record<string, number> {
    const fastOrgs = new Set<string>();
    for (const [origin, orgs] of this.#originOrgs)
      if (isFast(origin)) for (const org of orgs) fastOrgs.add(org);
    const room: Record<string, number> = {};
    for (const org of new Set([...this.#inFlight.keys(), ...queued.keys()])) {
      const allowed = fastOrgs.has(org) ? 2 * this.cap : this.cap;
      room[org] = Math.max(0, allowed - this.inFlight(org) - (queued.get(org) ?? 0));
    }
    return room;
  }

  /**
   * Lowers each origin's room to the most any of its orgs may take, so a claim does not even read the
   * backlog of an org that is full (an origin no org has room on gets 0).
   */
  clampOrigins(originRoom: Record<string, number>, orgRoom: Readonly<Record<string, number>>): void {
    for (const origin of Object.keys(originRoom)) {
      const orgs = this.#originOrgs.get(origin);
      if (!orgs) continue;
      let most = 0;
      for (const org of orgs) most = Math.max(most, orgRoom[org] ?? this.cap);
      originRoom[origin] = Math.min(originRoom[origin]!, most);
    }
  }
}
