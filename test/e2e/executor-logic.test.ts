/**
 * Conditional logic in the executor app, in real Chromium at 360×640 against a real server and a
 * real webhook receiver: a template with a branch walked both ways, a step that appears and is
 * announced, a photo a condition asks for, Back and Next over the shown steps only, a reload, and
 * answers given offline (the rules run on the phone).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '@rundun/webhooks';
import type { Browser, Page } from 'playwright-core';
import { LOGIC_TEMPLATE } from '../helpers/logic-template.js';
import { next, screenshot, waitForAllSaved, waitForHeading, writePhoto } from './executor-pages.js';
import {
  e2eSkipReason,
  launchChromium,
  startReceiver,
  startServer,
  WEBHOOK_SECRET,
  type E2eServer,
  type Receiver,
} from './harness.js';

interface Envelope {
  event: string;
  seq: number;
  run_id: string;
  data: Record<string, unknown> & { progress: { total: number; answered: number; skipped: number } };
}

const skip = e2eSkipReason();
if (skip) console.log(`# skipping the conditional-logic browser tests: ${skip}`);

// The server's rules are tested on both databases by test/executor/conditional-logic.test.ts; the app
// is the same whatever the database, so this file runs on the embedded one only.
describe('conditional logic in the executor app (Chromium, 360×640)', { skip }, () => {
  let server: E2eServer;
  let receiver: Receiver;
  let browser: Browser;
  let templateId: string;
  let photo: string;
  let tmp: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-e2e-logic-'));
    photo = await writePhoto(tmp);
    [server, receiver, browser] = await Promise.all([
      startServer('pglite'),
      startReceiver(),
      launchChromium(),
    ]);
    templateId = (await server.api<{ id: string }>('POST', '/v1/templates', LOGIC_TEMPLATE)).id;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function openRun() {
    const run = await server.api<{ run_id: string; link: string }>('POST', '/v1/runs', {
      template_id: templateId,
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
    });
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(run.link);
    await page.getByRole('button', { name: 'Start' }).click();
    return { ...run, context, page, errors };
  }

  function webhooksOf(runId: string): Envelope[] {
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
      .filter((event) => event.run_id === runId)
      .sort((a, b) => a.seq - b.seq);
  }

  const progressText = (page: Page) => page.locator('.progress-text').textContent();
  const announcement = (page: Page) => page.locator('.shown-change').textContent();
  const choose = (page: Page, group: string, option: string) =>
    page.getByRole('radiogroup', { name: group }).getByRole('radio', { name: option }).check();

  async function addPhoto(page: Page, online = true) {
    await page.locator('input[type="file"]').last().setInputFiles(photo);
    await page.getByRole('img', { name: 'Photo 1' }).waitFor({ timeout: 15_000 });
    if (online) await page.getByText('Uploaded').first().waitFor({ timeout: 15_000 });
  }

  async function submit(page: Page) {
    await waitForHeading(page, 'Review your answers');
    await waitForAllSaved(page);
    await page.getByRole('button', { name: 'Submit' }).click();
    await waitForHeading(page, 'Thank you!');
  }

  it('walks the damage branch: steps appear, are announced, ask for photos, and leave when the answer changes', async () => {
    const { run_id: runId, context, page, errors } = await openRun();
    await waitForHeading(page, 'Odometer reading');
    assert.equal(await progressText(page), 'Step 1 of 3');
    await page.getByRole('textbox', { name: 'Odometer reading' }).fill('150000');
    await next(page);

    await waitForHeading(page, 'Any pre-existing damage?');
    assert.equal(await progressText(page), 'Step 2 of 3');
    assert.equal(await announcement(page), '');
    await choose(page, 'Any pre-existing damage?', 'Yes');
    assert.equal(await progressText(page), 'Step 2 of 4');
    assert.equal(await announcement(page), 'This answer adds a step: “Damage type”.');
    assert.equal(await page.locator('.shown-change').getAttribute('aria-live'), 'polite');
    const photos = page.getByRole('group', { name: 'Photos' });
    await photos.getByText('A photo is required because of your answer.').waitFor();
    await screenshot(page, 'logic-step-added');
    await next(page);
    await page.getByRole('alert').filter({ hasText: 'Add at least 1 photo (0 added).' }).waitFor();
    await addPhoto(page);
    await next(page);

    await waitForHeading(page, 'Damage type');
    assert.equal(await progressText(page), 'Step 3 of 4');
    await page
      .getByRole('group', { name: 'Damage type' })
      .getByRole('checkbox', { name: 'Broken glass' })
      .check();
    assert.equal(await progressText(page), 'Step 3 of 5');
    await next(page);

    await waitForHeading(page, 'Which window?');
    assert.equal(await page.locator('.step-meta').textContent(), 'Required', 'required_if: a high reading');
    await page.getByRole('textbox', { name: 'Which window?' }).fill('Windscreen');
    await next(page);

    await waitForHeading(page, 'Notes');
    await page
      .getByRole('group', { name: 'Photos' })
      .getByText('A photo is required because “Odometer reading” is more than 100000.')
      .waitFor();
    await screenshot(page, 'logic-photo-required');
    await page.getByRole('textbox', { name: 'Notes' }).fill('Otherwise fine');
    await addPhoto(page);
    await next(page);

    await waitForHeading(page, 'Review your answers');
    await page.getByText('5 of 5 steps answered.').waitFor();
    await screenshot(page, 'logic-review-five');

    // No damage after all: the two follow-ups go, and Next jumps over them.
    await page.getByRole('button', { name: 'Change step 2', exact: false }).click();
    await waitForHeading(page, 'Any pre-existing damage?');
    await choose(page, 'Any pre-existing damage?', 'No');
    assert.equal(await announcement(page), 'This answer removes 2 steps: “Damage type”, “Which window?”.');
    assert.equal(await progressText(page), 'Step 2 of 3');
    await next(page);
    await waitForHeading(page, 'Notes');
    assert.equal(await progressText(page), 'Step 3 of 3');
    await page.getByRole('button', { name: 'Back', exact: true }).click();
    await waitForHeading(page, 'Any pre-existing damage?');
    await next(page);
    await waitForHeading(page, 'Notes');
    await next(page);
    await page.getByText('3 of 3 steps answered.').waitFor();
    assert.equal(await page.getByRole('listitem').count(), 3);
    await screenshot(page, 'logic-review-three');
    await submit(page);

    await receiver.waitFor(() => webhooksOf(runId).some((e) => e.event === 'run.completed'), 15_000);
    const events = webhooksOf(runId);
    assert.deepEqual(
      events.map((e) => [e.event, e.data.step_id ?? null, e.data.progress.total]),
      [
        ['step.completed', 's-od01', 3],
        ['step.completed', 's-dm01', 4],
        ['step.completed', 's-dm02', 5],
        ['step.completed', 's-gl01', 5],
        ['step.completed', 's-nt01', 5],
        ['step.completed', 's-dm01', 3],
        ['run.completed', null, 3],
      ],
    );
    const completed = events.at(-1)!.data as Envelope['data'] & {
      answers: Record<string, { answer: unknown }>;
      hidden_steps: string[];
    };
    assert.deepEqual(Object.keys(completed.answers), ['s-od01', 's-dm01', 's-nt01']);
    assert.equal(completed.answers['s-dm01']!.answer, false);
    assert.deepEqual(completed.hidden_steps, ['s-dm02', 's-gl01']);
    assert.deepEqual(completed.progress, { total: 3, answered: 3, skipped: 0 });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('walks the no-damage branch, goes Back over hidden steps, survives a reload and opens the branch offline', async () => {
    const { run_id: runId, context, page, errors } = await openRun();
    await waitForHeading(page, 'Odometer reading');
    await page.getByRole('textbox', { name: 'Odometer reading' }).fill('5000');
    await next(page);
    await waitForHeading(page, 'Any pre-existing damage?');
    await choose(page, 'Any pre-existing damage?', 'No');
    await next(page);
    await waitForHeading(page, 'Notes');
    assert.equal(await progressText(page), 'Step 3 of 3');
    await page.getByRole('button', { name: 'Back', exact: true }).click();
    await waitForHeading(page, 'Any pre-existing damage?');
    await waitForAllSaved(page);

    await page.reload();
    await waitForHeading(page, 'Any pre-existing damage?');
    assert.equal(await progressText(page), 'Step 2 of 3');

    await context.setOffline(true);
    await choose(page, 'Any pre-existing damage?', 'Yes');
    await addPhoto(page, false);
    await next(page);
    await waitForHeading(page, 'Damage type');
    assert.equal(await progressText(page), 'Step 3 of 4');
    await page.getByRole('group', { name: 'Damage type' }).getByRole('checkbox', { name: 'Dent' }).check();
    await next(page);
    await waitForHeading(page, 'Notes');
    assert.equal(await progressText(page), 'Step 4 of 4', 'no glass, so no window question');
    await page.getByRole('status').filter({ hasText: 'waiting for connection' }).waitFor();
    await screenshot(page, 'logic-offline');
    await context.setOffline(false);
    await next(page);
    await submit(page);

    await receiver.waitFor(() => webhooksOf(runId).some((e) => e.event === 'run.completed'), 15_000);
    const events = webhooksOf(runId);
    assert.deepEqual(
      events.map((e) => [e.event, e.data.step_id ?? null, e.data.progress.total]),
      [
        ['step.completed', 's-od01', 3],
        ['step.completed', 's-dm01', 3],
        ['step.completed', 's-dm01', 4],
        ['step.completed', 's-dm02', 4],
        ['run.completed', null, 4],
      ],
    );
    const completed = events.at(-1)!.data as Envelope['data'] & {
      answers: Record<string, { answer: unknown; photos: unknown[] }>;
      hidden_steps: string[];
    };
    assert.deepEqual(Object.keys(completed.answers), ['s-od01', 's-dm01', 's-dm02']);
    assert.deepEqual(completed.answers['s-dm02']!.answer, ['o-dent']);
    assert.equal(completed.answers['s-dm01']!.photos.length, 1);
    assert.deepEqual(completed.hidden_steps, ['s-gl01']);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
