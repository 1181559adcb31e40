/**
 * The kill -9 case of bench/delivery.ts: two workers share a steady load to slow receivers (each answer
 * takes 100 ms, so each worker has attempts in flight); one is killed with SIGKILL mid-load. Affected
 * are the deliveries the killed worker held leased at that moment and the other events of the same runs
 * not received before the kill (held back by per-run ordering until their predecessor's first attempt
 * ends). The delay of one is from the kill (or its commit, if later) to its last receipt (the
 * survivor's send; a receipt from the killed worker's unrecorded attempt is followed by a resend).
 * Prints p50, p99 and max of those delays.
 */
import { sql } from 'kysely';
import type { TestApp } from '../test/helpers/app.js';
import { appendEvent, SAMPLE_DATA } from '../test/delivery/helpers/runs.js';
import {
  clock,
  dispatchRuns,
  percentile,
  print,
  sleep,
  startWorkerProcess,
  type Receivers,
  type WorkerProcess,
} from './delivery-parts.js';

const RATE = 300;
const BEFORE_KILL_S = 4;
const AFTER_KILL_S = 4;
const RUNS_PER_RECEIVER = 20;
/** Give up waiting for the affected deliveries after this long (the old 30 s lease fits in it twice). */
const WAIT_MAX_MS = 75_000;

export async function benchTakeover(
  t: TestApp,
  templateId: string,
  receivers: Receivers,
  slowPorts: number[],
): Promise<void> {
  const runs: string[] = [];
  for (const port of slowPorts)
    runs.push(...(await dispatchRuns(t, templateId, `http://127.0.0.1:${port}/hook`, RUNS_PER_RECEIVER)));
  const workers = [await startWorkerProcess(t.database.url!), await startWorkerProcess(t.database.url!)];
  let survivor = workers[1]!;
  await receivers.collect();
  const committed = new Map<string, { at: number; runId: string }>();
  const started = clock();
  let sent = 0;
  let killedAt = 0;
  let affected: { event_id: string; run_id: string }[] = [];
  const writes = new Set<Promise<void>>();
  while (clock() - started < (BEFORE_KILL_S + AFTER_KILL_S) * 1000) {
    if (!killedAt && clock() - started >= BEFORE_KILL_S * 1000) {
      // The worker holding more leases is killed (one woken first may take the whole load).
      const leased = (
        await sql<{ event_id: string; run_id: string; locked_by: string }>`
          select event_id, run_id, locked_by from deliveries where locked_by is not null`.execute(
          t.database.db,
        )
      ).rows;
      const held = (w: WorkerProcess) => leased.filter((row) => row.locked_by.includes(`:${w.pid}:`)).length;
      const victim = held(workers[0]!) >= held(workers[1]!) ? workers[0]! : workers[1]!;
      survivor = victim === workers[0] ? workers[1]! : workers[0]!;
      await victim.kill();
      killedAt = clock();
      // Still leased by the dead worker: nothing can take them before their lease ends.
      affected = (
        await sql<{ event_id: string; run_id: string }>`
          select event_id, run_id from deliveries where locked_by like ${`%:${victim.pid}:%`}`.execute(
          t.database.db,
        )
      ).rows;
    }
    const due = Math.floor(((clock() - started) / 1000) * RATE) - sent;
    for (let i = 0; i < due; i++, sent++) {
      const runId = runs[sent % runs.length]!;
      const write = appendEvent(t.database, runId, 'step.completed', SAMPLE_DATA['step.completed']).then(
        (envelope) => void committed.set(envelope.event_id, { at: clock(), runId }),
      );
      writes.add(write);
      void write.finally(() => writes.delete(write));
    }
    await sleep(2);
  }
  await Promise.all(writes);

  // The affected set: the held deliveries, and their runs' other events, held back behind them.
  const heldRuns = new Set(affected.map((a) => a.run_id));
  const watched = new Set(affected.map((a) => a.event_id));
  for (const [id, { runId }] of committed) if (heldRuns.has(runId)) watched.add(id);
  // Delay from the kill, or from the commit for an event committed after it.
  const from = (id: string) => Math.max(killedAt, committed.get(id)?.at ?? killedAt);
  const lastReceipt = new Map<string, number>();
  const waitUntil = clock() + WAIT_MAX_MS;
  for (;;) {
    for (const [id, , at] of await receivers.collect()) if (watched.has(id)) lastReceipt.set(id, at);
    const { rows } = await sql<{ open: number }>`
      select count(*)::int as open from deliveries
       where event_id = any(${[...watched]}::text[]) and status = 'pending'`.execute(t.database.db);
    if (rows[0]!.open === 0 || clock() > waitUntil) break;
    await sleep(250);
  }
  await sleep(300);
  for (const [id, , at] of await receivers.collect()) if (watched.has(id)) lastReceipt.set(id, at);
  await survivor.stop();
  // An event of those runs last received before the kill was not held up by it.
  const delays = [...watched]
    .map((id) => (lastReceipt.get(id) ?? Number.NaN) - from(id))
    .filter((delay) => !(delay < 0));
  const missing = delays.filter(Number.isNaN).length;
  const received = delays.filter((d) => !Number.isNaN(d));
  process.stderr.write(
    `takeover: ${affected.length} leased by the killed worker, ${delays.length} affected, ${missing} not received\n`,
  );
  print('delivery_takeover_affected_p50', percentile(received, 50), 'ms', null);
  print('delivery_takeover_affected_p99', percentile(received, 99), 'ms', null);
  print('delivery_takeover_affected_max', Math.max(...received), 'ms', null);
}
