/**
 * Failure tests that need several processes on one PostgreSQL (skipped without TEST_DATABASE_URL):
 * a worker killed mid-attempt, two workers sharing the queue, and the database cutting the worker's
 * connections under load.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, it } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from '../../src/db/schema.js';
import type { Worker } from '../../src/delivery/worker.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver, type ReceivedRequest, type TestReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

const skip = process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)';

interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  id: string;
  output: () => string;
}

async function spawnWorker(databaseUrl: string, options: Record<string, unknown>): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      'test/delivery/helpers/worker-process.ts',
      databaseUrl,
      JSON.stringify(options),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  // A generous bound, for a failing start only: at load 19 on CI a start took over 20 s. A worker
  // that did not start is killed, or it would keep this file's process, and CI, waiting for ever.
  const deadline = Date.now() + 120_000;
  while (!/ready (\S+)/.test(stdout)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`worker process did not start: ${stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, id: /ready (\S+)/.exec(stdout)![1]!, output: () => stdout };
}

async function stopWorker(worker: WorkerProcess): Promise<number> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return 0;
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGTERM');
  await exited;
  return Number(/attempts (\d+)/.exec(worker.output())?.[1] ?? 0);
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function unfinishedDeliveries(t: TestApp): Promise<number> {
  const row = await t.database.db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '!=', 'succeeded')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every (event_id, delivery_attempt) the receivers saw, with how often. */
