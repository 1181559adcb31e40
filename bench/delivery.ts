/**
 * `npm run bench:delivery`: webhook delivery on PostgreSQL (a scratch database), loopback only.
 *
 *   (a) throughput: a backlog of deliveries to one fast receiver, drained by one worker process,
 *       beside raw undici Pool POSTs of the same bodies to the same receiver (before and after, averaged).
 *       Sustained (between 10% and 90% received), and the whole drain's average;
 *   (b) latency from an event's commit to its receipt at a steady 500 events/s over 50 receivers,
 *       beside raw undici POST → receipt at the same rate;
 *   (c) noisy neighbour: as (b), with one receiver that never answers (10 s timeouts) taking 20% of
 *       the events; the healthy receivers' p99 beside (b)'s;
 *   (c2) noisy tenant: as (b), with a second org whose runs go to 40 receivers that never answer,
 *       taking 20% of the events; the first org's p99 beside (b)'s (the per-org cap keeps the
 *       hostile org to 64 of the worker's 128 slots);
 *   (d) two workers: (a)'s drain with a second worker process, beside (a)'s one worker;
 *   (e) takeover: one of two workers killed with SIGKILL mid-load; how long the deliveries it held,
 *       and the events of their runs behind them, wait (bench/delivery-takeover.ts).
 *
 * The worker and the receivers run in their own processes. Prints one `BENCH {…}` line per figure.
 * Sizes: BENCH_DELIVERIES (default 20000), BENCH_STEADY_S (default 15). BENCH_CASES picks some of
 * throughput, latency (b and c), two-workers, takeover (default: all).
 */
import { sql } from 'kysely';
import { createApiKey } from '../src/db/api-keys.js';
import { createOrg } from '../src/db/orgs.js';
import { withDeliveryAttempt } from '../src/domain/events.js';
import { createTestApp, type TestApp } from '../test/helpers/app.js';
import { appendEvent, createTemplate, SAMPLE_DATA } from '../test/delivery/helpers/runs.js';
import { benchTakeover } from './delivery-takeover.js';
import {
  clock,
  dispatchRuns,
  insertBacklog,
  measureRawThroughput,
  percentile,
  print,
  rawLatency,
  Receivers,
  sleep,
  startWorkerProcess,
} from './delivery-parts.js';

process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 20_000);
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 15);
const RATE = 500;
const WARMUP_S = 3;
const HEALTHY = 50;
const RUNS_PER_HEALTHY = 20;
const HANGING_RUNS = 250;
const HANGING_SHARE = 0.2;
const NOISY_TENANT_ORIGINS = 40;
const NOISY_TENANT_RUNS_PER_ORIGIN = 10;
const SAMPLE_BODY_DATA = SAMPLE_DATA['step.completed'];
const CASES = new Set((process.env.BENCH_CASES ?? 'throughput,latency,two-workers,takeover').split(','));

async function benchThroughput(
  t: TestApp,
  templateId: string,
  receivers: Receivers,
  port: number,
  label = '',
): Promise<number> {
  const runs = await dispatchRuns(t, templateId, `http://127.0.0.1:${port}/hook`, 1_000);
  const perRun = Math.ceil(DELIVERIES / runs.length);
  await insertBacklog(t.database.db, runs, perRun);
  const total = perRun * runs.length;
  const envelopes = await t.database.db.selectFrom('events').select('envelope').limit(total).execute();
  const bodies = envelopes.map((e) => JSON.stringify(withDeliveryAttempt(e.envelope as never, 1)));
  // Raw before and after the drain, averaged: the shared VM's speed drifts over a run.
  const rawBefore = await measureRawThroughput(port, bodies);
  await receivers.collect();
  const before = await receivers.count();
  // Released as if the events had been committed in order while no worker ran: due now, a run's
  // events one microsecond apart. The drain starts when this commits (the update takes ~300 ms).
  await t.database.db.transaction().execute(async (trx) => {
    await sql`update deliveries set next_attempt_at = now() + seq * interval '1 microsecond'
               where status = 'pending'`.execute(trx);
    await sql`select pg_notify('rundun_deliveries', '')`.execute(trx);
  });
  const started = clock();
  // Sustained: the rate between 10% and 90% received. The first tenth includes the ramp (a new
  // origin starts at 4 slots and earns more as its attempts succeed; statements are prepared); the
  // last, the tail of a finite backlog (the last runs' events, one at a time in order).
  const progress: [at: number, received: number][] = [];
  for (let received = 0; received < total; await sleep(20)) {
    received = (await receivers.count()) - before;
    progress.push([clock(), received]);
  }
  const crossing = (share: number) => progress.find(([, received]) => received >= share * total)!;
  const [from, fromCount] = crossing(0.1);
  const [to, toCount] = crossing(0.9);
  const sustained = (toCount - fromCount) / ((to - from) / 1000);
  const average = total / ((progress.at(-1)![0] - started) / 1000);
  await receivers.collect();
  const rawAfter = await measureRawThroughput(port, bodies);
  await receivers.collect();
  const raw = (rawBefore + rawAfter) / 2;
  print(`delivery_throughput${label}`, sustained, 'deliveries/s', raw);
  print(`delivery_drain_average${label}`, average, 'deliveries/s', raw);
  // What autovacuum would do after a backlog of this size, so the next phases start from steady state.
  await sql`vacuum (analyze) deliveries, events, delivery_attempts`.execute(t.database.db);
  return sustained;
}

