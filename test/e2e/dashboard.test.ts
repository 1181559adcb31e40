/**
 * The dashboard in real headless Chromium against a real server, worker and webhook receiver: the
 * issue's "How it is shown" flow, one browser for the file. Every page visited is screenshotted at
 * 1280×800 (and the main ones on a phone) and checked with axe-core (serious/critical = failure).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_DASHBOARD_DIST } from '../../src/http/routes/dashboard-app.js';
import { EVERY_STEP_TEMPLATE } from '../helpers/app.js';
import {
  assertFitsWidth,
  checkPage,
  DESKTOP,
  nav,
  PHONE,
  signIn,
  SMALL_PHONE,
  waitForImage,
} from './dashboard-pages.js';
import { answerSteps, GEO, waitForHeading, writePhoto } from './executor-pages.js';
import {
  e2eSkipReason,
  launchChromium,
  startReceiver,
  startServer,
  WEBHOOK_SECRET,
  type E2eServer,
  type Receiver,
} from './harness.js';

const skip =
  e2eSkipReason() ??
  (fs.existsSync(path.join(DEFAULT_DASHBOARD_DIST, 'index.html'))
    ? undefined
    : 'the dashboard is not built (npm run build:web)');
if (skip) console.log(`# skipping the dashboard browser tests: ${skip}`);

const OWNER = { email: 'olga@harbour.test', password: 'harbour-owner-pass' };
const MEMBER = { email: 'mike@harbour.test', password: 'harbour-member-pass' };

describe('dashboard in Chromium', { skip }, () => {
  let server: E2eServer;
  let receiver: Receiver;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  let apiKey = '';
  let tmp = '';
  let photo = '';
  let runId = '';

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-dashboard-e2e-'));
    photo = await writePhoto(tmp);
    [server, receiver, browser] = await Promise.all([startServer(), startReceiver(), launchChromium()]);
    owner = await browser.newContext({ viewport: DESKTOP });
    await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await owner.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => errors.push(error.message));
  });
  after(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await browser?.close();
    await server?.close();
    await receiver?.close();
  });

  /** The API as an integrator's backend calls it, with the key the dashboard showed. */
  async function withKey(method: string, path: string, body?: unknown, key = apiKey) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => null)) as Record<string, unknown>,
    };
  }

  it('signs up, lands on API keys, creates a key shown once and uses it with fetch on /v1', async () => {
    await page.goto(`${server.url}/app`);
    await checkPage(page, 'Sign in', 'sign-in');
    await page.getByRole('link', { name: 'Sign up' }).click();
    await checkPage(page, 'Sign up', 'sign-up');
    await page.getByLabel('Organization name').fill('Harbour Cleaning');
    await page.getByLabel('Name', { exact: true }).fill('Olga Owner');
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await checkPage(page, 'API keys', 'api-keys-empty');
    await page.getByLabel('Name').fill('Production backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    const keyField = page.getByLabel('API key');
    await keyField.waitFor();
    apiKey = await keyField.inputValue();
    assert.match(apiKey, /^rdk_live_[A-Za-z0-9]{32}$/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), apiKey);
    await checkPage(page, 'API keys', 'api-keys-created');
    const row = page.getByRole('row').filter({ hasText: 'Production backend' });
    await row.getByText(`rdk_live_…${apiKey.slice(-4)}`).waitFor();

    const org = await withKey('GET', '/v1/org');
    assert.equal(org.status, 200);
    assert.equal(org.body.name, 'Harbour Cleaning');
    const template = await withKey('POST', '/v1/templates', EVERY_STEP_TEMPLATE);
    assert.equal(template.status, 201);
    const mint = await withKey('POST', '/v1/api-keys', { name: 'sneaky' });
    assert.equal(mint.status, 403, 'an API key cannot mint keys');

    await page.reload();
    await checkPage(page, 'API keys', 'api-keys-list');
    await page
      .getByRole('row')
      .filter({ hasText: 'Production backend' })
      .getByText('Never')
      .waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('API key').count(), 0, 'the key is not shown again');
  });

  it('creates a test key whose runs are test runs, listed apart from the live key', async () => {
    await page.getByLabel('Name').fill('Staging backend');
    await page.getByRole('radio', { name: /^Test/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'New test key “Staging backend”' }).waitFor();
    const testKey = await page.getByLabel('API key').inputValue();
    assert.match(testKey, /^rdk_test_[A-Za-z0-9]{32}$/);
    const row = page.getByRole('row').filter({ hasText: 'Staging backend' });
    await row.getByText(`rdk_test_…${testKey.slice(-4)}`).waitFor();
    await row.getByText('Test', { exact: true }).waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'Production backend' })
      .getByText('Live', { exact: true })
      .waitFor();
    await checkPage(page, 'API keys', 'api-keys-test');
    assert.equal(await page.getByRole('radio', { name: /^Live/ }).isChecked(), true, 'the form resets');

    const templates = (await withKey('GET', '/v1/templates', undefined, testKey)).body.data as {
      id: string;
    }[];
    const run = await withKey('POST', '/v1/runs', { template_id: templates[0]!.id }, testKey);
    assert.equal(run.status, 201);
    const document = await withKey('GET', `/v1/runs/${run.body.run_id as string}`, undefined, testKey);
    assert.equal(document.body.livemode, false);
    assert.equal((await withKey('GET', `/v1/runs/${run.body.run_id as string}`)).status, 404);
    assert.equal((await withKey('GET', '/v1/org', undefined, testKey)).status, 200);
  });

  it('shows Templates with a template in the editor, and every Settings page', async () => {
    await nav(page, 'Templates');
    await checkPage(page, 'Templates', 'templates');
    await page.getByRole('link', { name: EVERY_STEP_TEMPLATE.name, exact: true }).click();
    await checkPage(page, EVERY_STEP_TEMPLATE.name, 'template');
    await page.getByRole('button', { name: /Customer signature/ }).waitFor();
    await nav(page, 'Settings');
    await checkPage(page, 'API keys', 'settings');
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Credits' }).click();
    await checkPage(page, 'Credits', 'credits');
    await page.getByText('credits left').waitFor();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Account' }).click();
    await checkPage(page, 'Account', 'account');
  });

  it('invites a member by a one-time link; the member signs in and cannot manage keys', async () => {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members' }).click();
    await checkPage(page, 'Members', 'members');
    await page.getByLabel('Email').fill(MEMBER.email);
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = await page.getByLabel('Invitation link').inputValue();
    assert.match(link, /\/app\/invite\//);
    await checkPage(page, 'Members', 'members-invited');

    const memberContext = await browser.newContext({ viewport: PHONE });
    try {
      const member = await memberContext.newPage();
      await member.goto(link);
      await checkPage(member, 'Join Harbour Cleaning', 'invite');
      await member.getByLabel('Name').fill('Mike Member');
      await member.getByLabel('Password').fill(MEMBER.password);
      await member.getByRole('button', { name: 'Join Harbour Cleaning' }).click();
      await checkPage(member, 'Runs', 'runs-member-phone');
      await member.getByRole('button', { name: 'Sign out' }).click();
      await checkPage(member, 'Sign in', 'signed-out');
      await member.goto(link);
      await member.getByText('already been used').waitFor();

      await signIn(member, server.url, MEMBER.email, MEMBER.password);
      await checkPage(member, 'Runs', 'runs-member');
      await member.goto(`${server.url}/app/settings/api-keys`);
      await checkPage(member, 'API keys', 'api-keys-member');
      await member.getByText('Only owners').waitFor();
      assert.equal(await member.getByRole('button', { name: 'Create key' }).count(), 0);
      const status = await member.evaluate(
        `fetch('/v1/api-keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' }).then((r) => r.status)`,
      );
      assert.equal(status, 403);
    } finally {
      await memberContext.close();
    }
    await page.reload();
    await page.getByRole('cell', { name: MEMBER.email, exact: true }).waitFor();
  });

  it('dispatches by hand: the link with Copy link and a QR code', async () => {
    await nav(page, 'Runs');
    await checkPage(page, 'Runs', 'runs-empty');
    await page.getByRole('link', { name: 'Dispatch run' }).first().click();
    await checkPage(page, 'Dispatch run', 'dispatch');
    await page.getByLabel('Executor ref').fill('booking_42');
    await page.getByLabel('Webhook URL').fill(receiver.url);
    await page.getByLabel('Webhook secret').fill(WEBHOOK_SECRET);
    await page.getByRole('button', { name: 'Dispatch run' }).click();
    const link = await page.getByLabel('Run link', { exact: true }).inputValue();
    assert.match(link, new RegExp(`^${server.url}/r/r-`));
    runId = link.split('/r/')[1]!;
    await page.getByRole('img', { name: 'QR code to open the run on a phone' }).waitFor();
    await page.getByRole('button', { name: 'Copy link' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), link);
    await checkPage(page, 'Dispatch run', 'dispatched');
  });

  it('shows the answers, photo and signature given in the executor app in a second browser context', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 640 } });
    try {
      await phone.grantPermissions(['geolocation'], { origin: server.url });
      await phone.setGeolocation(GEO);
      const executor = await phone.newPage();
      executor.setDefaultTimeout(30_000);
      await executor.goto(`${server.url}/r/${runId}`);
      await executor.getByRole('button', { name: 'Start' }).click();
      await answerSteps(executor, photo);
      await executor.getByRole('button', { name: 'Submit' }).click();
      await waitForHeading(executor, 'Thank you!');
    } finally {
      await phone.close();
    }

    await page.getByRole('link', { name: 'Open the run' }).click();
    await checkPage(page, 'Run “booking_42”', 'run');
    await page.getByText('Completed', { exact: true }).first().waitFor();
    const answer = (label: string) =>
      page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: label }) });
    await answer('Odometer reading').getByText('42150 km').waitFor();
    await answer('Fuel level').getByText('Half', { exact: true }).waitFor();
    await answer('Damage type').getByText('Scratch, Crack').waitFor();
    await answer('Additional notes').getByText('Scratch on rear left door').waitFor();
    await answer('VIN').getByText('VIN1234567890').waitFor();
    await page.getByRole('img', { name: 'Signature: Customer signature' }).waitFor();
    await waitForImage(page, 'img.signature');
    await page
      .getByRole('cell', { name: /51\.507/ })
      .first()
      .waitFor();
    await page.getByRole('img', { name: /Plot of \d+ position/ }).waitFor();

    const thumbnail = page.getByRole('button', { name: 'Open photo 1 of Dashboard photo full size' });
    await waitForImage(page, '.thumb img');
    const small = await thumbnail.locator('img').evaluate((element) => {
      const img = element as unknown as { src: string; naturalWidth: number; naturalHeight: number };
      return { src: img.src, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight };
    });
    assert.match(small.src, /\.thumb\.jpg\?exp=/, 'the gallery loads the thumbnail, not the full image');
    assert.ok(
      small.naturalWidth <= 320 && small.naturalHeight <= 240,
      `${small.naturalWidth}×${small.naturalHeight}`,
    );
    await thumbnail.click();
    const viewer = page.getByRole('dialog', { name: /Dashboard photo: photo 1 of 1/ });
    const full = viewer.getByRole('img', { name: /Dashboard photo/ });
    await full.waitFor();
    await waitForImage(page, 'img.photo-full');
    assert.equal(
      await full.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      1600,
      'full size',
    );
    await checkPage(page, 'Run “booking_42”', 'run-photo');
    await viewer.getByRole('button', { name: 'Close' }).click();
    await viewer.waitFor({ state: 'detached' });

    await page.setViewportSize(SMALL_PHONE);
    await checkPage(page, 'Run “booking_42”', 'run-phone');
    await assertFitsWidth(page, "the run's page on a phone");
    await page.setViewportSize(DESKTOP);
  });

  it("shows the run's deliveries with an attempt's request and response, and replays one", async () => {
    await receiver.waitFor((all) => all.filter((r) => r.body.includes(runId)).length >= 12, 20_000);
    await page.reload();
    await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
    const completed = page.getByRole('row').filter({ hasText: 'run.completed' });
    await completed.getByText('Succeeded').waitFor();
    await completed.getByRole('cell', { name: '200', exact: true }).waitFor();
    await completed.getByRole('button', { name: /^run\.completed seq/ }).click();
    // Usually one attempt; on a loaded machine the first may have timed out and a retry succeeded.
    const attempts = page.getByRole('region', { name: /^Attempt \d+/ });
    await attempts.first().waitFor();
    const sent = await attempts.count();
    const attempt = page.getByRole('region', { name: `Attempt ${sent}`, exact: false });
    await attempt.getByRole('heading', { name: 'Request body' }).waitFor();
    await attempt.getByText('"event": "run.completed"').waitFor();
    await attempt.getByText('signature-input:', { exact: false }).waitFor();
    await attempt.getByRole('heading', { name: 'Response 200' }).waitFor();
    await checkPage(page, 'Run “booking_42”', 'run-deliveries');

    const before = receiver.received.length;
    await completed.getByRole('button', { name: /^Replay run\.completed/ }).click();
    await page.getByRole('status').filter({ hasText: 'Replay of run.completed' }).waitFor();
    await receiver.waitFor((all) => all.length > before);
    const replayed = JSON.parse(receiver.received[receiver.received.length - 1]!.body);
    assert.equal(replayed.event, 'run.completed');
    assert.equal(replayed.delivery_attempt, sent + 1);
    await page.reload();
    await page
      .getByRole('row')
      .filter({ hasText: 'run.completed' })
      .getByRole('button', { name: /^run\.completed seq/ })
      .click();
    await page
      .getByRole('region', { name: `Attempt ${sent + 1}` })
      .getByText('(replay)')
      .waitFor();
  });

  it('filters runs by template, executor_ref prefix and dates, kept in the URL for back and shared links', async () => {
    const templates = (await withKey('GET', '/v1/templates')).body.data as { id: string }[];
    const other = await withKey('POST', '/v1/templates', { ...EVERY_STEP_TEMPLATE, name: 'Key handover' });
    assert.equal(other.status, 201);
    for (const [template, ref] of [
      [other.body.id as string, 'flat_7'],
      [templates[0]!.id, 'booking_43'],
      [other.body.id as string, 'booking_44'],
    ] as const) {
      assert.equal(
        (await withKey('POST', '/v1/runs', { template_id: template, executor_ref: ref })).status,
        201,
      );
    }
    await nav(page, 'Runs');
    await checkPage(page, 'Runs', 'runs');
    const refs = () => page.locator('tbody tr td:nth-child(3)').allInnerTexts();
    await page.getByRole('cell', { name: 'flat_7' }).waitFor();

    await page.getByLabel('Template').selectOption({ label: 'Key handover' });
    await page.waitForURL(/template_id=/);
    await page.getByRole('cell', { name: 'booking_42' }).waitFor({ state: 'detached' });
    assert.deepEqual(await refs(), ['booking_44', 'flat_7']);
    await page.getByLabel('Executor ref').fill('booking');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: 'flat_7' }).waitFor({ state: 'detached' });
    assert.deepEqual(await refs(), ['booking_44']);
    await checkPage(page, 'Runs', 'runs-filtered');
    const shared = page.url();
    assert.match(shared, /ref=booking/);

    await page.goBack();
    await page.getByRole('cell', { name: 'flat_7' }).waitFor();
    assert.equal(await page.getByLabel('Executor ref').inputValue(), '');
    await page.goBack();
    await page.getByRole('cell', { name: 'booking_42' }).waitFor();
    assert.equal(await page.getByLabel('Template').inputValue(), '');

    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString('en-CA');
    await page.goto(`${shared}&from=${tomorrow}`);
    await page.getByText('No runs match these filters').waitFor();
    assert.deepEqual(await page.getByLabel('Executor ref').inputValue(), 'booking');
    await page.goto(`${shared}&to=${tomorrow}`);
    await page.getByRole('cell', { name: 'booking_44' }).waitFor();
    await page.goto(`${shared}&from=${tomorrow}&to=2020-01-01`);
    await page.getByText('From is after To').first().waitFor();
    await checkPage(page, 'Runs', 'runs-bad-dates');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('cell', { name: 'booking_42' }).waitFor();
  });

  it("opens a runs link with the page's reads sent beside the session check, each once", async () => {
    const link = `${server.url}/app/runs?ref=booking`;
    const runsReads: string[] = [];
    const count = (request: { url(): string }) => {
      if (new URL(request.url()).pathname === '/v1/runs') runsReads.push(request.url());
    };
    page.on('request', count);
    // The session's answer is held until the list's request has gone out: a page that waited for
    // the session would never send it, and the wait would time out.
    await page.route('**/v1/auth/session', async (route) => {
      const sent = page.waitForRequest((request) => new URL(request.url()).pathname === '/v1/runs');
      await sent;
      await route.continue();
    });
    try {
      await page.goto(link);
      await page.getByRole('cell', { name: 'booking_44' }).waitFor();
    } finally {
      await page.unroute('**/v1/auth/session');
      page.off('request', count);
    }
    assert.equal(runsReads.length, 1, "the early read is the page's read, not a second one");
    assert.match(runsReads[0]!, /executor_ref_prefix=booking/);

    // Signed out, the early reads are 401s; after signing in the page asks again and shows the rows.
    const stranger = await browser.newContext({ viewport: DESKTOP });
    try {
      const other = await stranger.newPage();
      await other.goto(link);
      await other.getByLabel('Email').fill(OWNER.email);
      await other.getByLabel('Password').fill(OWNER.password);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByRole('cell', { name: 'booking_44' }).waitFor();
      assert.equal(await other.getByLabel('Executor ref').inputValue(), 'booking');
    } finally {
      await stranger.close();
    }
  });

  it('shows a failed delivery on Deliveries with Failed only, and Recover failed sends it again', async () => {
    const templates = (await withKey('GET', '/v1/templates')).body.data as { id: string }[];
    receiver.respondWith(500);
    try {
      const run = await withKey('POST', '/v1/runs', {
        template_id: templates[0]!.id,
        executor_ref: 'booking_45',
        webhook: { url: receiver.url, secret: WEBHOOK_SECRET, events: ['run.cancelled'] },
      });
      assert.equal(run.status, 201);
      const failingRun = run.body.run_id as string;
      const executor = async (step: string, body: unknown, method = 'POST') =>
        (
          await fetch(`${server.url}/x/runs/${failingRun}/${step}`, {
            method,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).status;
      const odometer = (answer: number) => ({
        answer,
        media_ids: [],
        geo: null,
        request_id: `odo-${answer}`,
      });
      assert.equal(await executor('start', { identity: { mode: 'external', name: 'Ann' } }), 200);
      assert.equal(await executor('steps/s-od01', odometer(42100), 'PUT'), 200);
      assert.equal(await executor('steps/s-od01', odometer(42150), 'PUT'), 200);
      assert.equal(await executor('steps/s-nt01/skip', {}), 200);
      assert.equal(await executor('cancel', {}), 200);
      // 1 attempt + the harness's 5 quick retries, every one answered 500: the delivery is failed.
      await receiver.waitFor((all) => all.filter((r) => r.body.includes(failingRun)).length >= 6, 30_000);
      for (;;) {
        const failed = await withKey('GET', '/v1/deliveries?status=failed');
        if ((failed.body.data as unknown[]).length === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      await nav(page, 'Deliveries');
      await checkPage(page, 'Deliveries', 'deliveries');
      await page.getByRole('row').filter({ hasText: 'run.completed' }).first().waitFor();
      await page.getByLabel('Failed only').check();
      await page.waitForURL(/status=failed/);
      await page.getByRole('row').filter({ hasText: 'run.completed' }).first().waitFor({ state: 'detached' });
      const row = page.getByRole('row').filter({ hasText: 'run.cancelled' });
      await row.getByText('Failed', { exact: true }).waitFor();
      await row.getByRole('cell', { name: '500', exact: true }).waitFor();
      assert.equal(
        await row.getByRole('link', { name: /^r-/ }).getAttribute('href'),
        `/app/runs/${failingRun}`,
      );
      await row.getByRole('button', { name: /^run\.cancelled seq/ }).click();
      await page
        .getByRole('region', { name: 'Attempt 6' })
        .getByRole('heading', { name: 'Response 500' })
        .waitFor();
      await checkPage(page, 'Deliveries', 'deliveries-failed');

      receiver.respondWith(200);
      const before = receiver.received.length;
      await page
        .getByRole('form', { name: 'Recover failed deliveries' })
        .getByRole('button', { name: 'Recover failed' })
        .click();
      const dialog = page.getByRole('dialog', { name: 'Recover failed deliveries?' });
      await dialog.waitFor();
      await checkPage(page, 'Deliveries', 'deliveries-recover-confirm');
      await dialog.getByRole('button', { name: 'Recover failed' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^1 queued/ })
        .waitFor();
      await receiver.waitFor((all) => all.length > before);
      const resent = JSON.parse(receiver.received[receiver.received.length - 1]!.body);
      assert.equal(resent.event, 'run.cancelled');
      assert.equal(resent.delivery_attempt, 7);
      // The list reloads itself while the recovery is queued; the delivery then leaves Failed only.
      await page.getByText('No failed deliveries').waitFor({ timeout: 20_000 });
      await page.getByLabel('Failed only').uncheck();
      await page.waitForURL((url) => !url.search.includes('status=failed'));
      await page.getByRole('row').filter({ hasText: 'run.cancelled' }).getByText('Succeeded').waitFor();
      // The last response code comes from the API (last_response_status), not guessed from the status.
      await page
        .getByRole('row')
        .filter({ hasText: 'run.cancelled' })
        .getByRole('cell', { name: '200', exact: true })
        .waitFor();
      await checkPage(page, 'Deliveries', 'deliveries-recovered');
      await page.setViewportSize(SMALL_PHONE);
      await page.getByRole('button', { name: /^run\.cancelled seq/ }).click();
      await page.getByRole('region', { name: 'Attempt 7' }).waitFor();
      await checkPage(page, 'Deliveries', 'deliveries-phone');
      await assertFitsWidth(page, 'Deliveries on a phone');
      await page.setViewportSize(DESKTOP);

      // The run's timeline is its events as GET /v1/events has them: the changed answer shows twice.
      await page
        .getByRole('row')
        .filter({ hasText: 'run.cancelled' })
        .getByRole('link', { name: /^r-/ })
        .click();
      await checkPage(page, 'Run “booking_45”', 'run-cancelled');
      const timeline = page.getByRole('list', { name: 'Timeline' });
      await timeline.getByText('step.completed').first().waitFor();
      assert.deepEqual(
        (await timeline.getByRole('listitem').allInnerTexts()).map((text) =>
          text.split('\n').slice(1).join(' '),
        ),
        [
          'Created',
          'Started by Ann',
          'Step 1 “Odometer reading” answered step.completed seq 1',
          'Step 1 “Odometer reading” answered again step.completed seq 2',
          'Step 5 “Additional notes” skipped step.skipped seq 3',
          'Cancelled by the executor run.cancelled seq 4',
        ],
      );
    } finally {
      receiver.respondWith(200);
    }
  });

  it('dispatches by keyboard alone: Tab reaches each control with a visible focus ring, Enter acts', async () => {
    /** Presses Tab until `target` has the focus (as a keyboard user would), and checks it shows it. */
    async function tabTo(target: ReturnType<Page['locator']>, what: string) {
      for (let presses = 0; presses < 60; presses++) {
        await page.keyboard.press('Tab');
        if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) {
          const ring = await target.evaluate((element) => {
            const style = element.ownerDocument.defaultView!.getComputedStyle(element);
            return (
              (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none'
            );
          });
          assert.ok(ring, `${what} shows that it has the focus`);
          return;
        }
      }
      assert.fail(`${what} cannot be reached with Tab`);
    }
    await page.goto(`${server.url}/app/runs`);
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await tabTo(page.getByRole('link', { name: 'Dispatch run' }).first(), 'the Dispatch run link');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dispatch run', level: 1 }).waitFor();
    await page.getByLabel('Template').locator('option').first().waitFor({ state: 'attached' });
    await tabTo(page.getByLabel('Executor ref'), 'Executor ref');
    await page.keyboard.type('keyboard_1');
    await page.keyboard.press('Enter');
    const link = await page.getByLabel('Run link', { exact: true }).inputValue();
    assert.match(link, new RegExp(`^${server.url}/r/r-`));
    const dispatched = await withKey('GET', `/v1/runs/${link.split('/r/')[1]!}`);
    assert.equal(dispatched.body.executor_ref, 'keyboard_1');
    await tabTo(page.getByRole('button', { name: 'Copy link' }), 'Copy link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), link);
  });

  it('revokes the key with a confirmation, and the API refuses it at once', async () => {
    await nav(page, 'Settings');
    await page.getByRole('button', { name: 'Revoke Production backend' }).click();
    const dialog = page.getByRole('dialog', { name: /Revoke/ });
    await dialog.waitFor();
    await checkPage(page, 'API keys', 'api-keys-revoke-confirm');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText(/^Revoked/).waitFor();
    const refused = await withKey('GET', '/v1/org');
    assert.equal(refused.status, 401);
    assert.deepEqual(errors, []);
  });
});
