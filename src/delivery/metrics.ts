/**
 * Prometheus metrics of webhook delivery, in a registry per database handle (not prom-client's global
 * one): the app's /metrics and a worker in the same process share it, while tests, which open a
 * database each, never collide. Counters and the latency histogram count this process's attempts; the
 * queue gauges are read from the database at scrape time, so every process shows the whole queue.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/connect.js';
import { readQueueStats } from '../db/delivery-queue-stats.js';
import type { AttemptResult } from './send-attempt.js';

export interface DeliveryMetrics {
  registry: Registry;
  /** Attempts by result: succeeded, http_status, timeout, network_error, refused. */
  attempts: Counter<'result' | 'manual'>;
  /** Deliveries that reached a final status, by it: succeeded or failed. */
  deliveries: Counter<'outcome'>;
  attemptSeconds: Histogram<'result'>;
  inFlight: Gauge;
}

const byDatabase = new WeakMap<Database, DeliveryMetrics>();

export function deliveryMetricsFor(database: Database): DeliveryMetrics {
  let metrics = byDatabase.get(database);
  if (!metrics) {
    metrics = createDeliveryMetrics(database);
    byDatabase.set(database, metrics);
  }
  return metrics;
}

export function recordAttemptMetrics(
  metrics: DeliveryMetrics,
  attempt: { result: AttemptResult; manual: boolean; durationMs: number; finalStatus: string | null },
): void {
  metrics.attempts.inc({ result: attempt.result, manual: String(attempt.manual) });
  metrics.attemptSeconds.observe({ result: attempt.result }, attempt.durationMs / 1000);
  if (attempt.finalStatus) metrics.deliveries.inc({ outcome: attempt.finalStatus });
}

function createDeliveryMetrics(database: Database): DeliveryMetrics {
  const registry = new Registry();
  const registers = [registry];
  const readQueue = memoizeBriefly(() => readQueueStats(database.db, new Date()));
  new Gauge({
    name: 'rundun_delivery_queue',
    help: 'Deliveries with work, by state: claimable (a worker takes it at its next claim), held (behind an earlier event of its run), leased (claimed by a worker). Whole database, read at scrape.',
    labelNames: ['state'],
    registers,
    async collect() {
      const queue = await readQueue();
      for (const state of ['claimable', 'held', 'leased'] as const)
        this.set({ state }, queue?.[state] ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'rundun_delivery_queue_due',
    help: 'Deliveries due now that a worker may claim (rundun_delivery_queue{state="claimable"}).',
    registers,
    async collect() {
      this.set((await readQueue())?.claimable ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'rundun_delivery_oldest_due_age_seconds',
    help: 'How long the oldest claimable delivery has been due, 0 when none (read at scrape).',
    registers,
    async collect() {
      const queue = await readQueue();
      if (!queue) return this.set(Number.NaN);
      const oldest = queue.oldestClaimableAt;
      this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    },
  });
  return {
    registry,
    attempts: new Counter({
      name: 'rundun_delivery_attempts_total',
      help: 'Delivery attempts finished by this process, by result.',
      labelNames: ['result', 'manual'],
      registers,
    }),
    deliveries: new Counter({
      name: 'rundun_deliveries_total',
      help: 'Deliveries that reached a final status in this process, by outcome (succeeded, failed).',
      labelNames: ['outcome'],
      registers,
    }),
    attemptSeconds: new Histogram({
      name: 'rundun_delivery_attempt_duration_seconds',
      help: 'Time from sending a delivery to the end of its response (or failure).',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    inFlight: new Gauge({
      name: 'rundun_delivery_in_flight',
      help: 'Attempts this process is sending right now.',
      registers,
    }),
  };
}

/** The queue gauges come from one query per scrape; a failed read yields null (the gauges show NaN). */
function memoizeBriefly<T>(read: () => Promise<T>): () => Promise<T | null> {
  let last: { at: number; value: Promise<T | null> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > 250) {
      last = { at: Date.now(), value: read().catch(() => null) };
    }
    return last.value;
  };
}
