/**
 * The executor app as a person in a hurry on a cheap phone uses it (issue 9): quick taps, big photos,
 * two tabs, a phone out of storage, a cut link, an assigned run. One Chromium and one server for the
 * file; timing-sensitive cases run with the CPU slowed 4× (CDP Emulation.setCPUThrottlingRate).
 * Nothing is mocked: what the server stored is read from its event log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { listRunEvents } from '../../src/db/events.js';
import { createUser } from '../../src/db/users.js';
import {
  checkScreen,
  next,
  screenshot,
  waitForAllSaved,
  waitForHeading,
  writePhoto,
} from './executor-pages.js';
import { e2eSkipReason, launchChromium, startReceiver, startServer, WEBHOOK_SECRET } from './harness.js';
import type { E2eServer, Receiver } from './harness.js';

const PHOTO_TEMPLATE = {
  name: 'Damage check',
  settings: { allow_skip: false, identity: 'anonymous', geo: 'off' },
  steps: [
    { id: 's-p1', type: 'boolean', label: 'Any damage?', required: false, photos: { min: 0, max: 3 } },
    { id: 's-p2', type: 'text', label: 'Describe the damage', required: true, photos: { min: 1, max: 3 } },
    { id: 's-p3', type: 'photo', label: 'Extra photos', required: false, photos: { min: 0, max: 3 } },
    { id: 's-p4', type: 'boolean', label: 'Keys returned?', required: true },
  ],
};

const QUESTIONS = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'];
const TAP_TEMPLATE = {
  name: 'Quick questions',
  settings: { allow_skip: false, identity: 'anonymous', geo: 'off' },
  steps: [
    ...QUESTIONS.map((word, i) => ({
      id: `s-q${i + 1}`,
      type: 'boolean',
      label: `${word} question`,
      required: false,
    })),
    { id: 's-q9', type: 'boolean', label: 'All done?', required: true },
  ],
};

/**
 * Three optional steps with a position per step: with the location allowed but no fix coming, Next
 * waits up to 1.5 s for one (geo.ts), so a second tap surely begins before the next step shows.
 */
const DOUBLE_TAP_TEMPLATE = {
  name: 'Double tap',
  settings: { allow_skip: false, identity: 'anonymous', geo: 'per_step' },
  steps: [
    { id: 's-d1', type: 'boolean', label: 'First question', required: false },
    { id: 's-d2', type: 'boolean', label: 'Second question', required: false },
    { id: 's-d3', type: 'boolean', label: 'Third question', required: false },
  ],
};

interface Event {
  event: string;
  data: { step_id?: string; photos?: unknown[]; answer?: unknown };
}

/** The minimal view of the page's globals the evaluated functions use (the tests compile without DOM types). */
interface PageGlobals {
  indexedDB: {
    open(name: string): {
      onsuccess: (() => void) | null;
      onerror: (() => void) | null;
      result: {
        transaction(
          store: string,
          mode: string,
        ): {
          objectStore(name: string): {
            get(key: string): { onsuccess: (() => void) | null; result: unknown };
            put(value: unknown, key: string): unknown;
          };
          oncomplete: (() => void) | null;
        };
        close(): void;
      };
    };
  };
}

/** A 12 MP camera-like JPEG (noise does not compress): seconds to decode on a slowed CPU. */
async function writeBigPhoto(file: string): Promise<void> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
  const image = sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise } });
  fs.writeFileSync(file, await image.jpeg({ quality: 80 }).toBuffer());
}

/** A sign-in checks scrypt at N = 2^17 in this process, beside the file's photo work: give it room. */
const SIGNED_IN_TIMEOUT_MS = 30_000;

const skip = e2eSkipReason();
if (skip) console.log(`# skipping the executor bad-phone tests: ${skip}`);