/**
 * Appends events at `RATE`/s for `WARMUP_S + seconds`, each in its own transaction; returns the commit
 * times, by event id, of the events after the warm-up.
 */
async function steadyLoad(t: TestApp, pick: () => string, seconds: number): Promise<Map<string, number>> {
  const committed = new Map<string, number>();
  const started = clock();
  const measureFrom = started + WARMUP_S * 1000;
  seconds += WARMUP_S;
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  while (clock() - started < seconds * 1000) {
    const due = Math.floor(((clock() - started) / 1000) * RATE) - sent;
    for (let i = 0; i < due; i++, sent++) {
      const write = appendEvent(t.database, pick(), 'step.completed', SAMPLE_BODY_DATA).then((envelope) => {
        const at = clock();
        if (at >= measureFrom) committed.set(envelope.event_id, at);
      });
      inFlight.add(write);
      void write.finally(() => inFlight.delete(write));
    }
    await sleep(2);
  }
  await Promise.all(inFlight);
  return committed;
}

async function latencies(committed: Map<string, number>, receivers: Receivers, among: Set<string>) {
  await sleep(3_000);
  const firstReceipt = new Map<string, number>();
  for (const [id, attempt, at] of await receivers.collect()) if (attempt === 1) firstReceipt.set(id, at);
  const values: number[] = [];
  let missing = 0;
  for (const [id, at] of committed) {
    if (!among.has(id)) continue;
    const receipt = firstReceipt.get(id);
    if (receipt === undefined) missing++;
    else values.push(receipt - at);
  }
  return { values, missing };
}

async function main(): Promise<void> {
  const t = await createTestApp('postgres', {
    credits: 1_000_000,
    config: { rateLimitPerMinute: 1_000_000 },
  });
  const receivers = new Receivers();
  let worker = await startWorkerProcess(t.database.url!);
  try {
    const templateId = await createTemplate(t);
    const ports = await receivers.ask<{ fast: number[]; hanging: number[]; slow: number[] }>({
      type: 'start',
      fast: HEALTHY + 2,
      hanging: 1 + NOISY_TENANT_ORIGINS,
      slow: 10,
    });
    if (CASES.has('throughput') || CASES.has('two-workers')) {
      const one = await benchThroughput(t, templateId, receivers, ports.fast[HEALTHY]!);
      if (CASES.has('two-workers')) {
        const second = await startWorkerProcess(t.database.url!);
        const two = await benchThroughput(t, templateId, receivers, ports.fast[HEALTHY + 1]!, '_two_workers');
        print('delivery_two_workers_vs_one', two, 'deliveries/s', one);
        await second.stop();
      }
    }
    if (CASES.has('latency')) await benchLatency(t, templateId, receivers, ports);
    if (CASES.has('takeover')) {
      await worker.stop();
      await benchTakeover(t, templateId, receivers, ports.slow);
      worker = await startWorkerProcess(t.database.url!);
    }
  } finally {
    await worker.stop();
    receivers.child.disconnect();
    await t.close();
  }
}

