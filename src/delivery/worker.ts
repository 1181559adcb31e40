/**
 * The delivery worker: claims due deliveries, sends them, records each attempt, schedules retries, and
 * runs the expiry sweeper and the maintenance pass (secret wipe, log retention). Several workers (processes) may share one PostgreSQL; they coordinate only
 * through row claims with a lease (src/db/claim-deliveries.ts).
 *
 *   notify / poll / slot freed / record written ──▶ fill(): claim up to the free slots (and, for a
 *       fast origin, a queue of claims started as its slots free: src/delivery/origin-slots.ts)
 *       ──▶ send (undici; per origin ≤ its slots, 4 to 64; per org ≤ 64; ≤ 128 in total) ──▶ plan the next attempt
 *       ──▶ record, batched (fenced on the lease) ──▶ fill() again
 *
 * One claim and one record batch run at a time; whatever arrives meanwhile joins the next one, so
 * under load both batch themselves. Database errors (a restart, a terminated connection) are logged and
 * retried with backoff; the loop never dies. While recording fails nothing new is claimed, so a claim
 * cannot outrun its own unrecorded attempts. A queued claim is released rather than started when its
 * origin turns slow or too little of its lease is left. Leases are short (LEASE_SECONDS) and renewed
 * every LEASE_RENEW_MS while the worker holds the claim (src/delivery/lease-heartbeat.ts), so a killed
 * worker's deliveries are free again within seconds. `stop()` stops claiming, releases claims not yet
 * started (at once due again, for other workers), waits for attempts in flight and records them.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type pino from 'pino';
import type { Config } from '../config.js';
import {
  claimDueDeliveries,
  openClaimer,
  type ClaimedDelivery,
  type Claimer,
} from '../db/claim-deliveries.js';
import type { Database } from '../db/connect.js';
import { findNextDueAt } from '../db/delivery-queue-stats.js';
import { recordInterruptedAttempts } from '../db/record-attempts.js';
import { releaseDeliveries } from '../db/release-deliveries.js';
import { deliveryBody } from '../domain/events.js';
import { AttemptRecorder } from './attempt-recorder.js';
import { startExpirySweeper, type ExpirySweeper } from './expiry-sweeper.js';
import { startMaintenance, type Maintenance } from './maintenance.js';
import { LeaseHeartbeat } from './lease-heartbeat.js';
import { deliveryMetricsFor, recordAttemptMetrics, type DeliveryMetrics } from './metrics.js';
import { OrgSlots } from './org-slots.js';
import { OriginSlots } from './origin-slots.js';
import { listenForDeliveries, type DeliveryListener } from './notifications.js';
import { planNextAttempt } from './retry-policy.js';
import { SecretOpener } from './secret-opener.js';
import type { Keyring } from '../secrets/keyring.js';
import {
  attemptDelivery,
  bodyForLog,
  createDeliveryAgent,
  DELIVERY_TIMEOUT_MS,
  type AttemptOutcome,
} from './send-attempt.js';

/**
 * How long a claim is leased: renewed every LEASE_RENEW_MS while held, so this bounds how long a dead
 * worker's claims wait (and the database may stall for about LEASE_SECONDS − LEASE_RENEW_MS before a
 * live worker's claims can be taken over; their attempts are then logged as lease_lost).
 */
export const LEASE_SECONDS = 5;
export const LEASE_RENEW_MS = 1_000;
/** Slots of a new or slow origin in one worker; a fast one earns up to ORIGIN_CONCURRENCY_MAX. */
export const ORIGIN_CONCURRENCY = 4;
// 32/64 drained ~1,900/s, 64/128 ~2,850/s in bench/delivery.ts (docs/performance.md): bigger claim
// and record batches pay; a hanging receiver still holds only 4 of the 128 slots.
export const ORIGIN_CONCURRENCY_MAX = 64;
export const WORKER_CONCURRENCY = 128;
/** Attempts of one org in flight per worker (src/delivery/org-slots.ts): half, so another org keeps half. */
export const ORG_CONCURRENCY = 64;
export const POLL_INTERVAL_MS = 1_000;
const FILL_COALESCE_MS = 2;
/** A queued claim starts only with this much lease left beyond the attempt's timeout (or half the lease). */
const LEASE_MARGIN_MS = 5_000;
const DB_RETRY_MIN_MS = 200;
const DB_RETRY_MAX_MS = 5_000;