describe('executor app on a bad phone, in Chromium', { skip }, () => {
  let server: E2eServer;
  let receiver: Receiver;
  let browser: Browser;
  let tmp: string;
  let smallPhoto: string;
  let bigPhoto: string;
  let photoTemplate: string;
  let tapTemplate: string;
  let doubleTapTemplate: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-bad-phone-'));
    smallPhoto = await writePhoto(tmp);
    bigPhoto = path.join(tmp, 'big.jpg');
    // The photo takes seconds to encode: made while the server and the browser start.
    [server, receiver, browser] = await Promise.all([
      startServer('pglite'),
      startReceiver(),
      launchChromium(),
      writeBigPhoto(bigPhoto),
    ]);
    photoTemplate = (await server.api<{ id: string }>('POST', '/v1/templates', PHOTO_TEMPLATE)).id;
    tapTemplate = (await server.api<{ id: string }>('POST', '/v1/templates', TAP_TEMPLATE)).id;
    doubleTapTemplate = (await server.api<{ id: string }>('POST', '/v1/templates', DOUBLE_TAP_TEMPLATE)).id;
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await receiver?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function dispatch(templateId: string, extra: object = {}) {
    return server.api<{ run_id: string; link: string }>('POST', '/v1/runs', {
      template_id: templateId,
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
      ...extra,
    });
  }

  async function openPage(options: { cpu?: number; touch?: boolean } = {}) {
    const context = await browser.newContext({
      viewport: { width: 360, height: 640 },
      // The service worker is executor-offline.test.ts's subject; here it would only add its install.
      serviceWorkers: 'block',
      ...(options.touch ? { hasTouch: true } : {}),
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const cdp = await context.newCDPSession(page);
    if (options.cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: options.cpu });
    return { context, page, cdp };
  }

  async function startRun(page: Page, link: string) {
    await page.goto(link);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
  }

  async function stepEvents(runId: string): Promise<Event[]> {
    const envelopes = (await listRunEvents(server.database.db, runId)) as unknown as Event[];
    return envelopes.filter((e) => e.event === 'step.completed');
  }

  const yes = (page: Page) => page.getByRole('radio', { name: 'Yes', exact: true }).check();

  it('1: waits for a photo picked just before Next and sends it with the answer (optional, required, photo-only)', async () => {
    const { run_id: runId, link } = await dispatch(photoTemplate);
    const { page } = await openPage({ cpu: 4 });
    await startRun(page, link);
    await waitForHeading(page, 'Any damage?');
    await yes(page);
    await page.getByLabel('Choose from gallery').setInputFiles(bigPhoto);
    await screenshot(page, 'bad-phone-photo-preparing');
    await next(page);
    await screenshot(page, 'bad-phone-photo-next-waits');
    await waitForHeading(page, 'Describe the damage');
    await page.getByLabel('Describe the damage').fill('Dent in the rear door');
    await page.getByLabel('Choose from gallery').setInputFiles(bigPhoto);
    await next(page);
    await waitForHeading(page, 'Extra photos');
    await page.getByLabel('Choose from gallery').setInputFiles(bigPhoto);
    await next(page);
    await waitForHeading(page, 'Keys returned?');
    await waitForAllSaved(page);
    const sent = (await stepEvents(runId)).map((e) => [e.data.step_id, e.data.photos?.length]);
    assert.deepEqual(sent, [
      ['s-p1', 1],
      ['s-p2', 1],
      ['s-p3', 1],
    ]);
  });

  it('7: nothing under the thumb moves while a picked photo is prepared', async () => {
    const { link } = await dispatch(photoTemplate);
    const { page } = await openPage({ cpu: 4 });
    await startRun(page, link);
    await waitForHeading(page, 'Any damage?');
    const positions = async () => {
      const nextBox = await page.getByRole('button', { name: 'Next', exact: true }).boundingBox();
      const takeBox = await page.getByText('Take photo', { exact: true }).boundingBox();
      return { next: Math.round(nextBox!.y), take: Math.round(takeBox!.y) };
    };
    const before = await positions();
    await page.getByLabel('Choose from gallery').setInputFiles(bigPhoto);
    const preparing = await positions();
    await page.getByRole('group', { name: 'Photos' }).getByRole('img', { name: 'Photo 1' }).waitFor();
    await screenshot(page, 'bad-phone-photo-tile');
    assert.deepEqual(preparing, before, 'while the photo is prepared');
    assert.deepEqual(await positions(), before, 'once its tile shows');
  });

  it('6: a second tap that began before the next step appeared does not skip that step', async () => {
    // The case needs the second finger down while "First question" is still on screen (Next waits up
    // to 1.5 s for a position). A machine too loaded to dispatch it in time has not tested anything:
    // that try is dropped and the case runs again on a fresh run.
    for (let attempt = 1; ; attempt++) {
      const { run_id: runId, link } = await dispatch(doubleTapTemplate);
      const { page, cdp, context } = await openPage({ cpu: 4, touch: true });
      await context.grantPermissions(['geolocation'], { origin: server.url });
      await startRun(page, link);
      await waitForHeading(page, 'First question');
      await yes(page);
      const box = (await page.getByRole('button', { name: 'Next', exact: true }).boundingBox())!;
      const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      // A double tap: the second finger lands while "First question" is still being saved, and lifts
      // once "Second question" is on screen, its Next under the finger.
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
      const headingAtSecondTap = await page.getByRole('heading', { level: 1 }).first().textContent();
      if (headingAtSecondTap !== 'First question') {
        await context.close();
        assert.ok(attempt < 3, `three tries were too slow to tap before the next step showed`);
        continue;
      }
      await waitForHeading(page, 'Second question');
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await waitForAllSaved(page);
      await page.waitForTimeout(300); // the time a wrongly taken tap needs to show the third step
      assert.equal(await page.getByRole('heading', { level: 1 }).first().textContent(), 'Second question');
      assert.deepEqual(
        (await stepEvents(runId)).map((e) => e.data.step_id),
        ['s-d1'],
      );
      return;
    }
  });

  it('8: a tap on a blocked Submit says why, next to the button', async () => {
    const { link } = await dispatch(tapTemplate);
    const { page, context } = await openPage();
    await startRun(page, link);
    for (const word of QUESTIONS) {
      await waitForHeading(page, `${word} question`);
      await next(page);
    }
    await waitForHeading(page, 'All done?');
    await context.setOffline(true);
    await yes(page);
    await next(page);
    await waitForHeading(page, 'Review your answers');
    const submit = page.getByRole('button', { name: 'Submit', exact: true });
    // A person can tap it: Playwright counts aria-disabled as disabled, so the check is skipped.
    await submit.click({ force: true });
    const reason = page.getByRole('alert').filter({ hasText: 'waiting for a connection' });
    await reason.waitFor();
    const box = (await reason.boundingBox())!;
    assert.ok(box.y >= 0 && box.y + box.height <= 640, `the reason is on screen (y ${box.y})`);
    await screenshot(page, 'bad-phone-review-blocked');
    assert.match(
      (await page.getByRole('button', { name: 'Change step 2: Second question' }).textContent()) ?? '',
      /Change/,
    );
    await context.setOffline(false);
    await waitForAllSaved(page);
    await submit.click();
    await waitForHeading(page, 'Thank you!');
  });

  it('9: a cut or altered link opens the app: its own not-found page, or the run itself', async () => {
    const { run_id: runId, link } = await dispatch(tapTemplate);
    const { page } = await openPage();
    const cut = await page.goto(`${server.url}/r/${runId.slice(0, 26)}`);
    assert.equal(cut?.status(), 404);
    await waitForHeading(page, 'Checklist not found');
    await page.getByText('opened the whole link').waitFor();
    await screenshot(page, 'bad-phone-link-cut');
    for (const altered of [`${link}/`, link.replace(runId, runId.toUpperCase())]) {
      const response = await page.goto(altered);
      assert.equal(response?.status(), 200, altered);
      assert.equal(page.url(), link);
      await waitForHeading(page, 'Quick questions');
    }
  });

  it('11: an assigned run on an anonymous template asks the assigned member to sign in', async () => {
    await createUser(server.database.db, {
      orgId: server.orgId,
      email: 'ann@example.com',
      password: 'correct horse battery',
      name: 'Ann',
      role: 'member',
    });
    const { link } = await dispatch(tapTemplate, { assign_to: 'ann@example.com' });
    const { page } = await openPage();
    await page.goto(link);
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByLabel('Password').fill('correct horse battery');
    await screenshot(page, 'bad-phone-assigned-start');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForHeading(page, 'First question', SIGNED_IN_TIMEOUT_MS);
  });

  it('13: a member’s run opened without their session asks to sign in, says a wrong password, then opens', async () => {
    for (const name of ['Bea', 'Carl'])
      await createUser(server.database.db, {
        orgId: server.orgId,
        email: `${name.toLowerCase()}@example.com`,
        password: 'correct horse battery',
        name,
        role: 'member',
      });
    const { link } = await dispatch(tapTemplate, { assign_to: 'bea@example.com' });
    const first = await openPage();
    await first.page.goto(link);
    await first.page.getByLabel('Email').fill('bea@example.com');
    await first.page.getByLabel('Password').fill('correct horse battery');
    await first.page.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForHeading(first.page, 'First question', SIGNED_IN_TIMEOUT_MS);

    // The same link on another phone, without Bea's session: it asks her to sign in.
    const { page } = await openPage({ cpu: 4 });
    await page.goto(link);
    await waitForHeading(page, 'Sign in to open this checklist');
    await checkScreen(page, 'sign-in');
    await page.getByLabel('Email').fill('bea@example.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'do not match' })
      .waitFor({ timeout: SIGNED_IN_TIMEOUT_MS });
    await checkScreen(page, 'sign-in-wrong-password');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForHeading(page, 'First question', SIGNED_IN_TIMEOUT_MS);

    // Signed in as someone else: it offers to sign out first.
    const other = await openPage();
    await other.context.request.post(`${server.url}/v1/auth/sign-in`, {
      data: { email: 'carl@example.com', password: 'correct horse battery' },
      headers: { origin: server.url },
      timeout: SIGNED_IN_TIMEOUT_MS,
    });
    await other.page.goto(link);
    await other.page
      .getByRole('button', { name: 'Sign out to switch account' })
      .waitFor({ timeout: SIGNED_IN_TIMEOUT_MS });
    await checkScreen(other.page, 'sign-in-other-account');
    await other.page.getByRole('button', { name: 'Sign out to switch account' }).click();
    await other.page.getByLabel('Email').waitFor();
  });

  it('12: a queued write that cannot be sent (an older record) is taken out with a message, not retried for ever', async () => {
    const { run_id: runId, link } = await dispatch(tapTemplate);
    const { page, context } = await openPage();
    await startRun(page, link);
    await waitForHeading(page, 'First question');
    await yes(page);
    await next(page);
    await waitForHeading(page, 'Second question');
    await waitForAllSaved(page);
    // No connection for this answer. Not context.setOffline: on a loaded machine Chromium's emulated
    // offline has let a request out that the page saw fail, and the server then holds this answer too.
    await page.route('**/steps/s-q2', (route) => route.abort('internetdisconnected'));
    await yes(page);
    await next(page);
    await waitForHeading(page, 'Third question');
    // As an older app might have stored it: the queued answer without its `photos` list.
    await page.evaluate(async (key) => {
      const idb = (globalThis as unknown as PageGlobals).indexedDB.open('rundun-executor');
      await new Promise<void>((resolve, reject) => {
        idb.onerror = () => reject(new Error('indexedDB'));
        idb.onsuccess = () => {
          const tx = idb.result.transaction('outbox', 'readwrite');
          const store = tx.objectStore('outbox');
          const read = store.get(key);
          read.onsuccess = () => {
            const record = read.result as { ops: { photos?: unknown }[] };
            record.ops[0]!.photos = null;
            store.put(record, key);
          };
          tx.oncomplete = () => {
            idb.result.close();
            resolve();
          };
        };
      });
    }, `run:${runId}`);
    // Closed before the app is reopened, or this page would keep (and store again) its own copy.
    await page.close();
    const reopened = await context.newPage();
    await reopened.goto(link);
    const notice = reopened
      .getByRole('alert')
      .filter({ hasText: 'Your answer to “Second question” was not accepted' });
    await notice.waitFor({ timeout: 15_000 });
    await waitForAllSaved(reopened);
    await screenshot(reopened, 'bad-phone-broken-write');
    await notice.getByRole('button', { name: 'Go to step 2' }).click();
    await waitForHeading(reopened, 'Second question');
    await reopened.getByText('could not be sent').waitFor();
    await next(reopened);
    await waitForHeading(reopened, 'Third question');
    await waitForAllSaved(reopened);
    assert.deepEqual(
      (await stepEvents(runId)).map((e) => e.data.step_id),
      ['s-q1', 's-q2'],
    );
  });

  it('12: a phone out of storage says so, and what was given is still sent', async () => {
    const { run_id: runId, link } = await dispatch(photoTemplate);
    const { page, cdp } = await openPage();
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: 1 });
    await startRun(page, link);
    await waitForHeading(page, 'Any damage?');
    await yes(page);
    await page.getByLabel('Choose from gallery').setInputFiles(smallPhoto);
    await page.getByRole('group', { name: 'Photos' }).getByRole('img', { name: 'Photo 1' }).waitFor();
    await page
      .getByRole('alert')
      .filter({ hasText: /out of storage|not saving/ })
      .waitFor();
    await screenshot(page, 'bad-phone-out-of-storage');
    await next(page);
    await waitForHeading(page, 'Describe the damage');
    await waitForAllSaved(page);
    const sent = (await stepEvents(runId)).map((e) => [e.data.step_id, e.data.photos?.length]);
    assert.deepEqual(sent, [['s-p1', 1]]);
  });

  it('2: two tabs of one run offline: one works at a time, and every answer of both arrives once', async () => {
    const { run_id: runId, link } = await dispatch(tapTemplate);
    const { page: tabA, context } = await openPage();
    await startRun(tabA, link);
    await waitForHeading(tabA, 'First question');
    const tabB = await context.newPage();
    await tabB.goto(link);
    await waitForHeading(tabB, 'First question');
    await waitForHeading(tabA, 'This checklist is open in another tab');
    await screenshot(tabA, 'bad-phone-other-tab');
    await context.setOffline(true);
    // As a person does, the tab in use is the one in front (a hidden tab's frames are throttled).
    await tabA.bringToFront();
    await tabA.getByRole('button', { name: 'Continue here' }).click();
    for (const word of ['First', 'Second']) {
      await waitForHeading(tabA, `${word} question`);
      await yes(tabA);
      await next(tabA);
    }
    await waitForHeading(tabA, 'Third question');
    await waitForHeading(tabB, 'This checklist is open in another tab');
    await tabB.bringToFront();
    await tabB.getByRole('button', { name: 'Continue here' }).click();
    await waitForHeading(tabB, 'Third question');
    await yes(tabB);
    await next(tabB);
    await waitForHeading(tabB, 'Fourth question');
    await context.setOffline(false);
    await waitForAllSaved(tabB);
    assert.deepEqual(
      (await stepEvents(runId)).map((e) => e.data.step_id),
      ['s-q1', 's-q2', 's-q3'],
    );
    // Online again, tab A takes over and shows what the server holds.
    await waitForHeading(tabA, 'This checklist is open in another tab');
    await tabA.bringToFront();
    await tabA.getByRole('button', { name: 'Continue here' }).click();
    await waitForHeading(tabA, 'Fourth question');
    await tabA.getByRole('button', { name: 'Back', exact: true }).click();
    await waitForHeading(tabA, 'Third question');
    assert.equal(await tabA.getByRole('radio', { name: 'Yes', exact: true }).isChecked(), true);
  });
});
