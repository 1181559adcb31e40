/**
 * `npm run bench:dashboard`: the dashboard with 10,000 runs and 60,000 deliveries in one org, on
 * PostgreSQL (dashboard-seed.ts, set-based SQL).
 *
 * 1. Time to interactive in headless Chromium at 4× CPU (CDP Emulation.setCPUThrottlingRate) of the
 *    Runs list, a run's page and the Deliveries list: from navigation start until the page's rows are
 *    drawn and the main thread answers a task (a frame, then a macrotask). One cold load (empty cache)
 *    and REPEATS warm ones; the figure is the worst of them.
 * 2. The list queries under load (autocannon, CONNECTIONS connections, DURATION_S s): GET /v1/runs,
 *    GET /v1/runs filtered by template and executor_ref prefix, GET /v1/deliveries, each beside a bare
 *    Fastify route running only the indexed SELECT of the same rows on the same database.
 * 3. The PostgreSQL plan of each runs-list filter (which index), on stderr.
 *
 * Prints `BENCH {…}` lines. Needs PostgreSQL (TEST_DATABASE_URL, default the local server) and Chromium.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/e2e/harness.js';

const CPU_SLOWDOWN = 4;
const REPEATS = 4;
const CONNECTIONS = 20;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

interface Server {
  apiUrl: string;
  baselineUrl: string;
  apiKey: string;
  templateId: string;
  databaseUrl: string;
  seedMs: number;
  email: string;
  password: string;
}

function startServer(): Promise<{ server: Server; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', 'bench/dashboard-server.ts'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      resolve({ server: JSON.parse(line) as Server, stop: () => child.stdin.end() });
    });
  });
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
}

/** Navigates and answers ms from navigation start until `ready` is visible and a task runs after it. */
async function timeToInteractive(page: Page, url: string, ready: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator(ready).first().waitFor({ timeout: 20_000 });
  return page.evaluate<number>(
    'new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0)))',
  );
}

/** Where the time of the page's last load went: each resource's start and end, and long tasks. */
async function describeLoad(page: Page): Promise<string> {
  return page.evaluate<string>(`performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
    .map((e) => '  ' + Math.round(e.startTime) + '–' + Math.round(e.responseEnd) + ' ' + e.name.replace(location.origin, ''))
    .join('\\n')`);
}

async function measurePages(server: Server): Promise<void> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.apiUrl}/app/sign-in`);
    await page.getByLabel('Email').fill(server.email);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    const pages = [
      { name: 'runs_list', url: '/app/runs', ready: 'tbody tr a' },
      { name: 'run_page', url: '/app/runs/r-bench-000005', ready: 'table.deliveries tbody tr' },
      { name: 'deliveries_list', url: '/app/deliveries', ready: 'tbody tr' },
    ];
    for (const { name, url, ready } of pages) {
      await cdp.send('Network.clearBrowserCache').catch(() => undefined);
      const times: number[] = [];
      try {
        for (let i = 0; i <= REPEATS; i++)
          times.push(await timeToInteractive(page, server.apiUrl + url, ready));
      } catch (error) {
        process.stderr.write(`${url} never showed ${ready}: skipped (${String(error).split('\n')[0]}).\n`);
        continue;
      }
      process.stderr.write(
        `TIMING ${name} (last load, ms from navigation start):\n${await describeLoad(page)}\n`,
      );
      print({
        name: `dashboard_interactive_${name}`,
        value: Math.round(Math.max(...times)),
        unit: 'ms',
        cold: Math.round(times[0]!),
        warm_median: Math.round([...times.slice(1)].sort((a, b) => a - b)[Math.floor(REPEATS / 2)]!),
        cpu_slowdown: CPU_SLOWDOWN,
        limit: 1000,
      });
    }
  } finally {
    await browser.close();
  }
}

async function load(url: string, headers: Record<string, string>) {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests of ${result.requests.total}`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function measureQueries(server: Server): Promise<void> {
  const auth = { authorization: `Bearer ${server.apiKey}` };
  const lists = [
    { name: 'runs', api: '/v1/runs?limit=50', baseline: '/baseline/runs' },
    {
      name: 'runs_filtered',
      api: `/v1/runs?limit=50&template_id=${server.templateId}&executor_ref_prefix=booking_1`,
      baseline: '/baseline/runs',
    },
    { name: 'deliveries', api: '/v1/deliveries?limit=50', baseline: '/baseline/deliveries' },
  ];
  for (const list of lists) {
    const probe = await fetch(server.apiUrl + list.api, { headers: auth });
    if (!probe.ok) {
      process.stderr.write(`${list.api} answers ${probe.status}: skipped.\n`);
      continue;
    }
    await load(server.baselineUrl + list.baseline, {});
    const base = await load(server.baselineUrl + list.baseline, {});
    const api = await load(server.apiUrl + list.api, auth);
    print({
      name: `dashboard_list_${list.name}_p99`,
      value: api.p99,
      unit: 'ms',
      baseline: base.p99,
      p50: api.p50,
      baseline_p50: base.p50,
      rps: Math.round(api.rps),
      baseline_rps: Math.round(base.rps),
      connections: CONNECTIONS,
    });
  }
}

/** The plan PostgreSQL picks for each filter of the runs list, as listRuns writes it. */
async function printPlans(server: Server): Promise<void> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ org_id: string }>('select org_id from runs limit 1');
    const org = rows[0]!.org_id;
    const base = 'select * from runs where org_id = $1';
    const order = 'order by created_at desc, id desc limit 51';
    const plans: [string, string, unknown[]][] = [
      ['no filter', `${base} ${order}`, [org]],
      ['status', `${base} and status = $2 ${order}`, [org, 'expired']],
      ['template', `${base} and template_id = $2 ${order}`, [org, server.templateId]],
      ['executor_ref prefix', `${base} and executor_ref like $2 ${order}`, [org, 'booking\\_12%']],
      [
        'date range',
        `${base} and created_at >= $2 and created_at < $3 ${order}`,
        [org, new Date(Date.now() - 86_400_000), new Date(Date.now() - 43_200_000)],
      ],
      [
        'next page',
        `${base} and (created_at, id) < ($2, $3) ${order}`,
        [org, new Date(Date.now() - 86_400_000), 'r'],
      ],
    ];
    for (const [name, text, values] of plans) {
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `explain (analyze, costs off) ${text}`,
        values,
      );
      const lines = plan.rows.map((r) => r['QUERY PLAN']);
      process.stderr.write(`PLAN ${name}:\n  ${lines.join('\n  ')}\n`);
    }
  } finally {
    await client.end();
  }
}

const { server, stop } = await startServer();
try {
  print({
    name: 'dashboard_seed',
    value: server.seedMs,
    unit: 'ms',
    runs: 10_000,
    deliveries: 60_000,
    // The figures below mean little when other work holds the CPUs: say how busy the machine was.
    load_average_1m: Math.round(os.loadavg()[0]! * 10) / 10,
    cpus: os.cpus().length,
  });
  await printPlans(server);
  await measurePages(server);
  await measureQueries(server);
} finally {
  stop();
}