async function benchLatency(
  t: TestApp,
  templateId: string,
  receivers: Receivers,
  ports: { fast: number[]; hanging: number[] },
): Promise<void> {
  const healthyRuns: string[] = [];
  for (const port of ports.fast.slice(0, HEALTHY))
    healthyRuns.push(
      ...(await dispatchRuns(t, templateId, `http://127.0.0.1:${port}/hook`, RUNS_PER_HEALTHY)),
    );
  const hangingRuns = await dispatchRuns(
    t,
    templateId,
    `http://127.0.0.1:${ports.hanging[0]!}/hook`,
    HANGING_RUNS,
  );
  const healthyEvents = new Set<string>();
  let h = 0;
  let k = 0;

  const rawSteady = await rawLatency(ports.fast.slice(0, HEALTHY), receivers, { rate: RATE, seconds: 5 });
  const steady = await steadyLoad(t, () => healthyRuns[h++ % healthyRuns.length]!, STEADY_S);
  for (const id of steady.keys()) healthyEvents.add(id);
  const b = await latencies(steady, receivers, healthyEvents);
  const bP99 = percentile(b.values, 99);
  print('delivery_latency_p50', percentile(b.values, 50), 'ms', percentile(rawSteady, 50));
  print('delivery_latency_p99', bP99, 'ms', percentile(rawSteady, 99));
  if (b.missing) process.stderr.write(`(b): ${b.missing} events not received\n`);

  healthyEvents.clear();
  const noisy = await steadyLoad(
    t,
    () =>
      Math.random() < HANGING_SHARE
        ? hangingRuns[k++ % hangingRuns.length]!
        : healthyRuns[h++ % healthyRuns.length]!,
    STEADY_S,
  );
  const hangingSet = new Set(hangingRuns);
  const eventRuns = await t.database.db
    .selectFrom('events')
    .select(['id', 'run_id'])
    .where('id', 'in', [...noisy.keys()])
    .execute();
  for (const e of eventRuns) if (!hangingSet.has(e.run_id)) healthyEvents.add(e.id);
  const c = await latencies(noisy, receivers, healthyEvents);
  print('delivery_noisy_neighbour_healthy_p50', percentile(c.values, 50), 'ms', percentile(b.values, 50));
  print('delivery_noisy_neighbour_healthy_p99', percentile(c.values, 99), 'ms', bP99);
  if (c.missing) process.stderr.write(`(c): ${c.missing} healthy events not received\n`);

  // (c2): (c)'s hanging run is parked (its attempts in flight end at their timeout), then another
  // org's runs on 40 hanging origins take 20% of the events.
  await t.database.db
    .updateTable('deliveries')
    .set({ next_attempt_at: new Date('2999-01-01T00:00:00Z') })
    .where('run_id', 'in', hangingRuns)
    .where('status', '=', 'pending')
    .execute();
  const hostile = await asOrg(t, 'Noisy tenant');
  const hostileTemplate = await createTemplate(hostile);
  const hostileRuns: string[] = [];
  for (const port of ports.hanging.slice(1, 1 + NOISY_TENANT_ORIGINS))
    hostileRuns.push(
      ...(await dispatchRuns(
        hostile,
        hostileTemplate,
        `http://127.0.0.1:${port}/hook`,
        NOISY_TENANT_RUNS_PER_ORIGIN,
      )),
    );
  await sleep(11_000);
  healthyEvents.clear();
  let n = 0;
  const tenant = await steadyLoad(
    t,
    () =>
      Math.random() < HANGING_SHARE
        ? hostileRuns[n++ % hostileRuns.length]!
        : healthyRuns[h++ % healthyRuns.length]!,
    STEADY_S,
  );
  const hostileSet = new Set(hostileRuns);
  const tenantRuns = await t.database.db
    .selectFrom('events')
    .select(['id', 'run_id'])
    .where('id', 'in', [...tenant.keys()])
    .execute();
  for (const e of tenantRuns) if (!hostileSet.has(e.run_id)) healthyEvents.add(e.id);
  const d = await latencies(tenant, receivers, healthyEvents);
  print('delivery_noisy_tenant_healthy_p50', percentile(d.values, 50), 'ms', percentile(b.values, 50));
  print('delivery_noisy_tenant_healthy_p99', percentile(d.values, 99), 'ms', bP99);
  if (d.missing) process.stderr.write(`(c2): ${d.missing} healthy events not received\n`);
}

/** The bench's app seen with a new org's key. */
async function asOrg(t: TestApp, name: string): Promise<TestApp> {
  const org = await createOrg(t.database.db, name, 1_000_000);
  const { key } = await createApiKey(t.database.db, org.id, 'bench');
  return {
    ...t,
    orgId: org.id,
    apiKey: key,
    api: (request) =>
      t.app.inject({ ...request, headers: { authorization: `Bearer ${key}`, ...request.headers } }),
  };
}

await main();
