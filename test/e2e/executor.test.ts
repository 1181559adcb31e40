import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from '@rundun/webhooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApiKey } from '../../src/db/api-keys.js';
import { EVERY_STEP_TEMPLATE } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import {
  answerSteps,
  GEO,
  next,
  checkScreen,
  screenshot,
  waitForAllSaved,
  waitForHeading,
  writePhoto,
} from './executor-pages.js';
import {
  e2eSkipReason,
  launchChromium,
  listEventTypes,
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
  livemode: boolean;
  data: Record<string, unknown> & { progress?: { total: number; answered: number; skipped: number } };
}

const skip = e2eSkipReason();
if (skip) console.log(`# skipping the executor browser tests: ${skip}`);

for (const kind of testDatabaseKinds()) {
  describe(`executor app in Chromium on ${kind}`, { skip }, () => {
    let server: E2eServer;
    let receiver: Receiver;
    let browser: Browser;
    let templateId: string;
    let photo: string;
    let tmp: string;
    before(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-e2e-files-'));
      photo = await writePhoto(tmp);
      [server, receiver, browser] = await Promise.all([startServer(kind), startReceiver(), launchChromium()]);
      templateId = (await server.api<{ id: string }>('POST', '/v1/templates', EVERY_STEP_TEMPLATE)).id;
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await receiver?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    async function openRun(options: { expiresInHours?: number } = {}) {
      const run = await server.api<{ run_id: string; link: string }>('POST', '/v1/runs', {
        template_id: templateId,
        webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
        executor_ref: 'booking_e2e',
        ...(options.expiresInHours ? { expires_in_hours: options.expiresInHours } : {}),
      });
      const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
      await context.grantPermissions(['geolocation'], { origin: server.url });
      await context.setGeolocation(GEO);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      return { ...run, context, page, errors };
    }

    async function start(page: Page, link: string) {
      const response = await page.goto(link);
      assert.equal(response?.status(), 200);
      await page.getByRole('button', { name: 'Start' }).click();
    }

    /** The verified webhooks of one run, in seq order. Throws if any signature does not verify. */
    function webhooksOf(runId: string): Envelope[] {
      return receiver.received
        .map((request) => {
          const event = verifyWebhook({
            url: receiver.url,
            headers: request.headers,
            body: request.body,
            secret: WEBHOOK_SECRET,
          });
          return event as unknown as Envelope;
        })
        .filter((event) => event.run_id === runId)
        .sort((a, b) => a.seq - b.seq);
    }

    const waitForWebhooks = (runId: string, count: number) =>
      receiver.waitFor(() => webhooksOf(runId).length >= count, 15_000);

    async function closeContext(context: BrowserContext) {
      await context.close();
    }

    it('completes every step type at 360×640 and the receiver gets signed, exact webhooks', async () => {
      const { run_id: runId, link, context, page, errors } = await openRun();
      await page.goto(link);
      await checkScreen(page, 'start');
      await page.getByRole('button', { name: 'Start' }).click();
      await answerSteps(page, photo, { screenshots: true });
      await page
        .getByRole('button', { name: 'Submit' })
        .waitFor()
        .catch(async (error: unknown) => {
          await screenshot(page, 'failure-review');
          throw new Error(`no review screen:\n${await page.locator('body').ariaSnapshot()}`, {
            cause: error,
          });
        });
      await checkScreen(page, 'review');
      await page.getByRole('button', { name: 'Submit' }).click();
      await waitForHeading(page, 'Thank you!');
      await checkScreen(page, 'submitted');
      await waitForWebhooks(runId, 12);

      const events = webhooksOf(runId);
      assert.deepEqual(
        events.map((e) => e.event),
        [...Array<string>(11).fill('step.completed'), 'run.completed'],
      );
      const byStep = new Map(events.slice(0, 11).map((e) => [e.data.step_id as string, e.data]));
      assert.equal(byStep.get('s-od01')!.answer, 42150);
      assert.equal(byStep.get('s-fu01')!.answer, 'o-fu2');
      assert.equal(byStep.get('s-dm01')!.answer, true);
      const damage = byStep.get('s-dm02')!;
      assert.deepEqual(damage.answer, ['o-dm1', 'o-dm3']);
      assert.deepEqual(damage.geo, { lat: 51.507, lng: -0.127, accuracy_m: 5 });
      const photos = damage.photos as {
        photo_index: number;
        preview: string;
        width: number;
        height: number;
      }[];
      assert.equal(photos.length, 1);
      assert.match(photos[0]!.preview, /^data:image\/jpeg;base64,\/9j\//);
      assert.ok(photos[0]!.width <= 320 && photos[0]!.height <= 240);
      assert.equal(byStep.get('s-nt01')!.answer, 'Scratch on rear left door');
      assert.equal(byStep.get('s-rt01')!.answer, 4);
      assert.equal(byStep.get('s-ph01')!.answer, null);
      assert.equal((byStep.get('s-ph01')!.photos as unknown[]).length, 1);
      assert.equal(byStep.get('s-bc01')!.answer, 'VIN1234567890');
      assert.equal(byStep.get('s-dt01')!.answer, '2026-05-10');
      assert.equal(byStep.get('s-in01')!.answer, null);
      assert.match(
        String(byStep.get('s-sg01')!.answer),
        new RegExp(`^${server.url}/media/runs/${runId}/s-sg01/med-[0-9a-f-]+\\.png\\?exp=`),
      );
      assert.deepEqual(events[10]!.data.progress, { total: 11, answered: 11, skipped: 0 });
      assert.deepEqual(
        events.slice(0, 11).map((e) => e.data.progress!.answered),
        Array.from({ length: 11 }, (_, i) => i + 1),
      );

      const completed = events[11]!.data as {
        answers: Record<string, { answer: unknown; photos: { url: string }[] }>;
      };
      assert.deepEqual(events[11]!.data.progress, { total: 11, answered: 11, skipped: 0 });
      assert.equal(events[11]!.data.executor_ref, 'booking_e2e');
      assert.deepEqual(Object.keys(completed.answers).sort(), [...byStep.keys()].sort());
      const signature = await fetch(String(completed.answers['s-sg01']!.answer));
      assert.equal(signature.status, 200);
      assert.equal(signature.headers.get('content-type'), 'image/png');
      const fullPhoto = await fetch(completed.answers['s-ph01']!.photos[0]!.url);
      assert.equal(fullPhoto.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(
        await listEventTypes(server, runId),
        events.map((e) => e.event),
        'one delivery per event',
      );
      assert.deepEqual(errors, []);
      await closeContext(context);
    });

    it('skips an optional step, then exits after confirming: step.skipped and run.cancelled', async () => {
      const { run_id: runId, link, context, page } = await openRun();
      await start(page, link);
      await answerSteps(page, photo, { to: 3 });
      await waitForHeading(page, 'Damage type');
      await page.getByRole('button', { name: 'Skip' }).click();
      await waitForHeading(page, 'Additional notes');
      await page.getByRole('button', { name: 'Exit' }).click();
      const dialog = page.getByRole('dialog', { name: 'Exit this checklist?' });
      await checkScreen(page, 'exit-confirm');
      await dialog.getByRole('button', { name: 'Keep working' }).click();
      assert.deepEqual(await listEventTypes(server, runId), [
        'step.completed',
        'step.completed',
        'step.completed',
        'step.skipped',
      ]);
      await page.getByRole('button', { name: 'Exit' }).click();
      await dialog.getByRole('button', { name: 'Cancel checklist' }).click();
      await waitForWebhooks(runId, 5);
      const events = webhooksOf(runId);
      assert.equal(events[3]!.event, 'step.skipped');
      assert.deepEqual(events[3]!.data, {
        executor_ref: 'booking_e2e',
        step_id: 's-dm02',
        step_label: 'Damage type',
        step_type: 'multi_choice',
        progress: { total: 11, answered: 3, skipped: 1 },
      });
      assert.equal(events[4]!.event, 'run.cancelled');
      assert.equal(events[4]!.data.reason, 'user_exit');
      assert.equal(events[4]!.data.last_step_id, 's-nt01');
      assert.deepEqual(Object.keys(events[4]!.data.answers_so_far as object).sort(), [
        's-dm01',
        's-fu01',
        's-od01',
      ]);
      await checkScreen(page, 'cancelled');
      await closeContext(context);
    });

    it('shows a test run its banner, and its webhooks say livemode false, signed as live ones', async () => {
      const { key } = await createApiKey(server.database.db, server.orgId, 'e2e test', { livemode: false });
      const response = await fetch(`${server.url}/v1/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          template_id: templateId,
          webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
          executor_ref: 'booking_e2e_test',
        }),
      });
      assert.equal(response.status, 201);
      const run = (await response.json()) as { run_id: string; link: string; livemode: boolean };
      assert.equal(run.livemode, false);
      const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
      await context.grantPermissions(['geolocation'], { origin: server.url });
      await context.setGeolocation(GEO);
      const page = await context.newPage();
      await start(page, run.link);
      await page.getByText('Test run', { exact: false }).first().waitFor();
      await checkScreen(page, 'test-run');
      await page.getByRole('button', { name: 'Exit' }).click();
      await page
        .getByRole('dialog', { name: 'Exit this checklist?' })
        .getByRole('button', { name: 'Cancel checklist' })
        .click();
      await waitForWebhooks(run.run_id, 1);
      const [cancelled] = webhooksOf(run.run_id);
      assert.equal(cancelled!.event, 'run.cancelled');
      assert.equal(cancelled!.livemode, false);
      await closeContext(context);
    });

    it('shows the expired page with 410 for an expired link, and writes run.expired once', async () => {
      const { run_id: runId, link, context, page } = await openRun({ expiresInHours: 1 });
      await server.database.db
        .updateTable('runs')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', runId)
        .execute();
      const response = await page.goto(link);
      assert.equal(response?.status(), 410);
      await waitForHeading(page, 'This link has expired');
      await checkScreen(page, 'expired');
      await page.reload();
      await waitForHeading(page, 'This link has expired');
      assert.deepEqual(await listEventTypes(server, runId), ['run.expired']);
      await closeContext(context);
    });

    it('keeps answers made offline and sends each once when the connection returns', async () => {
      const { run_id: runId, link, context, page } = await openRun();
      await start(page, link);
      await answerSteps(page, photo, { to: 1 });
      await waitForHeading(page, 'Fuel level');
      await context.setOffline(true);
      await answerSteps(page, photo, { from: 1, to: 4, offline: true });
      await waitForHeading(page, 'Additional notes');
      await checkScreen(page, 'offline');
      assert.deepEqual(await listEventTypes(server, runId), ['step.completed']);
      await context.setOffline(false);
      await waitForAllSaved(page);
      await waitForWebhooks(runId, 4);
      const types = await listEventTypes(server, runId);
      assert.deepEqual(types, Array<string>(4).fill('step.completed'));
      const steps = webhooksOf(runId).map((e) => e.data.step_id);
      assert.deepEqual(steps, ['s-od01', 's-fu01', 's-dm01', 's-dm02'], 'each answer arrives once, in order');
      await closeContext(context);
    });

    it('resumes on the same step with earlier answers after a reload', async () => {
      const { run_id: runId, link, context, page } = await openRun();
      await start(page, link);
      await answerSteps(page, photo, { to: 2 });
      await waitForHeading(page, 'Any pre-existing damage?');
      await waitForAllSaved(page);
      await page.reload();
      await waitForHeading(page, 'Any pre-existing damage?');
      await page.getByRole('button', { name: 'Back' }).click();
      await waitForHeading(page, 'Fuel level');
      assert.equal(await page.getByRole('radio', { name: 'Half' }).isChecked(), true);
      await next(page);
      await answerSteps(page, photo, { from: 2, to: 3 });
      await waitForHeading(page, 'Damage type');
      await waitForAllSaved(page);
      assert.deepEqual(await listEventTypes(server, runId), [
        'step.completed',
        'step.completed',
        'step.completed',
      ]);
      await closeContext(context);
    });
  });
}
