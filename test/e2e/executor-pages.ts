/**
 * Driving the executor app like a person would, by role and label only: each step's control is named by
 * the step's label, the buttons read Start, Next, Back, Skip, Submit, Exit. EVERY_STEP_TEMPLATE's steps
 * are answered with the values the webhook assertions expect.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { assertAccessible } from './axe.js';

export const SCREENSHOT_DIR = path.resolve('test-results/screenshots');
export const GEO = { latitude: 51.507, longitude: -0.127, accuracy: 5 };

/** A camera-like JPEG made by sharp (no downloaded fixtures). */
export async function writePhoto(dir: string): Promise<string> {
  const file = path.join(dir, 'photo.jpg');
  const image = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#c83c28' } })
    .composite([
      {
        input: { create: { width: 400, height: 1200, channels: 3, background: '#2a9d4a' } },
        left: 0,
        top: 0,
      },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
  fs.writeFileSync(file, image);
  return file;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** A screenshot of the screen, and a failure on any serious or critical axe-core violation on it. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await assertAccessible(page, `the executor's ${name} screen`);
}

export async function heading(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).first().textContent())?.trim() ?? '';
}

export async function next(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Next', exact: true }).click();
}

/** `timeoutMs` longer than the default for a screen behind a sign-in (scrypt at N = 2^17 on a loaded machine). */
export async function waitForHeading(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text }).waitFor({ timeout: timeoutMs });
}

/** Picks the photo from the "gallery"; waits until it shows, and (when online) until it is uploaded. */
/** Waits until the app says every change reached the server. */
export async function waitForAllSaved(page: Page): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'All saved' }).waitFor({ timeout: 20_000 });
}

async function addPhoto(page: Page, group: string, photo: string, online: boolean): Promise<void> {
  const photos = page.getByRole('group', { name: group });
  await page.locator('input[type="file"]').last().setInputFiles(photo);
  await photos.getByRole('img', { name: 'Photo 1' }).waitFor({ timeout: 15_000 });
  if (online) await photos.getByText('Uploaded').first().waitFor({ timeout: 15_000 });
}

/**
 * The pad only takes strokes once signature_pad has loaded (it sizes the canvas then, away from the
 * default 300 px width), and it exports the PNG asynchronously after the stroke: the app gives no sign
 * of either, so this waits for the resize and then a moment for the export (see the report's notes).
 */
async function drawSignature(page: Page): Promise<void> {
  const pad = page.getByRole('img', { name: /signature pad/i });
  // An anonymous arrow (tsx would wrap a named function in a helper the page lacks; a string predicate
  // is eval'd in the page, which the app's CSP refuses).
  // The tests compile without DOM types, hence the narrow view of `document`.
  await page.waitForFunction(
    () =>
      ((globalThis as unknown as PageGlobals).document.querySelector('canvas[aria-label^="Signature pad"]')
        ?.width ?? 300) !== 300,
  );
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 24; i++) {
    await page.mouse.move(box.x + 20 + i * 11, box.y + box.height / 2 + Math.sin(i / 2) * 30, { steps: 2 });
  }
  await page.mouse.up();
  await page.waitForTimeout(300);
}

interface PageGlobals {
  document: { querySelector(selector: string): { width: number } | null };
}

type StepAction = (page: Page, photo: string, online: boolean) => Promise<void>;

/** One entry per step of EVERY_STEP_TEMPLATE, in order: the step type (screenshot name), label and action. */
export const EVERY_STEP_ACTIONS: [type: string, label: string, act: StepAction][] = [
  [
    'number',
    'Odometer reading',
    (page) => page.getByRole('textbox', { name: 'Odometer reading' }).fill('42150'),
  ],
  [
    'choice',
    'Fuel level',
    (page) =>
      page.getByRole('radiogroup', { name: 'Fuel level' }).getByRole('radio', { name: 'Half' }).check(),
  ],
  [
    'boolean',
    'Any pre-existing damage?',
    (page) =>
      page
        .getByRole('radiogroup', { name: 'Any pre-existing damage?' })
        .getByRole('radio', { name: 'Yes' })
        .check(),
  ],
  [
    'multi_choice-with-photos',
    'Damage type',
    async (page, photo, online) => {
      const group = page.getByRole('group', { name: 'Damage type' });
      await group.getByRole('checkbox', { name: 'Scratch' }).check();
      await group.getByRole('checkbox', { name: 'Crack' }).check();
      await addPhoto(page, 'Photos', photo, online);
    },
  ],
  [
    'text',
    'Additional notes',
    (page) => page.getByRole('textbox', { name: 'Additional notes' }).fill('Scratch on rear left door'),
  ],
  [
    'rating',
    'Cleanliness',
    (page) => page.getByRole('radiogroup', { name: 'Cleanliness' }).getByRole('radio', { name: '4' }).check(),
  ],
  ['photo', 'Dashboard photo', (page, photo, online) => addPhoto(page, 'Dashboard photo', photo, online)],
  ['barcode', 'VIN', (page) => page.getByRole('textbox', { name: 'VIN' }).fill('VIN1234567890')],
  ['datetime', 'Return date', (page) => page.getByLabel('Return date').fill('2026-05-10')],
  ['instruction', 'Hand the keys to the desk', () => Promise.resolve()],
  ['signature', 'Customer signature', (page) => drawSignature(page)],
];

/** Answers steps [from, to) of EVERY_STEP_TEMPLATE, tapping Next after each; optionally checks each type's screen. */
export async function answerSteps(
  page: Page,
  photo: string,
  options: { from?: number; to?: number; screenshots?: boolean; offline?: boolean } = {},
): Promise<void> {
  for (const [type, label, act] of EVERY_STEP_ACTIONS.slice(options.from ?? 0, options.to)) {
    await waitForHeading(page, label);
    await act(page, photo, !options.offline);
    if (options.screenshots) await checkScreen(page, `step-${type}`);
    await next(page);
  }
}
