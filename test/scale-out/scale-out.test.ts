/**
 * Scale-out with real processes (PostgreSQL only; skipped with a message without TEST_DATABASE_URL):
 * two `rundun serve --no-worker` and two `rundun worker` processes on one PostgreSQL database and one
 * S3 server (s3rver), a real HTTP receiver. Runs are dispatched through one API process and answered,
 * with photos, through the other; both serve every run and every media URL; every event reaches the
 * receiver exactly once. Then one worker is killed with SIGKILL while it holds deliveries: nothing is
 * lost, and a delivery is received twice only when its first send's lease was lost and the attempt log
 * says so. The processes run from the sources (tsx), as `npm run rundun` does, so no build is needed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import { startReceiver, type TestReceiver } from '../delivery/helpers/receiver.js';
import { makeJpeg } from '../executor/helpers.js';
import { RUNDUN_COMMAND } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

const skip = process.env.TEST_DATABASE_URL
  ? false
  : 'needs PostgreSQL: set TEST_DATABASE_URL=postgres://… (CI does); PGlite is one process only';

/** What this test runs: the deployment section of docs/operations.md may name only these. */
const COMMANDS = {
  api: ['serve', '--no-worker', '--port', '0'],
  worker: ['worker', '--port', '0'],
  migrate: ['migrate'],
};
const CHECKED_PATHS = ['/readyz', '/healthz', '/metrics'];
const PUBLIC_URL = 'http://rundun.example.test';
const METRICS_TOKEN = 'scale-out-metrics-token-0123';

interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

