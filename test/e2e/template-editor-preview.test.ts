/**
 * The editor's phone preview against the executor app, one step type at a time: for each of the 11
 * types a one-step template, its step selected in the editor and the same step opened from a run on a
 * 360×640 phone. The phone screen is compared pixel by pixel (image-diff.ts) at the top and, for a
 * step taller than the screen, scrolled to the bottom; the scroll heights must be equal too, so a
 * control cut off or pushed down in the frame fails. Screenshots and diff images are written to
 * test-results/screenshots/dashboard/preview-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { DEFAULT_DASHBOARD_DIST } from '../../src/http/routes/dashboard-app.js';
import { DASHBOARD_SCREENSHOTS } from './dashboard-pages.js';
import { openEditorSession, type EditorSession } from './editor-session.js';
import { e2eSkipReason, launchChromium, startServer, type E2eServer } from './harness.js';
import { compareImages } from './image-diff.js';

const skip =
  e2eSkipReason() ??
  (fs.existsSync(path.join(DEFAULT_DASHBOARD_DIST, 'index.html'))
    ? undefined
    : 'the dashboard is not built (npm run build:web)');
if (skip) console.log(`# skipping the preview comparison browser tests: ${skip}`);

const PHONE_SCREEN = { width: 360, height: 640 };
/** At most this share of the screen's pixels may differ (rounded frame corners, anti-aliasing). */
const MAX_DIFFERING_SHARE = 0.005;

const options = (...labels: string[]) => labels.map((label, i) => ({ id: `o-${i + 1}`, label }));

/** One step of each type, with the settings that change how it is drawn; several are taller than the screen. */
const STEPS: Record<string, unknown>[] = [
  { type: 'boolean', label: 'Any damage?', required: true, description: 'Look at all four sides.' },
  { type: 'choice', label: 'Fuel level', required: true, options: options('Empty', 'Half', 'Full') },
  {
    type: 'multi_choice',
    label: 'Damage type',
    options: options('Scratch', 'Dent', 'Crack', 'Stain', 'Missing part', 'Other'),
    photos: { min: 1, max: 3 },
  },
  { type: 'text', label: 'Notes', multiline: true, max_length: 500 },
  { type: 'number', label: 'Odometer', required: true, min: 0, max: 999999, unit: 'km' },
  { type: 'rating', label: 'Cleanliness', max: 7 },
  {
    type: 'photo',
    label: 'Front photo',
    required: true,
    description: 'The whole front with the number plate readable.',
    photos: { min: 2, max: 6 },
  },
  { type: 'signature', label: 'Customer signature', required: true },
  { type: 'barcode', label: 'Key tag' },
  { type: 'datetime', label: 'Returned at', required: true, mode: 'datetime' },
  {
    type: 'instruction',
    label: 'Hand the keys over',
    description:
      'Leave them at the desk with the tag attached. If the desk is closed, use the drop box by the door and write the box number in the notes.',
  },
];

async function settle(target: Page) {
  await target.mouse.move(0, 0); // no hover anywhere, in either screen
  // The page's own fonts are loaded (a string: the test's tsconfig has no DOM types).
  await target.evaluate('document.fonts.ready.then(() => undefined)');
}

/** The 360×640 screen inside the editor's phone frame (its 1 px border cropped away). */
async function shootPreview(page: Page): Promise<Buffer> {
  const box = await page.locator('iframe.phone-frame').boundingBox();
  assert.ok(box, 'the phone frame is on the page');
  return page.screenshot({
    clip: { x: box.x + 1, y: box.y + 1, ...PHONE_SCREEN },
    animations: 'disabled',
  });
}

function scrollToBottom(frame: FrameLocator | Page) {
  return frame.locator('html').evaluate((html) => {
    html.ownerDocument.defaultView!.scrollTo(0, html.scrollHeight);
    return { scrollHeight: html.scrollHeight, scrollTop: html.scrollTop };
  });
}

async function assertSame(name: string, preview: Buffer, executor: Buffer) {
  const diff = await compareImages(preview, executor);
  fs.writeFileSync(path.join(DASHBOARD_SCREENSHOTS, `preview-${name}.png`), preview);
  fs.writeFileSync(path.join(DASHBOARD_SCREENSHOTS, `preview-${name}-executor.png`), executor);
  fs.writeFileSync(path.join(DASHBOARD_SCREENSHOTS, `preview-${name}-diff.png`), diff.diffPng);
  const total = diff.width * diff.height;
  assert.ok(
    diff.differing <= total * MAX_DIFFERING_SHARE,
    `${name}: ${diff.differing} of ${total} pixels differ (see preview-${name}-diff.png)`,
  );
}

describe('template editor preview compared with the executor app', { skip }, () => {
  let server: E2eServer;
  let browser: Browser;
  let session: EditorSession;
  let phone: Page;

  before(async () => {
    [server, browser] = await Promise.all([startServer('pglite', { worker: false }), launchChromium()]);
    session = await openEditorSession(server, browser, 'Preview org');
    const phoneContext = await browser.newContext({ viewport: PHONE_SCREEN, hasTouch: true });
    phone = await phoneContext.newPage();
    phone.setDefaultTimeout(30_000);
    fs.mkdirSync(DASHBOARD_SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [index, step] of STEPS.entries()) {
    const name = `${String(index + 1).padStart(2, '0')}-${String(step.type)}`;
    it(`draws a ${String(step.type)} step in the preview as the executor app draws it`, async () => {
      const { page, withKey } = session;
      const template = await withKey('POST', '/v1/templates', {
        name: 'Vehicle return',
        settings: { allow_skip: true, identity: 'anonymous', geo: 'off' },
        steps: [step],
      });
      const run = await withKey<{ link: string }>('POST', '/v1/runs', { template_id: template.id });

      await page.goto(`${server.url}/app/templates/${template.id}`);
      const frame = page.frameLocator('iframe.phone-frame');
      await frame.getByText(String(step.label), { exact: true }).first().waitFor();
      await page.locator('iframe.phone-frame').scrollIntoViewIfNeeded();
      await settle(page);

      await phone.goto(run.link);
      await phone.getByRole('button', { name: 'Start' }).click();
      await phone.locator('form.step').getByText(String(step.label), { exact: true }).first().waitFor();
      await phone.evaluate('document.activeElement?.blur()'); // the step title takes focus on open
      await settle(phone);

      await assertSame(name, await shootPreview(page), await phone.screenshot({ animations: 'disabled' }));
      const [inFrame, onPhone] = await Promise.all([scrollToBottom(frame), scrollToBottom(phone)]);
      if (inFrame.scrollTop > 0 || onPhone.scrollTop > 0) {
        await assertSame(
          `${name}-bottom`,
          await shootPreview(page),
          await phone.screenshot({ animations: 'disabled' }),
        );
      }
      assert.equal(inFrame.scrollHeight, onPhone.scrollHeight, `${name}: the same height in the frame`);
      assert.deepEqual(session.errors, []);
    });
  }
});