export interface Worker {
  readonly id: string;
  /** Stops gracefully (see the top of this file) and tells what this worker did. */
  stop(): Promise<WorkerReport>;
  /** What the worker's /healthz tells (src/http/worker-server.ts). */
  health(): WorkerHealth;
}

export interface WorkerHealth {
  /** `ok`; `stopping` once stop() was called; `database_failing` while claims or records fail. */
  status: 'ok' | 'stopping' | 'database_failing';
  /** Since when the database has been failing (the first failed claim or record since one succeeded). */
  failingSince: Date | null;
  inFlight: number;
  /** Counts so far, as stop() reports them. */
  report: WorkerReport;
}

export interface WorkerReport {
  /** Attempts this worker finished (sent and got an outcome). */
  attemptsFinished: number;
  /** Claims it handed back unstarted (stopping, an origin turned slow, a lease too short). */
  claimsReleased: number;
  /** Claims it found taken over by another worker before their attempt was recorded. */
  leasesLost: number;
}

export interface WorkerOptions {
  database: Database;
  config: Config;
  logger: pino.Logger;
  /** Decrypts the runs' webhook secrets (src/secrets/key-source.ts). */
  keyring: Keyring;
  /** Default: host:pid:random. */
  id?: string;
  now?: () => Date;
  timeoutMs?: number;
  leaseMs?: number;
  /** Slots of a new or slow origin (the hanging-receiver cap). */
  originConcurrency?: number;
  originConcurrencyMax?: number;
  /** Attempts of one org in flight at once. */
  orgConcurrency?: number;
  concurrency?: number;
  pollIntervalMs?: number;
  sweepIntervalMs?: number;
  heartbeatMs?: number;
  /** How often held leases are renewed. */
  leaseRenewMs?: number;
}

export function startWorker(options: WorkerOptions): Worker {
  return new DeliveryWorker(options);
}

class DeliveryWorker implements Worker {
  readonly id: string;
  readonly #o: Required<
    Omit<WorkerOptions, 'id' | 'sweepIntervalMs' | 'heartbeatMs' | 'keyring' | 'leaseRenewMs'>
  >;
  readonly #secrets: SecretOpener;
  readonly #agent;
  readonly #metrics: DeliveryMetrics;
  readonly #log: pino.Logger;
  readonly #slots: OriginSlots;
  readonly #orgs: OrgSlots;
  readonly #attempts = new Set<Promise<void>>();
  /** Claims of fast origins waiting for a slot, by origin. */
  readonly #queued = new Map<string, ClaimedDelivery[]>();
  readonly #recorder: AttemptRecorder;
  readonly #claimer: Claimer;
  readonly #leases: LeaseHeartbeat;
  #claimSerial = 0;
  readonly #report: WorkerReport = { attemptsFinished: 0, claimsReleased: 0, leasesLost: 0 };
  #claiming: Promise<void> | undefined;
  #claimAgain = false;
  #stopping = false;
  #stopped: Promise<WorkerReport> | undefined;
  #backoffMs = 0;
  #retryAt = 0;
  #failingSince: number | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #coalesceTimer: NodeJS.Timeout | undefined;
  #wakeTimer: { at: number; timer: NodeJS.Timeout } | undefined;
  readonly #pollTimer: NodeJS.Timeout;
  readonly #listener: DeliveryListener;
  readonly #sweeper: ExpirySweeper;
  readonly #maintenance: Maintenance;

