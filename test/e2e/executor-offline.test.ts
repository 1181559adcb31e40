/**
 * The executor app without a connection (issue 9): reopening a link offline (service worker), the
 * signature step reached offline, a signature started the moment its step appears, what survives a
 * reload, and a whole run on emulated slow 3G (400 ms, 50 KB/s) with the connection dropped and
 * restored twice, checked against what the real webhook receiver got. One Chromium, one server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '@rundun/webhooks';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import sharp from 'sharp';
import { listRunEvents } from '../../src/db/events.js';
import { EVERY_STEP_TEMPLATE } from '../helpers/app.js';
import {
  answerSteps,
  EVERY_STEP_ACTIONS,
  GEO,
  next,
  screenshot,
  waitForAllSaved,
  waitForHeading,
  writePhoto,
} from './executor-pages.js';
import { e2eSkipReason, launchChromium, startReceiver, startServer, WEBHOOK_SECRET } from './harness.js';
import type { E2eServer, Receiver } from './harness.js';

const SIGN_TEMPLATE = {
  name: 'Delivery receipt',
  settings: { allow_skip: false, identity: 'external', geo: 'off' },
  steps: [
    { id: 's-r1', type: 'boolean', label: 'Parcel intact?', required: true },
    {
      id: 's-r2',
      type: 'datetime',
      label: 'Delivered at',
      required: false,
      mode: 'datetime',
    },
    { id: 's-r3', type: 'signature', label: 'Sign here', required: true },
  ],
};
const SIGN_FIRST_TEMPLATE = {
  name: 'Sign first',
  settings: { allow_skip: false, identity: 'anonymous', geo: 'off' },
  steps: [
    { id: 's-f1', type: 'signature', label: 'Sign on arrival', required: true },
    { id: 's-f2', type: 'boolean', label: 'Anything else?', required: true },
  ],
};
/** Chrome DevTools' "Slow 3G" as the issue states it: 400 ms latency, 50 KB/s each way. */
const SLOW_3G = { latency: 400, downloadThroughput: 50 * 1024, uploadThroughput: 50 * 1024 };

interface Envelope {
  event: string;
  event_id: string;
  seq: number;
  run_id: string;
  data: Record<string, unknown>;
}

const skip = e2eSkipReason();
if (skip) console.log(`# skipping the executor offline tests: ${skip}`);

