/**
 * `npm run bench:executor`: how heavy and how fast the executor app is on a phone-like CPU.
 *
 * The built app (web/executor/dist, `npm run build:web`) is served by the real server for a real run;
 * Chromium loads /r/:run_id at 360×640 with the CPU slowed 4× (CDP Emulation.setCPUThrottlingRate), a
 * fresh browser context (cold cache) per sample. Beside it, in the same run and the same way, the
 * baseline: a bare static HTML page of the same purpose (bench/executor-baseline.html: the start card
 * and one step, inline CSS and script), served compressed like the app.
 *
 *  - executor_first_load_bytes: HTML + JS + CSS transferred (CDP Network.loadingFinished
 *    encodedDataLength of Document, Script and Stylesheet requests; the /x API call is not counted).
 *  - executor_time_to_interactive_ms: from navigation start (performance.timeOrigin) until the frame in
 *    which a visible, enabled Start button is first painted, observed in the page (a MutationObserver
 *    and requestAnimationFrame, injected before any page script), median of SAMPLES.
 *  - executor_start_to_first_step_ms: from the tap on Start until the frame in which the first step's
 *    control (the input labelled "Odometer reading") is painted, enabled (the app starts the run on the
 *    server first; the baseline only swaps sections).
 *  - executor_repeat_visit_ms / _bytes: the same link opened again in the same browser once the
 *    service worker has the app (the run started, so the first step shows): navigation start → the
 *    frame in which the first step's control is painted, and the HTML + JS + CSS bytes that still came
 *    over the network (responses served by the service worker are not counted). The baseline is the
 *    bare page opened again (revalidated from the HTTP cache).
 *  - executor_offline_open_ms: the same, with the browser offline: the service worker's page and the
 *    run as this phone saved it. The bare page cannot open offline, so it has no baseline.
 * Targets: 80 KB and 1.5 s. Prints `BENCH {…}` lines; never fails on a figure.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_EXECUTOR_DIST } from '../src/http/routes/executor-app.js';
import { e2eSkipReason, launchChromium, startServer, type E2eServer } from '../test/e2e/harness.js';
import { EVERY_STEP_TEMPLATE } from '../test/helpers/app.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 7);
const CPU_SLOWDOWN = 4;
const COUNTED_TYPES = new Set(['Document', 'Script', 'Stylesheet']);

interface Sample {
  bytes: number;
  interactiveMs: number;
  firstStepMs: number;
  repeatMs: number;
  repeatBytes: number;
  offlineMs: number;
}

/** Opens `url` in a new page of `context` (CPU slowed), counting HTML/JS/CSS bytes from the network. */
async function openMeasured(context: BrowserContext, url: string) {
  const page = await context.newPage();
  await page.addInitScript(OBSERVER_SCRIPT);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  const types = new Map<string, string>();
  const counter = { bytes: 0 };
  cdp.on('Network.responseReceived', (event) => {
    if (!event.response.fromServiceWorker) types.set(event.requestId, event.type ?? '');
  });
  cdp.on('Network.loadingFinished', (event) => {
    if (COUNTED_TYPES.has(types.get(event.requestId) ?? '')) counter.bytes += event.encodedDataLength;
  });
  await page.goto(url, { waitUntil: 'commit' }).catch(() => undefined);
  return { page, counter };
}

/** Opens the link again: from the service worker (the app) or the HTTP cache (the bare page), then offline. */
async function measureReopen(context: BrowserContext, url: string, offline: boolean) {
  const repeat = await openMeasured(context, url);
  const mark = offline ? 'control' : 'ready';
  const { [mark]: repeatMs } = await waitForMark(repeat.page, mark);
  await repeat.page.waitForLoadState('networkidle');
  await repeat.page.close();
  if (!offline) return { repeatMs: repeatMs!, repeatBytes: repeat.counter.bytes, offlineMs: 0 };
  await context.setOffline(true);
  const away = await openMeasured(context, url);
  const { control: offlineMs } = await waitForMark(away.page, 'control');
  await away.page.close();
  return { repeatMs: repeatMs!, repeatBytes: repeat.counter.bytes, offlineMs: offlineMs! };
}

