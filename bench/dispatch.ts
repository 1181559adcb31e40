/**
 * `npm run bench:dispatch`: POST /v1/runs throughput and latency at 50 connections, on PGlite and on
 * PostgreSQL, beside a bare Fastify route doing one INSERT on the same database in the same run.
 * The server runs in a child process so the load generator does not share its event loop.
 * Prints one `BENCH {…}` line per figure. PostgreSQL is skipped when it cannot be reached.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 2;
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

interface Servers {
  apiUrl: string;
  baselineUrl: string;
  apiKey: string;
  templateId: string;
}

function startServers(kind: string): Promise<{ servers: Servers; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', 'bench/dispatch-server.ts', kind],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      resolve({ servers: JSON.parse(line) as Servers, stop: () => child.stdin.end() });
    });
  });
}

async function load(url: string, headers: Record<string, string>, body: string, duration: number) {
  const result = await autocannon({ url, method: 'POST', headers, body, connections: CONNECTIONS, duration });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests of ${result.requests.total}`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

function print(name: string, value: number, unit: string, baseline: number) {
  const line = {
    name,
    value: Math.round(value * 100) / 100,
    unit,
    baseline: Math.round(baseline * 100) / 100,
    ratio: Math.round((value / baseline) * 1000) / 1000,
  };
  process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function benchmark(kind: string): Promise<void> {
  const { servers, stop } = await startServers(kind);
  try {
    const json = { 'content-type': 'application/json' };
    const dispatch = [
      `${servers.apiUrl}/v1/runs`,
      { ...json, authorization: `Bearer ${servers.apiKey}` },
      JSON.stringify({ template_id: servers.templateId, executor_ref: 'bench' }),
    ] as const;
    const baseline = [`${servers.baselineUrl}/baseline`, json, dispatch[2]] as const;
    await load(...baseline, WARMUP_S);
    await load(...dispatch, WARMUP_S);
    const base = await load(...baseline, DURATION_S);
    const api = await load(...dispatch, DURATION_S);
    print(`dispatch_throughput_${kind}`, api.rps, 'req/s', base.rps);
    print(`dispatch_latency_p50_${kind}`, api.p50, 'ms', base.p50);
    print(`dispatch_latency_p99_${kind}`, api.p99, 'ms', base.p99);
  } finally {
    stop();
  }
}

await benchmark('pglite');
if (await postgresReachable()) await benchmark('postgres');
else process.stderr.write('PostgreSQL not reachable: skipped the PostgreSQL figures.\n');