function receiptCounts(receivers: TestReceiver[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of receivers.flatMap((r) => r.received)) {
    const key = `${String(request.json.event_id)}#${String(request.json.delivery_attempt)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('delivery under failures (postgres)', { skip }, () => {
  it('delivers an event after the worker sending it is killed mid-attempt, once its short lease ends, and logs both sends', async () => {
    const t = await createTestApp('postgres');
    const receiver = await startReceiver();
    receiver.respond = () => (receiver.received.length === 1 ? { hang: true } : { status: 200 });
    const leaseMs = 3_000;
    let doomed: WorkerProcess | undefined;
    let survivor: Worker | undefined;
    try {
      doomed = await spawnWorker(t.database.url!, { leaseMs, timeoutMs: 2_500 });
      const templateId = await createTemplate(t);
      const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
      const envelope = await appendEvent(t.database, runId, 'run.completed', SAMPLE_DATA['run.completed']);
      await receiver.waitFor((r) => r.length === 1);
      const held = await t.database.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
      assert.ok(held.locked_by?.startsWith(`${doomed.id}/`), 'locked under a claim token of the worker');
      assert.equal(held.attempt_count, 0);
      doomed.child.kill('SIGKILL');
      survivor = startTestWorker(t.database, t.config, { leaseMs, timeoutMs: 2_500 });
      await receiver.waitFor((r) => r.length === 2, 10_000);
      const [lost, delivered] = receiver.received as [ReceivedRequest, ReceivedRequest];
      assert.equal(delivered.json.event_id, envelope.event_id);
      assert.equal(
        delivered.json.delivery_attempt,
        1,
        'the killed attempt never finished, so it is sent again as 1',
      );
      // Renewed until the kill (every leaseMs / 4), so free again within a lease of it.
      assert.ok(
        delivered.receivedAt - lost.receivedAt >= leaseMs * 0.75 - 200,
        'retaken only after the lease',
      );
      await waitUntil(async () => (await unfinishedDeliveries(t)) === 0, 5_000, 'succeeded');
      const attempts = await t.database.db
        .selectFrom('delivery_attempts')
        .selectAll()
        .orderBy('id')
        .execute();
      assert.deepEqual(
        attempts.map((a) => [a.attempt, a.succeeded, a.lease_lost]),
        [
          [1, false, true],
          [1, true, false],
        ],
        'the receiver saw two sends, and so does the log: the interrupted one marked lease_lost',
      );
      assert.match(attempts[0]!.error!, new RegExp(`^interrupted: ${doomed.id}/\\d+ held this delivery`));
    } finally {
      doomed?.child.kill('SIGKILL');
      await survivor?.stop();
      await receiver.close();
      await t.close();
    }
  });

  it('never has two worker processes send the same attempt', async () => {
    const t = await createTestApp('postgres');
    const receivers: TestReceiver[] = [];
    for (let i = 0; i < 4; i++) {
      const receiver = await startReceiver();
      // Each event's first attempt fails once in five, so retries are shared out too.
      receiver.respond = (request) =>
        request.json.delivery_attempt === 1 && Number(request.json.seq) % 5 === 0
          ? { status: 503 }
          : { status: 200 };
      receivers.push(receiver);
    }
    const workers: WorkerProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) workers.push(await spawnWorker(t.database.url!, {}));
      const templateId = await createTemplate(t);
      let events = 0;
      for (let run = 0; run < 60; run++) {
        const receiver = receivers[run % receivers.length]!;
        const runId = await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` });
        for (let seq = 1; seq <= 5; seq++) {
          await appendEvent(t.database, runId, 'step.completed', SAMPLE_DATA['step.completed']);
          events++;
        }
      }
      await waitUntil(async () => (await unfinishedDeliveries(t)) === 0, 40_000, 'all delivered');
      const counts = receiptCounts(receivers);
      const duplicates = [...counts].filter(([, n]) => n !== 1);
      assert.deepEqual(duplicates, [], 'each (event_id, delivery_attempt) received exactly once');
      const eventIds = new Set(receivers.flatMap((r) => r.received.map((x) => x.json.event_id)));
      assert.equal(eventIds.size, events);
      assert.equal(counts.size, events + events / 5, 'every fifth event needed a second attempt');
      const [a, b] = [await stopWorker(workers[0]!), await stopWorker(workers[1]!)];
      assert.ok(a > 0 && b > 0, `both workers sent (${a} and ${b})`);
      assert.equal(a + b, counts.size);
    } finally {
      for (const worker of workers) await stopWorker(worker);
      for (const receiver of receivers) await receiver.close();
      await t.close();
    }
  });

  it("recovers when the database terminates the worker's connections under load, losing nothing", async () => {
    const t = await createTestApp('postgres');
    const receiver = await startReceiver();
    // Polling is slow here, so prompt delivery after the outage shows LISTEN was re-established.
    const worker = await spawnWorker(t.database.url!, {
      leaseMs: 4_000,
      pollIntervalMs: 10_000,
      heartbeatMs: 300,
    }).catch(async (error: unknown) => {
      await receiver.close();
      await t.close();
      throw error;
    });
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    // The test writes events through its own pool whose clients survive being cut mid-transaction.
    const pool = new pg.Pool({ connectionString: t.database.url, max: 4 });
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const producer = { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }) };
    const databaseName = new URL(t.database.url!).pathname.slice(1);
    const alive = () => worker.child.exitCode === null && worker.child.signalCode === null;
    try {
      const templateId = await createTemplate(t);
      const runs: string[] = [];
      for (let i = 0; i < 20; i++)
        runs.push(await dispatchRun(t, templateId, { url: `${receiver.origin}/hook` }));
      // Connections are cut every 400 ms while events are written, until enough were written across
      // several cuts (counted, not timed: the machine may be slow).
      let terminated = 0;
      let rounds = 0;
      let committed = 0;
      let writing = true;
      const killer = (async () => {
        while (writing) {
          await new Promise((resolve) => setTimeout(resolve, 400));
          const { rowCount } = await admin.query(
            'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
            [databaseName],
          );
          terminated += rowCount ?? 0;
          rounds++;
        }
      })();
      for (let i = 0; (committed < 60 || rounds < 5) && i < 5_000; i++) {
        // A cut connection leaves the event committed or not; the database says which.
        await appendEvent(producer, runs[i % runs.length]!, 'step.completed', SAMPLE_DATA['step.completed'])
          .then(() => committed++)
          .catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      writing = false;
      await killer;
      assert.ok(terminated > 0 && committed >= 60, `${committed} events committed across ${rounds} cuts`);
      assert.ok(alive(), `the worker process died: ${worker.output()}`);
      await waitUntil(
        async () => (await unfinishedDeliveries(t).catch(() => 1)) === 0,
        60_000,
        'all delivered',
      );
      const written = await t.database.db.selectFrom('deliveries').select('event_id').execute();
      assert.ok(written.length >= committed, `${written.length} events written under load`);
      const received = new Set(receiver.received.map((r) => r.json.event_id));
      assert.deepEqual(
        written.filter((d) => !received.has(d.event_id)),
        [],
        'every committed event was delivered',
      );
      assert.deepEqual(
        [...receiptCounts([receiver])].filter(([, n]) => n !== 1),
        [],
      );

      // Wait past a heartbeat, then a new event must arrive well before the 10 s poll.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const before = receiver.received.length;
      const sent = Date.now();
      await appendEvent(producer, runs[0]!, 'run.completed', SAMPLE_DATA['run.completed']);
      await receiver.waitFor((r) => r.length === before + 1, 10_000);
      assert.ok(Date.now() - sent < 5_000, `woken by NOTIFY after the outage (${Date.now() - sent} ms)`);
      assert.ok(alive(), 'the worker process is still running');
    } finally {
      await producer.db.destroy();
      await admin.end();
      if (alive()) await stopWorker(worker);
      await receiver.close();
      await t.close();
    }
  });
});