  constructor(options: WorkerOptions) {
    this.id = options.id ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#o = {
      database: options.database,
      config: options.config,
      logger: options.logger,
      now: options.now ?? (() => new Date()),
      timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      leaseMs: options.leaseMs ?? LEASE_SECONDS * 1000,
      originConcurrency: options.originConcurrency ?? ORIGIN_CONCURRENCY,
      originConcurrencyMax: options.originConcurrencyMax ?? ORIGIN_CONCURRENCY_MAX,
      concurrency: options.concurrency ?? WORKER_CONCURRENCY,
      orgConcurrency: options.orgConcurrency ?? ORG_CONCURRENCY,
      pollIntervalMs: options.pollIntervalMs ?? POLL_INTERVAL_MS,
    };
    this.#log = options.logger.child({ worker: this.id });
    this.#secrets = new SecretOpener(options.keyring);
    this.#metrics = deliveryMetricsFor(options.database);
    this.#slots = new OriginSlots(
      this.#o.originConcurrency,
      Math.max(this.#o.originConcurrency, this.#o.originConcurrencyMax),
    );
    this.#orgs = new OrgSlots(this.#o.orgConcurrency);
    this.#agent = createDeliveryAgent({
      allowInsecure: options.config.webhookAllowInsecure,
      originCap: this.#slots.max,
      onAddress: (host, address) => this.#slots.noteAddress(host, address),
    });
    const db = options.database.db;
    this.#claimer = openClaimer(options.database);
    this.#leases = new LeaseHeartbeat({
      db,
      leaseMs: this.#o.leaseMs,
      intervalMs: options.leaseRenewMs ?? Math.min(LEASE_RENEW_MS, this.#o.leaseMs / 4),
      now: this.#o.now,
      logger: this.#log,
      onLost: (claims) => this.#lost(claims),
    });
    this.#recorder = new AttemptRecorder({
      db,
      logger: this.#log,
      now: this.#o.now,
      onWritten: (leasesLost) => {
        this.#report.leasesLost += leasesLost;
        this.#fill();
      },
    });
    this.#listener = listenForDeliveries({
      database: options.database,
      workerId: this.id,
      logger: this.#log,
      onWake: () => this.#fill(),
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    });
    this.#sweeper = startExpirySweeper({
      db,
      now: this.#o.now,
      logger: this.#log,
      ...(options.sweepIntervalMs ? { intervalMs: options.sweepIntervalMs } : {}),
    });
    this.#maintenance = startMaintenance({ db, config: options.config, now: this.#o.now, logger: this.#log });
    this.#pollTimer = setInterval(() => this.#fill(), this.#o.pollIntervalMs);
    this.#fill();
  }

  health(): WorkerHealth {
    const failing = this.#failingSince !== undefined || this.#recorder.stuck;
    // A record that keeps failing counts from the first time it is seen here.
    if (failing) this.#failingSince ??= Date.now();
    return {
      status: this.#stopping ? 'stopping' : failing ? 'database_failing' : 'ok',
      failingSince: this.#failingSince === undefined ? null : new Date(this.#failingSince),
      inFlight: this.#slots.inFlight,
      report: { ...this.#report },
    };
  }

  stop(): Promise<WorkerReport> {
    this.#stopped ??= this.#shutDown().then(() => ({ ...this.#report }));
    return this.#stopped;
  }

  async #shutDown(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#pollTimer);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#coalesceTimer);
    clearTimeout(this.#wakeTimer?.timer);
    await Promise.all([
      this.#listener.close(),
      this.#sweeper.stop(),
      this.#maintenance.stop(),
      this.#claiming,
    ]);
    await this.#release([...this.#queued.values()].flat());
    this.#queued.clear();
    await Promise.allSettled([...this.#attempts]);
    await this.#recorder.drain(Date.now() + this.#o.leaseMs);
    await this.#leases.stop();
    await this.#agent.close().catch(() => {});
    await this.#claimer.close().catch(() => {});
  }

  /**
   * After an attempt: attempts started together finish together, so waiting FILL_COALESCE_MS lets one
   * claim refill all their slots instead of one claim per freed slot.
   */
  #fillSoon(): void {
    if (this.#coalesceTimer || this.#stopping) return;
    this.#coalesceTimer = setTimeout(() => {
      this.#coalesceTimer = undefined;
      this.#fill();
    }, FILL_COALESCE_MS);
  }

  #fill(): void {
    if (this.#stopping) return;
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    this.#claiming = this.#claimWhileFree().finally(() => (this.#claiming = undefined));
  }

  async #claimWhileFree(): Promise<void> {
    do {
      this.#claimAgain = false;
      const queued = (origin: string) => this.#queued.get(origin)?.length ?? 0;
      let queuedTotal = 0;
      const queuedByOrg = new Map<string, number>();
      for (const claims of this.#queued.values()) {
        queuedTotal += claims.length;
        for (const claim of claims) queuedByOrg.set(claim.orgId, (queuedByOrg.get(claim.orgId) ?? 0) + 1);
      }
      // Up to `concurrency` in flight and as many again queued.
      const free = 2 * this.#o.concurrency - this.#slots.inFlight - queuedTotal;
      if (this.#stopping || free <= 0 || this.#recorder.stuck || Date.now() < this.#retryAt) return;
      const now = this.#o.now();
      const originSlots = this.#slots.room(queued);
      const orgSlots = this.#orgs.room(queuedByOrg, (origin) => this.#slots.isFast(origin));
      this.#orgs.clampOrigins(originSlots, orgSlots);
      let claimed: ClaimedDelivery[];
      try {
        claimed = await claimDueDeliveries(this.#claimer, {
          lockedBy: `${this.id}/${++this.#claimSerial}`,
          now,
          leaseUntil: new Date(now.getTime() + this.#o.leaseMs),
          limit: free,
          originSlots,
          defaultOriginSlots: this.#slots.min,
          orgSlots,
          defaultOrgSlots: this.#orgs.cap,
        });
        this.#backoffMs = 0;
        if (!this.#recorder.stuck) this.#failingSince = undefined;
      } catch (error) {
        return this.#databaseFailed(error, 'claiming deliveries');
      }
      claimed = this.#adoptRetaken(claimed);
      this.#leases.hold(claimed);
      if (this.#stopping) return this.#release(claimed);
      await this.#logInterrupted(claimed, now);
      for (const claim of claimed) {
        const waiting = this.#queued.get(claim.origin);
        if (waiting) waiting.push(claim);
        else this.#queued.set(claim.origin, [claim]);
      }
      this.#startQueued();
      this.#slots.noteClaims(
        claimed.map((c) => c.origin),
        originSlots,
        free,
      );
      // Idle: nothing due now, and no attempt whose end would claim again. Time the next retry.
      if (claimed.length === 0 && this.#slots.inFlight === 0) await this.#scheduleWake();
    } while (this.#claimAgain);
  }

  /**
   * Starts queued claims while their origins have free slots. Claims of an origin that is no longer
   * fast, and claims with too little lease left, are released to be claimed again instead.
   */
  #startQueued(): void {
    const now = this.#o.now().getTime();
    const leaseNeeded = Math.min(this.#o.timeoutMs + LEASE_MARGIN_MS, this.#o.leaseMs / 2);
    const release: ClaimedDelivery[] = [];
    for (const [origin, claims] of this.#queued) {
      const startable = () =>
        this.#slots.hasFree(origin) &&
        this.#orgs.hasFree(claims[0]!.orgId) &&
        this.#slots.inFlight < this.#o.concurrency;
      while (claims.length > 0 && startable()) {
        const claim = claims.shift()!;
        if (claim.leaseUntil.getTime() - now < leaseNeeded) release.push(claim);
        else this.#start(claim);
      }
      // Waiting for a slot of an origin that turned slow could outlast the lease.
      const blocked =
        claims.length > 0 && (!this.#slots.hasFree(origin) || !this.#orgs.hasFree(claims[0]!.orgId));
      if (!this.#slots.isFast(origin) && blocked) release.push(...claims.splice(0));
      if (claims.length === 0) this.#queued.delete(origin);
    }
    if (release.length > 0) void this.#release(release);
  }

  /** Polling covers waits of a second or more; a retry due sooner gets its own timer. */
  async #scheduleWake(): Promise<void> {
    const now = this.#o.now();
    const next = await findNextDueAt(this.#o.database.db, now).catch(() => null);
    if (!next || this.#stopping) return;
    const delay = Math.max(0, next.getTime() - now.getTime());
    if (delay >= this.#o.pollIntervalMs) return;
    const at = Date.now() + delay;
    if (this.#wakeTimer && this.#wakeTimer.at <= at) return;
    clearTimeout(this.#wakeTimer?.timer);
    const timer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#fill();
    }, delay + 1);
    this.#wakeTimer = { at, timer };
  }

  async #release(claimed: ClaimedDelivery[]): Promise<void> {
    for (const claim of claimed) this.#leases.drop(claim);
    try {
      this.#report.claimsReleased += await releaseDeliveries(this.#o.database.db, claimed, this.#o.now());
    } catch (error) {
      this.#log.warn(
        { err: error, count: claimed.length },
        'could not release claims; their leases will expire',
      );
    }
  }

  /**
   * Claims another worker took over: a queued one is dropped unstarted (counted here); one in flight is
   * logged as lease_lost when it is recorded (counted then).
   */
  #lost(claims: ClaimedDelivery[]): void {
    const ids = new Set(claims.map((claim) => claim.id));
    for (const [origin, queued] of this.#queued) {
      const kept = queued.filter((claim) => !ids.has(claim.id));
      this.#report.leasesLost += queued.length - kept.length;
      if (kept.length === 0) this.#queued.delete(origin);
      else this.#queued.set(origin, kept);
    }
    this.#log.warn({ count: claims.length }, 'leases lost: another worker has taken these deliveries over');
  }

  /**
   * A row this worker still holds under an earlier claim comes back when that lease ran out before a
   * renewal (a stall longer than the lease): the earlier claim, queued or in flight, carries on under
   * the new token instead of the row being sent twice at once.
   */
  #adoptRetaken(claimed: ClaimedDelivery[]): ClaimedDelivery[] {
    return claimed.filter((claim) => {
      const earlier = this.#leases.get(claim.id);
      if (!earlier) return true;
      earlier.lockedBy = claim.lockedBy;
      earlier.leaseUntil = claim.leaseUntil;
      return false;
    });
  }

  /** Logs the trace of attempts a stopped worker left unrecorded on rows this claim took over. */
  async #logInterrupted(claimed: ClaimedDelivery[], now: Date): Promise<void> {
    if (!claimed.some((claim) => claim.previousHolder !== null)) return;
    const bodyOf = (claim: ClaimedDelivery) => deliveryBody(claim.envelopeJson, claim.attemptCount + 1);
    await recordInterruptedAttempts(this.#o.database.db, claimed, bodyOf, now).catch((error: unknown) =>
      this.#log.warn({ err: error }, 'could not log the interrupted attempts of a stopped worker'),
    );
  }

  #databaseFailed(error: unknown, doing: string): void {
    this.#failingSince ??= Date.now();
    this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, DB_RETRY_MIN_MS), DB_RETRY_MAX_MS);
    this.#retryAt = Date.now() + this.#backoffMs;
    this.#log.warn({ err: error, retryInMs: this.#backoffMs }, `database error while ${doing}; retrying`);
    if (this.#stopping) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#fill(), this.#backoffMs);
  }

  #start(claim: ClaimedDelivery): void {
    const slot = this.#slots.acquire(claim.origin);
    this.#orgs.acquire(claim.orgId, claim.origin);
    this.#metrics.inFlight.inc();
    const attempt = this.#attempt(claim, slot)
      .catch((error: unknown) => this.#log.error({ err: error, delivery: claim.id }, 'attempt crashed'))
      .finally(() => this.#attempts.delete(attempt));
    this.#attempts.add(attempt);
  }

  async #attempt(claim: ClaimedDelivery, slot: number): Promise<void> {
    const { config, now, timeoutMs } = this.#o;
    let outcome: AttemptOutcome | undefined;
    try {
      const options = {
        allowInsecure: config.webhookAllowInsecure,
        timeoutMs,
        now: now(),
        openSecret: this.#secrets.open,
      };
      outcome = await attemptDelivery(this.#agent, claim, options);
    } finally {
      this.#slots.release(claim.origin, slot, outcome?.durationMs ?? Date.now() - slot);
      this.#orgs.release(claim.orgId);
      this.#metrics.inFlight.dec();
      this.#startQueued();
    }
    const attempt = claim.attemptCount + 1;
    const plan = planNextAttempt({
      attempt,
      succeeded: outcome.succeeded,
      statusBefore: claim.status,
      retryScheduleMs: config.retryScheduleMs,
      retryAfterMs: outcome.retryAfterMs,
      now: now(),
    });
    this.#report.attemptsFinished++;
    recordAttemptMetrics(this.#metrics, {
      result: outcome.result,
      manual: claim.manual,
      durationMs: outcome.durationMs,
      finalStatus: plan.status === 'pending' ? null : plan.status,
    });
    this.#recorder.add({
      ...outcome,
      requestBody: bodyForLog(outcome.requestBody, config.attemptBodyMaxBytes),
      deliveryId: claim.id,
      lockedBy: claim.lockedBy,
      attemptCount: claim.attemptCount,
      attempt,
      manual: claim.manual,
      status: plan.status,
      nextAttemptAt: plan.nextAttemptAt,
    });
    this.#leases.drop(claim);
    this.#fillSoon();
  }
}