async function startBaselineServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const html = fs.readFileSync(path.resolve('bench/executor-baseline.html'));
  const brotli = zlib.brotliCompressSync(html);
  const server = http.createServer((request, response) => {
    const br = /\bbr\b/.test(String(request.headers['accept-encoding']));
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      ...(br ? { 'content-encoding': 'br' } : {}),
    });
    response.end(br ? brotli : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs in the page before its own scripts; a string so no transpiler helpers leak into it. */
const OBSERVER_SCRIPT = `(() => {
  const marks = (window.__bench = { ready: null, tap: null, step: null, control: null });
  const visible = (el) => el && !el.disabled && el.getClientRects().length > 0;
  const startButton = () => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Start');
  const stepControl = () => [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === 'Odometer reading')?.control;
  const check = () => {
    if (marks.ready === null && visible(startButton())) { marks.ready = -1; requestAnimationFrame(() => (marks.ready = performance.now())); }
    if (marks.tap !== null && marks.step === null && visible(stepControl())) { marks.step = -1; requestAnimationFrame(() => (marks.step = performance.now())); }
    if (marks.control === null && visible(stepControl())) { marks.control = -1; requestAnimationFrame(() => (marks.control = performance.now())); }
  };
  document.addEventListener('click', (event) => { if (event.target.closest('button')?.textContent.trim() === 'Start' && marks.tap === null) marks.tap = performance.now(); }, true);
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener('DOMContentLoaded', check);
})();`;

interface Marks {
  ready: number | null;
  tap: number | null;
  step: number | null;
  control: number | null;
}

const readMarks = (page: Page) => page.evaluate<Marks>('window.__bench');

async function waitForMark(page: Page, key: keyof Marks): Promise<Marks> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const marks = await readMarks(page);
    if ((marks[key] ?? -1) > 0) return marks;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`bench: ${key} never happened`);
}

async function measureOnce(browser: Browser, url: string, app: boolean): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const { page, counter } = await openMeasured(context, url);
  const { ready } = await waitForMark(page, 'ready');
  await page.getByRole('button', { name: 'Start' }).click();
  const { tap, step } = await waitForMark(page, 'step');
  await page.waitForLoadState('networkidle');
  // The app: wait until its service worker has the files and controls the page.
  if (app) {
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } }).navigator
          .serviceWorker.controller !== null,
    );
  }
  await page.close();
  const reopen = await measureReopen(context, url, app);
  await context.close();
  return { bytes: counter.bytes, interactiveMs: ready!, firstStepMs: step! - tap!, ...reopen };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(browser: Browser, nextUrl: () => Promise<string>, app: boolean) {
  const samples: Sample[] = [];
  await measureOnce(browser, await nextUrl(), app); // warm the server and the browser
  for (let i = 0; i < SAMPLES; i++) samples.push(await measureOnce(browser, await nextUrl(), app));
  const of = (key: keyof Sample) => median(samples.map((s) => s[key]));
  return {
    bytes: of('bytes'),
    interactiveMs: of('interactiveMs'),
    firstStepMs: of('firstStepMs'),
    repeatMs: of('repeatMs'),
    repeatBytes: of('repeatBytes'),
    offlineMs: of('offlineMs'),
  };
}

function print(name: string, value: number, unit: string, baseline: number | null, target?: number) {
  const line = {
    name,
    value: Math.round(value * 10) / 10,
    unit,
    ...(baseline === null
      ? {}
      : { baseline: Math.round(baseline * 10) / 10, ratio: Math.round((value / baseline) * 100) / 100 }),
    ...(target !== undefined ? { target } : {}),
    cpu_slowdown: CPU_SLOWDOWN,
    samples: SAMPLES,
  };
  process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
}

async function dispatchRun(server: E2eServer, templateId: string): Promise<string> {
  return (await server.api<{ link: string }>('POST', '/v1/runs', { template_id: templateId })).link;
}

const skip = e2eSkipReason();
if (skip) {
  process.stderr.write(`bench:executor cannot run: ${skip}\n`);
  process.exit(1);
}
process.stderr.write(
  `measuring ${DEFAULT_EXECUTOR_DIST} (${SAMPLES} samples each, CPU ${CPU_SLOWDOWN}× slower)\n`,
);
const [server, baseline, browser] = await Promise.all([
  startServer('pglite', { worker: false }),
  startBaselineServer(),
  launchChromium(),
]);
try {
  const { id } = await server.api<{ id: string }>('POST', '/v1/templates', EVERY_STEP_TEMPLATE);
  const app = await measure(browser, () => dispatchRun(server, id), true);
  const bare = await measure(browser, () => Promise.resolve(baseline.url), false);
  print('executor_first_load_bytes', app.bytes, 'bytes', bare.bytes, 80 * 1024);
  print('executor_time_to_interactive_ms', app.interactiveMs, 'ms', bare.interactiveMs, 1500);
  print('executor_start_to_first_step_ms', app.firstStepMs, 'ms', bare.firstStepMs);
  print('executor_repeat_visit_ms', app.repeatMs, 'ms', bare.repeatMs);
  print('executor_repeat_visit_bytes', app.repeatBytes, 'bytes', bare.repeatBytes);
  print('executor_offline_open_ms', app.offlineMs, 'ms', null);
} finally {
  await browser.close();
  await baseline.close();
  await server.close();
}