describe('executor app offline and on slow 3G, in Chromium', { skip }, () => {
  let server: E2eServer;
  let receiver: Receiver;
  let browser: Browser;
  let tmp: string;
  let photo: string;
  const templates: Record<string, string> = {};
  const contexts: BrowserContext[] = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-offline-'));
    photo = await writePhoto(tmp);
    [server, receiver, browser] = await Promise.all([
      startServer('pglite'),
      startReceiver(),
      launchChromium(),
    ]);
    for (const [key, template] of Object.entries({
      every: EVERY_STEP_TEMPLATE,
      sign: SIGN_TEMPLATE,
      signFirst: SIGN_FIRST_TEMPLATE,
    })) {
      templates[key] = (await server.api<{ id: string }>('POST', '/v1/templates', template)).id;
    }
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await receiver?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function dispatch(template: string) {
    return server.api<{ run_id: string; link: string }>('POST', '/v1/runs', {
      template_id: templates[template],
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
    });
  }

  async function openContext(options: BrowserContextOptions = {}) {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 }, ...options });
    contexts.push(context);
    await context.grantPermissions(['geolocation'], { origin: server.url });
    await context.setGeolocation(GEO);
    return context;
  }

  async function openPage(context: BrowserContext, options: { cpu?: number } = {}) {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    if (options.cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: options.cpu });
    return { page, cdp };
  }

  /** Resolves once the service worker controls the page (it has cached the app). */
  async function waitForServiceWorker(page: Page) {
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } }).navigator
          .serviceWorker.controller !== null,
    );
  }

  async function stepEvents(runId: string) {
    const envelopes = (await listRunEvents(server.database.db, runId)) as unknown as Envelope[];
    return envelopes.filter((e) => e.event === 'step.completed');
  }

  /** Draws a short zigzag on the signature pad with the mouse. */
  async function drawOnPad(page: Page) {
    const box = (await page.getByRole('img', { name: /signature pad/i }).boundingBox())!;
    await page.mouse.move(box.x + 30, box.y + 100);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + 30 + i * 20, box.y + 100 + (i % 2) * 40);
    await page.mouse.up();
  }

  /** How much of a PNG is ink (dark pixels), read with sharp. */
  async function inkIn(url: string): Promise<number> {
    const png = Buffer.from(await (await fetch(url)).arrayBuffer());
    const { data, info } = await sharp(png).flatten({ background: '#fff' }).greyscale().raw().toBuffer({
      resolveWithObject: true,
    });
    let dark = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i]! < 128) dark += 1;
    return dark;
  }

  it('3: a link opened once opens again offline, shows the saved run, and syncs when back online', async () => {
    const { run_id: runId, link } = await dispatch('sign');
    const context = await openContext();
    const first = await openPage(context);
    await first.page.goto(link);
    await first.page.getByLabel('Your name').fill('Pat Doe');
    await first.page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForHeading(first.page, 'Parcel intact?');
    await waitForServiceWorker(first.page);
    await first.page.getByRole('radio', { name: 'Yes', exact: true }).check();
    await first.page.close();
    await context.setOffline(true);
    const { page } = await openPage(context);
    const response = await page.goto(link);
    assert.equal(response?.status(), 200, 'served by the service worker');
    await waitForHeading(page, 'Parcel intact?');
    await page.getByText('You are offline').waitFor();
    assert.equal(await page.getByRole('radio', { name: 'Yes', exact: true }).isChecked(), true);
    await screenshot(page, 'offline-reopened');
    await next(page);
    await waitForHeading(page, 'Delivered at');
    await screenshot(page, 'offline-datetime');
    const input = (await page.getByLabel('Delivered at').boundingBox())!;
    assert.ok(input.x >= 0 && input.x + input.width <= 360 - 15, 'the date and time field fits at 360 px');
    assert.ok(input.width >= 250, `the date and time field is not squeezed (${input.width} px)`);
    assert.deepEqual(await stepEvents(runId), []);
    await context.setOffline(false);
    await waitForAllSaved(page);
    assert.deepEqual(
      (await stepEvents(runId)).map((e) => e.data.step_id),
      ['s-r1'],
    );
  });

  it('4 and 10: the signature step reached offline works (pad prefetched), and a drawn signature survives a reload', async () => {
    const { run_id: runId, link } = await dispatch('sign');
    // Without the service worker: the run's own prefetch is what must have loaded the pad.
    const context = await openContext({ serviceWorkers: 'block' });
    const { page } = await openPage(context);
    await page.goto(link);
    await page.getByLabel('Your name').fill('Pat Doe');
    await page.reload();
    await waitForHeading(page, 'Delivery receipt');
    assert.equal(await page.getByLabel('Your name').inputValue(), 'Pat Doe', 'the typed name survives');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForHeading(page, 'Parcel intact?');
    await page.waitForLoadState('networkidle');
    await context.setOffline(true);
    await page.getByRole('radio', { name: 'Yes', exact: true }).check();
    await next(page);
    await waitForHeading(page, 'Delivered at');
    await next(page);
    await waitForHeading(page, 'Sign here');
    await drawOnPad(page);
    assert.equal(await page.getByText('not available').count(), 0, 'the pad loaded');
    await page.waitForTimeout(400); // the drawing is stored 300 ms after the last change
    await page.reload({ waitUntil: 'commit' }).catch(() => undefined); // offline: the reload fails
    await context.setOffline(false);
    await page.goto(link);
    await waitForHeading(page, 'Sign here');
    await screenshot(page, 'signature-restored');
    await next(page);
    await waitForHeading(page, 'Review your answers');
    await waitForAllSaved(page);
    const signature = (await stepEvents(runId)).find((e) => e.data.step_id === 's-r3');
    assert.ok(signature, 'the restored signature was sent');
    assert.ok((await inkIn(String(signature.data.answer))) > 50, 'with the strokes drawn before the reload');
  });

  it('4: typing a name signs even when the pad cannot load', async () => {
    const { run_id: runId, link } = await dispatch('sign');
    const context = await openContext({ serviceWorkers: 'block' });
    await context.route(/signature_pad-[^/]*\.js$/, (route) => route.abort('internetdisconnected'));
    const { page } = await openPage(context);
    await page.goto(link);
    await page.getByLabel('Your name').fill('Pat Doe');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForHeading(page, 'Parcel intact?');
    await page.getByRole('radio', { name: 'No', exact: true }).check();
    await next(page);
    await waitForHeading(page, 'Delivered at');
    await next(page);
    await waitForHeading(page, 'Sign here');
    await page.getByText('Drawing is not available').waitFor();
    await page.getByLabel('Or type your full name to sign').fill('Pat Doe');
    await screenshot(page, 'signature-typed-without-pad');
    await next(page);
    await waitForHeading(page, 'Review your answers');
    await waitForAllSaved(page);
    const signature = (await stepEvents(runId)).find((e) => e.data.step_id === 's-r3');
    assert.ok(signature, 'the typed signature was sent');
    assert.ok((await inkIn(String(signature.data.answer))) > 50, 'the PNG shows the name');
  });

  it('5: a signature started the moment its step appears, before the pad is ready, is kept (4× CPU)', async () => {
    const { run_id: runId, link } = await dispatch('signFirst');
    const context = await openContext({ serviceWorkers: 'block' });
    // The pad's code is held back until the stroke is drawn: a slow signal, made certain.
    let release = () => {};
    const drawn = new Promise<void>((resolve) => (release = resolve));
    await context.route(/signature_pad-[^/]*\.js$/, async (route) => {
      await drawn;
      await route.continue();
    });
    const { page } = await openPage(context, { cpu: 4 });
    await page.goto(link);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForHeading(page, 'Sign on arrival');
    await drawOnPad(page);
    await screenshot(page, 'signature-early-stroke');
    release();
    await page.waitForLoadState('networkidle');
    await next(page);
    await waitForHeading(page, 'Anything else?');
    await waitForAllSaved(page);
    const signature = (await stepEvents(runId)).find((e) => e.data.step_id === 's-f1');
    assert.ok(signature, 'the signature was accepted');
    assert.ok((await inkIn(String(signature.data.answer))) > 50, 'the early strokes are in it');
  });

  it('10: Exit says truly what was sent, and the phone’s Back button goes to the previous step', async () => {
    const { link } = await dispatch('sign');
    const context = await openContext({ serviceWorkers: 'block' });
    const { page } = await openPage(context);
    await page.goto(link);
    await page.getByLabel('Your name').fill('Pat Doe');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForHeading(page, 'Parcel intact?');
    await page.getByRole('radio', { name: 'Yes', exact: true }).check();
    await next(page);
    await waitForHeading(page, 'Delivered at');
    await page.goBack();
    await waitForHeading(page, 'Parcel intact?');
    await page.goForward();
    await waitForHeading(page, 'Delivered at');
    await page.getByRole('button', { name: 'Now', exact: true }).click();
    await page.getByRole('button', { name: 'Exit', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Exit this checklist?' });
    await dialog.getByText('is not saved yet').waitFor();
    await screenshot(page, 'exit-unsaved');
    await dialog.getByRole('button', { name: 'Cancel checklist' }).click();
    await waitForHeading(page, 'This checklist was cancelled');
    await page.getByText('“Delivered at”) was not saved with Next').waitFor();
    assert.equal(await page.getByText('were sent').count(), 0);
    await screenshot(page, 'exit-page-truthful');
  });

  it('completes a whole run on slow 3G with the connection dropped twice: the receiver gets every answer and photo once', async () => {
    const { run_id: runId, link } = await dispatch('every');
    const context = await openContext();
    const { page, cdp } = await openPage(context);
    const network = (offline: boolean) =>
      cdp.send('Network.emulateNetworkConditions', { offline, ...SLOW_3G });
    await network(false);
    await page.goto(link);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const photoStep = EVERY_STEP_ACTIONS.findIndex(([type]) => type === 'multi_choice-with-photos');
    await answerSteps(page, photo, { to: photoStep });
    // Drop 1: the photo is taken, its upload starts, the connection goes mid-upload.
    const [, label, act] = EVERY_STEP_ACTIONS[photoStep]!;
    await waitForHeading(page, label);
    await act(page, photo, false);
    await page.getByText(/Uploading \d+%/).waitFor();
    await network(true);
    await next(page);
    await answerSteps(page, photo, { from: photoStep + 1, to: photoStep + 4, offline: true });
    await page.getByRole('status').filter({ hasText: 'waiting for connection' }).waitFor();
    await network(false);
    await answerSteps(page, photo, { from: photoStep + 4, to: photoStep + 6 });
    // Drop 2: the last steps (the signature among them) are given offline.
    await network(true);
    await answerSteps(page, photo, { from: photoStep + 6, offline: true });
    await waitForHeading(page, 'Review your answers');
    await network(false);
    await waitForAllSaved(page);
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await waitForHeading(page, 'Thank you!');
    await receiver.waitFor(() => received(runId).some((e) => e.event === 'run.completed'), 30_000);

    const events = received(runId);
    const steps = events.filter((e) => e.event === 'step.completed').map((e) => e.data.step_id);
    assert.deepEqual(
      [...steps].sort(),
      EVERY_STEP_TEMPLATE.steps.map((s) => s.id).sort(),
      'every step answered once',
    );
    assert.equal(new Set(events.map((e) => e.event_id)).size, events.length, 'no webhook twice');
    const byStep = new Map(
      events.filter((e) => e.event === 'step.completed').map((e) => [e.data.step_id, e]),
    );
    assert.equal((byStep.get('s-dm02')!.data.photos as unknown[]).length, 1);
    assert.equal((byStep.get('s-ph01')!.data.photos as unknown[]).length, 1);
    const completed = events.find((e) => e.event === 'run.completed')!.data as {
      answers: Record<string, { photos?: unknown[] }>;
    };
    assert.deepEqual(Object.keys(completed.answers).sort(), [...steps].sort());
    assert.equal(completed.answers['s-dm02']!.photos!.length, 1);
    assert.equal(completed.answers['s-ph01']!.photos!.length, 1);
    assert.equal(events.length, steps.length + 1);
  });

  /** The verified webhooks the receiver got for a run, in seq order (throws if one does not verify). */
  function received(runId: string): Envelope[] {
    return receiver.received
      .map(
        (request) =>
          verifyWebhook({
            url: receiver.url,
            headers: request.headers,
            body: request.body,
            secret: WEBHOOK_SECRET,
          }) as unknown as Envelope,
      )
      .filter((e) => e.run_id === runId)
      .sort((a, b) => a.seq - b.seq);
  }
});
