/**
 * Parts of bench/delivery.ts: the receiver and worker processes, run dispatch, the backlog, and the raw
 * undici baselines.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { Pool } from 'undici';
import type { Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';
import { buildEnvelope } from '../src/domain/events.js';
import { newId } from '../src/domain/ids.js';
import type { TestApp } from '../test/helpers/app.js';
import { SAMPLE_DATA } from '../test/delivery/helpers/runs.js';
import { TEST_ENCRYPTION_KEY } from '../test/helpers/keyring.js';

const SAMPLE_BODY_DATA = SAMPLE_DATA['step.completed'];

export const clock = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function print(name: string, value: number, unit: string, baseline: number | null) {
  const round = (n: number) => Math.round(n * 100) / 100;
  const ratio = baseline ? Math.round((value / baseline) * 1000) / 1000 : null;
  const line = {
    name,
    value: round(value),
    unit,
    baseline: baseline === null ? null : round(baseline),
    ratio,
  };
  process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The receiver process, asked one thing at a time. */
export class Receivers {
  readonly child: ChildProcess = fork('bench/delivery-receiver.ts', [], {
    execArgv: ['--conditions=development', '--import', 'tsx'],
  });
  ask<T>(message: Record<string, unknown>): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (reply) => resolve(reply as T));
      this.child.send(message);
    });
  }
  count = () => this.ask<{ count: number }>({ type: 'count' }).then((r) => r.count);
  collect = () =>
    this.ask<{ receipts: [string, number, number][] }>({ type: 'collect' }).then((r) => r.receipts);
}

/** A `rundun worker` process of the bench: `stop` as an operator would (SIGTERM), `kill` as a crash does. */
export interface WorkerProcess {
  pid: number;
  stop(): Promise<void>;
  /** kill -9, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * The production worker, `rundun worker` from the build (dist/, as `npm start` runs it), on `databaseUrl`
 * with loopback receivers allowed. Resolves once it has started.
 */
export async function startWorkerProcess(databaseUrl: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'worker', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      RUNDUN_WEBHOOK_ALLOW_INSECURE: 'true',
      // The bench app stores webhook secrets under the tests' key; the worker must decrypt them.
      RUNDUN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`rundun worker exited with ${code}`)));
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.includes('rundun worker started')) resolve();
      // Warnings and errors of the worker (pino levels 40 and up) are worth seeing beside the figures.
      if (/"level":(4|5|6)\d/.test(line)) process.stderr.write(`worker ${child.pid}: ${line}\n`);
    });
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`worker ${child.pid} exited by itself (${code ?? signal})\n`);
      resolve();
    }),
  );
  return {
    pid: child.pid!,
    stop: () => {
      stopping = true;
      child.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      stopping = true;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

export async function dispatchRuns(
  t: TestApp,
  templateId: string,
  url: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await t.api({
      method: 'POST',
      url: '/v1/runs',
      payload: { template_id: templateId, webhook: { url, secret: 'whsec_bench-secret-0123456789' } },
    });
    if (response.statusCode !== 201) throw new Error(`dispatch: ${response.statusCode} ${response.body}`);
    ids.push(response.json<{ run_id: string }>().run_id);
  }
  return ids;
}

/** Writes `perRun` events (and deliveries) per run straight into the tables, not yet due. */
export async function insertBacklog(db: Kysely<DB>, runIds: string[], perRun: number): Promise<void> {
  const notYet = new Date('2999-01-01T00:00:00Z');
  const now = new Date();
  for (let start = 0; start < runIds.length; start += 50) {
    const runs = await db
      .selectFrom('runs')
      .selectAll()
      .where('id', 'in', runIds.slice(start, start + 50))
      .execute();
    const events = [];
    const deliveries = [];
    for (const run of runs) {
      for (let seq = 1; seq <= perRun; seq++) {
        const envelope = buildEnvelope(
          {
            id: run.id,
            templateId: run.template_id,
            templateVersion: run.template_version,
            identity: null,
            executorRef: null,
            livemode: true,
          },
          { id: newId('evt'), type: 'step.completed', seq, at: now, data: SAMPLE_BODY_DATA },
        );
        events.push({
          id: envelope.event_id,
          run_id: run.id,
          seq,
          type: envelope.event,
          envelope: JSON.stringify(envelope),
          created_at: now,
          org_id: run.org_id,
        });
        const url = run.webhook_url!;
        deliveries.push({
          id: newId('whd'),
          event_id: envelope.event_id,
          run_id: run.id,
          seq,
          url,
          origin: new URL(url).origin,
          status: 'pending' as const,
          next_attempt_at: notYet,
          created_at: now,
          updated_at: now,
          org_id: run.org_id,
        });
      }
    }
    await db.insertInto('events').values(events).execute();
    await db.insertInto('deliveries').values(deliveries).execute();
    await db
      .updateTable('runs')
      .set({ event_seq: perRun })
      .where(
        'id',
        'in',
        runs.map((r) => r.id),
      )
      .execute();
  }
}

export async function measureRawThroughput(port: number, bodies: string[]): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  let next = 0;
  const started = clock();
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const response = await pool.request({
        path: '/raw',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.body.dump();
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
  const rate = bodies.length / ((clock() - started) / 1000);
  await pool.close();
  return rate;
}

export async function rawLatency(
  ports: number[],
  receivers: Receivers,
  options: { rate: number; seconds: number },
): Promise<number[]> {
  const { rate: RATE, seconds } = options;
  const pools = ports.map((port) => new Pool(`http://127.0.0.1:${port}`, { connections: 4 }));
  const sentAt = new Map<string, number>();
  const started = clock();
  let sent = 0;
  const requests: Promise<void>[] = [];
  while (clock() - started < seconds * 1000) {
    const due = Math.floor(((clock() - started) / 1000) * RATE) - sent;
    for (let i = 0; i < due; i++, sent++) {
      const id = `raw-${sent}`;
      const body = JSON.stringify({ event_id: id, delivery_attempt: 1, data: SAMPLE_BODY_DATA });
      sentAt.set(id, clock());
      requests.push(
        pools[sent % pools.length]!.request({ path: '/raw', method: 'POST', body }).then((r) =>
          r.body.dump(),
        ),
      );
    }
    await sleep(2);
  }
  await Promise.all(requests);
  await Promise.all(pools.map((pool) => pool.close()));
  const receipts = await receivers.collect();
  return receipts.filter(([id]) => sentAt.has(id)).map(([id, , at]) => at - sentAt.get(id)!);
}