async function startRundun(
  name: string,
  args: string[],
  env: Record<string, string>,
  portOf: (line: Record<string, unknown>) => number | undefined,
): Promise<Proc> {
  const child = spawn(process.execPath, [...RUNDUN_COMMAND, ...args], {
    env: {
      ...process.env,
      ...env,
      RUNDUN_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), `rundun-${name}-`)),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const port = logLines(output)
      .map(portOf)
      .find((p) => p !== undefined);
    if (port) return { name, child, port, base: `http://127.0.0.1:${port}`, output: () => output, exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL'); // left running, it would keep this file's process, and CI, waiting for ever
      throw new Error(`${name} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const apiPort = (line: Record<string, unknown>) => {
  const match = /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/.exec(String(line.msg));
  return match ? Number(match[1]) : undefined;
};
const workerPort = (line: Record<string, unknown>) =>
  line.msg === 'rundun worker started' ? Number(line.port) : undefined;

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, `${response.url}: ${text}`);
  return JSON.parse(text) as T;
}

/** A signed media URL (minted for the public URL) asked of one process, as a load balancer would. */
const through = (proc: Proc, url: string) => url.replace(PUBLIC_URL, proc.base);

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('docs/operations.md, Deployment', () => {
  it('names only the commands and checks the scale-out test runs', () => {
    const markdown = fs.readFileSync('docs/operations.md', 'utf8');
    const section = markdown.slice(markdown.indexOf('## Deployment'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split('\n');
    const ran = Object.values(COMMANDS).map((args) => args.join(' '));
    for (const line of block) {
      if (line.startsWith('rundun ')) {
        const args = line.slice('rundun '.length).replace(/--port \d+/, '--port 0');
        assert.ok(ran.includes(args), `"${line}" is run by the scale-out test`);
      } else {
        const url = /^curl -fsS (?:-H "[^"]+" )?(\S+)$/.exec(line)?.[1];
        assert.ok(url && CHECKED_PATHS.includes(new URL(url).pathname), `"${line}" is checked by it`);
      }
    }
    assert.equal(block.filter((line) => line.startsWith('rundun ')).length, 3);
  });
});

describe('scale-out: two API and two worker processes on PostgreSQL and S3', { skip }, () => {
  it('serves, answers and delivers through any process, and loses nothing when a worker is killed', async (t) => {
    const began = Date.now();
    const mark = (what: string) => t.diagnostic(`${what}: ${((Date.now() - began) / 1000).toFixed(1)} s`);
    const procs: Proc[] = [];
    let database: TestDatabase | undefined;
    let s3: TestS3Server | undefined;
    let receiver: TestReceiver | undefined;
    try {
      database = await createTestDatabase('postgres');
      s3 = await startS3Server();
      receiver = await startReceiver();
      receiver.respond = (request) => ({ status: 200, delayMs: request.path === '/slow' ? 300 : 0 });
      const org = await createOrg(database.db, 'Scale-out org', 1_000);
      const { key } = await createApiKey(database.db, org.id, 'scale-out');
      const env = {
        ...s3.env('scale-out/'),
        DATABASE_URL: database.url!,
        RUNDUN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
        RUNDUN_WEBHOOK_ALLOW_INSECURE: 'true',
        RUNDUN_METRICS_TOKEN: METRICS_TOKEN,
        PUBLIC_URL,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      };
      // The deployment section of docs/operations.md: these commands, in this order.
      const [apiA, apiB, worker1, worker2] = await Promise.all([
        startRundun('api-a', COMMANDS.api, env, apiPort),
        startRundun('api-b', COMMANDS.api, env, apiPort),
        startRundun('worker-1', COMMANDS.worker, env, workerPort),
        startRundun('worker-2', COMMANDS.worker, env, workerPort),
      ]);
      procs.push(apiA, apiB, worker1, worker2);
      mark('four processes ready');
      const apis = [apiA, apiB];
      const workers = [worker1, worker2];
      for (const api of apis) {
        await json(await fetch(`${api.base}/readyz`), 200);
        await json(await fetch(`${api.base}/healthz`), 200);
      }
      for (const worker of workers) {
        const health = await json<{ status: string }>(await fetch(`${worker.base}/healthz`), 200);
        assert.equal(health.status, 'ok');
      }

      const v1 = (api: Proc, method: string, url: string, body?: unknown) =>
        fetch(`${api.base}${url}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const x = (api: Proc, method: string, url: string, body?: unknown) =>
        fetch(`${api.base}/x/runs${url}`, {
          method,
          headers: body ? { 'content-type': 'application/json' } : {},
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const template = await json<{ id: string }>(
        await v1(apiA, 'POST', '/v1/templates', {
          name: 'Scale-out check',
          steps: [
            { id: 's-ph', type: 'photo', label: 'Photo', required: true },
            { id: 's-ok', type: 'boolean', label: 'All fine?', required: true },
          ],
        }),
        201,
      );
      const dispatch = async (hook: string) =>
        (
          await json<{ run_id: string }>(
            await v1(apiA, 'POST', '/v1/runs', {
              template_id: template.id,
              webhook: { url: `${receiver!.origin}${hook}`, secret: 'whsec_scale-out-0123456789' },
            }),
            201,
          )
        ).run_id;

      // 1. Dispatched on A; started, photographed, answered and submitted on B.
      const photo = await makeJpeg(320, 240);
      const runs = await Promise.all([1, 2, 3, 4].map(() => dispatch('/hook')));
      const uploaded = new Map<string, string[]>();
      for (const runId of runs) {
        await json(await x(apiB, 'POST', `/${runId}/start`, {}), 200);
        const media = await json<{ media_id: string; url: string; thumbnail_url: string }>(
          await fetch(`${apiB.base}/x/runs/${runId}/steps/s-ph/media`, {
            method: 'POST',
            headers: { 'content-type': 'image/jpeg' },
            body: photo,
          }),
          201,
        );
        uploaded.set(runId, [media.url, media.thumbnail_url]);
        await json(
          await x(apiB, 'PUT', `/${runId}/steps/s-ph`, { answer: null, media_ids: [media.media_id] }),
          200,
        );
        await json(await x(apiB, 'PUT', `/${runId}/steps/s-ok`, { answer: true }), 200);
        await json(await x(apiB, 'POST', `/${runId}/submit`, {}), 200);
      }
      const events = await database.db.selectFrom('events').select(['id', 'run_id', 'type']).execute();
      assert.equal(events.length, runs.length * 3, 'two step.completed and a run.completed per run');
      await receiver.waitFor((received) => received.length >= events.length, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const firstCounts = new Map<string, number>();
      for (const r of receiver.received) {
        const id = String(r.json.event_id);
        firstCounts.set(id, (firstCounts.get(id) ?? 0) + 1);
      }
      assert.deepEqual(
        events.map((e) => [e.id, firstCounts.get(e.id) ?? 0]),
        events.map((e) => [e.id, 1]),
        'every event delivered exactly once',
      );

      mark('phase 1 delivered');
      // Every run and every media URL, through both API processes.
      const fetched = new Map<string, Buffer>();
      for (const runId of runs) {
        const views = await Promise.all(
          apis.map(async (api) =>
            json<Record<string, unknown>>(await v1(api, 'GET', `/v1/runs/${runId}`), 200),
          ),
        );
        const urls = (view: Record<string, unknown>) =>
          [...JSON.stringify(view).matchAll(/"(http:\/\/rundun\.example\.test\/media\/[^"]+)"/g)].map(
            (m) => m[1]!,
          );
        assert.equal(views[0]!.status, 'completed');
        assert.equal(views[1]!.status, 'completed');
        assert.ok(urls(views[0]!).length > 0 && urls(views[1]!).length > 0, 'each links the photo');
        const mediaUrls = [...new Set([...urls(views[0]!), ...urls(views[1]!), ...uploaded.get(runId)!])];
        const completed = receiver.received.find(
          (r) => r.json.event === 'run.completed' && r.json.run_id === runId,
        );
        assert.ok(completed, 'run.completed received');
        const webhookUrls = urls(completed.json);
        assert.ok(webhookUrls.length >= 1, "run.completed's full-size URL");
        for (const url of [...mediaUrls, ...webhookUrls])
          for (const api of apis) {
            const response = await fetch(through(api, url));
            assert.equal(response.status, 200, `${api.name} serves ${url}`);
            assert.equal(response.headers.get('content-type'), 'image/jpeg');
            const bytes = Buffer.from(await response.arrayBuffer());
            const path = new URL(url).pathname;
            if (fetched.has(path))
              assert.deepEqual(bytes, fetched.get(path), `${path}: same bytes from both`);
            else fetched.set(path, bytes);
          }
      }

      // Each worker's /metrics counts its own attempts; together, every send.
      const scrape = (worker: Proc) =>
        fetch(`${worker.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) =>
          r.text(),
        );
      const sent = (text: string) =>
        metric(text, 'rundun_delivery_attempts_total{result="succeeded",manual="false"}');
      const scraped = await Promise.all(workers.map(scrape));
      assert.equal(sent(scraped[0]!) + sent(scraped[1]!), events.length);
      assert.equal(metric(scraped[0]!, 'rundun_delivery_queue{state="claimable"}'), 0);

      // 2. Load to a slow receiver (300 ms an answer), and one worker killed while it holds deliveries.
      const slowRuns = await Promise.all(Array.from({ length: 24 }, () => dispatch('/slow')));
      await Promise.all(
        slowRuns.map(async (runId) => json(await x(apiB, 'POST', `/${runId}/start`, {}), 200)),
      );
      let answers = 0;
      const answerAll = async (round: number) =>
        Promise.all(
          slowRuns.map(async (runId, i) => {
            const api = apis[(i + round) % 2]!;
            await json(await x(api, 'PUT', `/${runId}/steps/s-ok`, { answer: round % 2 === 0 }), 200);
            answers++;
          }),
        );
      await answerAll(0);
      const [victim, survivor] = workers;
      const pid = victim!.child.pid!;
      await waitUntil(
        async () => {
          const { rows } = await sql<{ n: number }>`
            select count(*)::int as n from deliveries
             where locked_by like ${`%:${pid}:%`} and lease_until > now()`.execute(database!.db);
          return rows[0]!.n > 0;
        },
        20_000,
        'the victim holds deliveries',
      );
      mark('killing a worker');
      victim!.child.kill('SIGKILL');
      await victim!.exited;
      const held = (
        await sql<{ id: string }>`select id from deliveries where locked_by like ${`%:${pid}:%`}`.execute(
          database.db,
        )
      ).rows;
      assert.ok(held.length > 0, 'the killed worker held deliveries');
      for (let round = 1; round <= 4; round++) await answerAll(round);

      const slowEvents = await database.db
        .selectFrom('events')
        .select('id')
        .where('run_id', 'in', slowRuns)
        .execute();
      assert.equal(slowEvents.length, answers, 'a step.completed per answer');
      await waitUntil(
        async () => {
          const { rows } = await sql<{ n: number }>`
            select count(*)::int as n from deliveries where status <> 'succeeded'`.execute(database!.db);
          return rows[0]!.n === 0;
        },
        45_000,
        'every delivery succeeded',
      );
      mark('phase 2 delivered');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const receipts = new Map<string, number>();
      for (const r of receiver.received.filter((r) => r.path === '/slow')) {
        const id = String(r.json.event_id);
        receipts.set(id, (receipts.get(id) ?? 0) + 1);
      }
      const attempts = (
        await sql<{ event_id: string; sends: number; lost: number }>`
          select d.event_id, count(a.id)::int as sends, count(a.id) filter (where a.lease_lost)::int as lost
            from deliveries d join delivery_attempts a on a.delivery_id = d.id
           where d.url = ${`${receiver.origin}/slow`}
           group by d.event_id`.execute(database.db)
      ).rows;
      const logged = new Map(attempts.map((a) => [a.event_id, a]));
      const lost = slowEvents.filter((e) => !receipts.has(e.id));
      assert.deepEqual(lost, [], 'no event lost');
      for (const { id } of slowEvents) {
        const seen = receipts.get(id)!;
        const log = logged.get(id)!;
        assert.ok(log.sends >= seen, `${id}: the log shows ${log.sends} sends, the receiver saw ${seen}`);
        if (seen > 1)
          assert.ok(log.lost > 0, `${id} received ${seen} times: only after a lost lease, logged`);
        if (log.lost === 0) assert.equal(seen, 1, `${id}: exactly once`);
      }
      const retaken = attempts.filter((a) => a.lost > 0).length;
      assert.ok(retaken <= held.length, 'only what the killed worker held was sent again');

      const health = await json<{ status: string; attempts_finished: number }>(
        await fetch(`${survivor!.base}/healthz`),
        200,
      );
      assert.equal(health.status, 'ok');
      assert.ok(health.attempts_finished > 0);
      assert.equal(metric(await scrape(survivor!), 'rundun_delivery_queue{state="leased"}'), 0);

      // An upgrade step while they run: `rundun migrate` against the live database.
      const migrate = spawn(process.execPath, [...RUNDUN_COMMAND, ...COMMANDS.migrate], {
        env: { ...process.env, ...env, RUNDUN_DATA_DIR: os.tmpdir() },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let migrated = '';
      migrate.stdout.on('data', (chunk: Buffer) => (migrated += chunk.toString()));
      assert.equal(await new Promise((resolve) => migrate.once('exit', resolve)), 0);
      assert.match(migrated, /^(Database is up to date\.|Applied \d+: .+)\n$/);

      // SIGTERM: each stops gracefully and says what it did.
      for (const proc of [survivor!, ...apis]) {
        proc.child.kill('SIGTERM');
        assert.equal(await proc.exited, 0, `${proc.name} exits cleanly`);
      }
      const stopped = logLines(survivor!.output()).find((l) => l.msg === 'rundun worker stopped');
      assert.ok(stopped && Number(stopped.attemptsFinished) > 0, 'the worker logs its stop with its counts');
      mark('stopped');
    } finally {
      for (const proc of procs)
        if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await Promise.all(procs.map((proc) => proc.exited));
      await receiver?.close();
      await s3?.close();
      await database?.close();
    }
  });
});
