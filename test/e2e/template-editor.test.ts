/**
 * The template editor in real headless Chromium against a real server: a template with all 11 step
 * types built with the editor only (one step by keyboard only), saved and read back through the API;
 * version 2 and its diff; an earlier run's snapshot unchanged; export and re-import; an invalid edit
 * shown at its field. One browser and one server for the file; axe-core on the editor; a screenshot of
 * each step type. The preview is compared with the executor app in template-editor-preview.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createApiKey } from '../../src/db/api-keys.js';
import { DEFAULT_DASHBOARD_DIST } from '../../src/http/routes/dashboard-app.js';
import { assertAccessible } from './axe.js';
import { DASHBOARD_SCREENSHOTS, DESKTOP } from './dashboard-pages.js';
import { e2eSkipReason, launchChromium, startServer, type E2eServer } from './harness.js';

const skip =
  e2eSkipReason() ??
  (fs.existsSync(path.join(DEFAULT_DASHBOARD_DIST, 'index.html'))
    ? undefined
    : 'the dashboard is not built (npm run build:web)');
if (skip) console.log(`# skipping the template editor browser tests: ${skip}`);

type Body = Record<string, unknown> & { id: string; version: number; steps: Record<string, unknown>[] };

/** What the editor builds, step by step: [type, label, extra settings applied in the editor]. */
const BUILT = [
  { type: 'boolean', label: 'Any damage?', required: true },
  { type: 'choice', label: 'Fuel level', required: true, options: ['Empty', 'Full'] },
  { type: 'multi_choice', label: 'Damage type', required: false, options: ['Scratch', 'Dent'] },
  { type: 'text', label: 'Notes', required: true },
  { type: 'number', label: 'Odometer', required: true, min: 0, max: 999999, unit: 'km' },
  { type: 'rating', label: 'Cleanliness', required: false, max: 7 },
  { type: 'photo', label: 'Front photo', required: true },
  { type: 'signature', label: 'Customer signature', required: true },
  { type: 'barcode', label: 'Key tag', required: false },
  { type: 'datetime', label: 'Returned at', required: true, mode: 'datetime' },
  { type: 'instruction', label: 'Hand the keys over', required: false },
] as const;

const LABELS: Record<string, string> = {
  boolean: 'Yes / No',
  choice: 'Choice (one)',
  multi_choice: 'Choice (several)',
  text: 'Text',
  number: 'Number',
  rating: 'Rating',
  photo: 'Photo',
  signature: 'Signature',
  barcode: 'Barcode',
  datetime: 'Date / time',
  instruction: 'Instruction',
};

function definitionOf(body: Record<string, unknown>) {
  const {
    id: _i,
    version: _v,
    archived_at: _a,
    created_at: _c,
    updated_at: _u,
    runs_count: _r,
    ...rest
  } = body;
  return rest;
}

describe('template editor in Chromium', { skip }, () => {
  let server: E2eServer;
  let browser: Browser;
  let page: Page;
  let apiKey = '';
  const errors: string[] = [];
  let templateId = '';
  let v1: Body;
  let runId = '';

  async function withKey<T = Body>(method: string, url: string, body?: unknown): Promise<T> {
    const response = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${url}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  const stepEditor = () => page.locator('.step-editor');

  async function addStep(type: string) {
    await page.getByLabel('New step type').selectOption(type);
    await page.getByRole('button', { name: 'Add step' }).click();
  }

  before(async () => {
    [server, browser] = await Promise.all([startServer('pglite', { worker: false }), launchChromium()]);
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    const signUp = await page.request.post(`${server.url}/v1/auth/sign-up`, {
      data: {
        organization_name: 'Editor org',
        name: 'Erin Editor',
        email: 'erin@editor.test',
        password: 'editor-password-1',
      },
    });
    assert.equal(signUp.status(), 201, await signUp.text());
    const orgId = ((await signUp.json()) as { org: { org_id: string } }).org.org_id;
    apiKey = (await createApiKey(server.database.db, orgId, 'integration')).key;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('builds a template with all 11 step types in the editor (one by keyboard only) and the API returns exactly that', async () => {
    await page.goto(`${server.url}/app/templates`);
    await page.getByRole('link', { name: 'New template' }).click();
    await page.getByRole('heading', { level: 1, name: 'New template' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Vehicle return');
    await page.getByLabel('Allow skipping optional steps').check();
    await page.getByLabel('Location').selectOption('per_step');

    for (const spec of BUILT) {
      if (spec.type === 'text') {
        // Keyboard only: type-ahead on the type list, Tab to Add step, Enter; focus lands on Label.
        await page.getByLabel('New step type').focus();
        await page.keyboard.press('Home');
        await page.keyboard.type('Tex');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.keyboard.type(spec.label);
        await page.keyboard.press('Tab');
        await page.keyboard.press('Space');
        assert.equal(await stepEditor().getByLabel('Type').inputValue(), 'text');
        continue;
      }
      await addStep(spec.type);
      const editor = stepEditor();
      await editor.getByLabel('Label', { exact: true }).fill(spec.label);
      if (spec.required) await editor.getByLabel('Required', { exact: true }).check();
      if ('options' in spec) {
        await editor.getByLabel('Option 1', { exact: true }).fill(spec.options[0]);
        await editor.getByRole('button', { name: 'Add option' }).click();
        await editor.getByLabel('Option 2', { exact: true }).fill(spec.options[1]);
      }
      if (spec.type === 'number') {
        await editor.getByLabel('Minimum').fill(String(spec.min));
        await editor.getByLabel('Maximum').fill(String(spec.max));
        await editor.getByLabel('Unit').fill(spec.unit);
      }
      if (spec.type === 'rating') await editor.getByLabel('Highest rating').fill(String(spec.max));
      if (spec.type === 'datetime') await editor.getByLabel('Date mode').selectOption(spec.mode);
      if (spec.type === 'multi_choice') {
        // A photo overlay and a condition: shown only when "Any damage?" is Yes.
        await editor.getByLabel('Ask for photos with this step').check();
        await editor.getByLabel('Photos at least').fill('1');
        await editor.getByLabel('Photos at most').fill('3');
        await editor.getByRole('button', { name: 'Add condition: show only when' }).click();
        await editor.getByLabel('Show only when: step').selectOption({ label: 'Any damage?' });
        await editor.getByLabel('Show only when: operator').selectOption('equals');
        await editor.getByLabel('Show only when: value').selectOption('true');
      }
      if (spec.type === 'instruction')
        await editor.getByLabel('Instruction text').fill('Leave them at the desk.');
    }
    assert.equal(await page.locator('.step-item').count(), 11);
    // Reorder by keyboard and back: Move up on the last step, then Move down on it.
    await page.getByRole('button', { name: 'Move step 11 up' }).focus();
    await page.keyboard.press('Enter');
    assert.match((await page.locator('.step-item').nth(9).textContent()) ?? '', /Hand the keys over/);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.match((await page.locator('.step-item').nth(10).textContent()) ?? '', /Hand the keys over/);

    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/app\/templates\/t-/);
    templateId = new URL(page.url()).pathname.split('/').pop()!;
    v1 = await withKey('GET', `/v1/templates/${templateId}`);
    assert.equal(v1.version, 1);
    assert.equal(v1.name, 'Vehicle return');
    assert.deepEqual(v1.settings, { allow_skip: true, identity: 'anonymous', geo: 'per_step' });
    const seen = v1.steps.map(({ id, options, ...rest }) => {
      assert.match(String(id), /^s-[0-9a-f]{10}$/);
      return {
        ...rest,
        ...(options ? { options: (options as { id: string; label: string }[]).map((o) => o.label) } : {}),
      };
    });
    const damageId = v1.steps[0]!.id;
    assert.deepEqual(seen, [
      { type: 'boolean', label: 'Any damage?', required: true },
      { type: 'choice', label: 'Fuel level', required: true, options: ['Empty', 'Full'] },
      {
        type: 'multi_choice',
        label: 'Damage type',
        required: false,
        photos: { min: 1, max: 3 },
        visible_if: { step: damageId, equals: true },
        options: ['Scratch', 'Dent'],
      },
      { type: 'text', label: 'Notes', required: true },
      { type: 'number', label: 'Odometer', required: true, min: 0, max: 999999, unit: 'km' },
      { type: 'rating', label: 'Cleanliness', required: false, max: 7 },
      { type: 'photo', label: 'Front photo', required: true, photos: { min: 1, max: 10 } },
      { type: 'signature', label: 'Customer signature', required: true },
      { type: 'barcode', label: 'Key tag', required: false },
      { type: 'datetime', label: 'Returned at', required: true, mode: 'datetime' },
      {
        type: 'instruction',
        label: 'Hand the keys over',
        required: false,
        description: 'Leave them at the desk.',
      },
    ]);
    assert.deepEqual(errors, []);
  });

  it('shows each step type in the editor and passes axe', async () => {
    fs.mkdirSync(DASHBOARD_SCREENSHOTS, { recursive: true });
    for (let i = 0; i < BUILT.length; i++) {
      await page.locator('.step-pick').nth(i).click();
      await stepEditor()
        .getByRole('heading', { name: new RegExp(`^Step ${i + 1}:`) })
        .waitFor();
      await page.screenshot({
        path: path.join(
          DASHBOARD_SCREENSHOTS,
          `editor-${String(i + 1).padStart(2, '0')}-${BUILT[i]!.type}.png`,
        ),
        fullPage: true,
      });
      await assertAccessible(page, `template editor with a ${BUILT[i]!.type} step`);
    }
    assert.equal(await page.getByRole('region', { name: 'Preview' }).count(), 1);
    assert.equal(LABELS.boolean, 'Yes / No');
  });

  it('shows an invalid edit at its field and refuses to save it', async () => {
    await page.locator('.step-pick').nth(4).click(); // Odometer
    await stepEditor().getByLabel('Minimum').fill('5000000');
    const field = stepEditor().locator('.field-invalid', { has: page.getByLabel('Minimum') });
    await field.getByText('min must not exceed max').waitFor();
    assert.equal(await stepEditor().getByLabel('Minimum').getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('alert')
      .getByText(/Fix the error/)
      .waitFor();
    assert.equal((await withKey('GET', `/v1/templates/${templateId}`)).version, 1);
    await stepEditor().getByLabel('Minimum').fill('0');
  });

  it('saves a change as version 2, shows it in the diff and leaves the earlier run unchanged', async () => {
    runId = (await withKey<{ run_id: string }>('POST', '/v1/runs', { template_id: templateId })).run_id;
    await page.locator('.step-pick').nth(1).click();
    await stepEditor().getByLabel('Label', { exact: true }).fill('Fuel gauge');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    const v2 = await withKey('GET', `/v1/templates/${templateId}`);
    assert.equal(v2.version, 2);
    assert.equal(v2.steps[1]!.label, 'Fuel gauge');
    const run = await withKey<{ template: unknown }>('GET', `/v1/runs/${runId}`);
    assert.deepEqual(run.template, definitionOf(v1));

    await page.getByRole('link', { name: 'Versions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Versions' }).waitFor();
    const diff = page.locator('section.diff');
    await diff.getByText('Changes from version 1 to version 2').waitFor();
    const text = (await diff.textContent()) ?? '';
    assert.match(text, /Fuel gauge/);
    assert.match(text, /label: Fuel level → Fuel gauge/);
    assert.match((await page.locator('table').textContent()) ?? '', /Erin Editor \(erin@editor\.test\)/);
    await assertAccessible(page, 'template versions');
    await page.screenshot({ path: path.join(DASHBOARD_SCREENSHOTS, 'editor-versions.png'), fullPage: true });

    await page.getByRole('link', { name: 'Open version 1' }).click();
    await page.getByText('This is an old version.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0);
  });

  it('exports the JSON and re-imports it as an equal template', async () => {
    await page.goto(`${server.url}/app/templates/${templateId}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    const file = await download.path();
    const exported = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const current = await withKey('GET', `/v1/templates/${templateId}`);
    assert.deepEqual(exported, definitionOf(current));

    await page.goto(`${server.url}/app/templates/new`);
    await page.locator('input[type="file"]').setInputFiles(file);
    await page.getByText('Imported. Save to keep it.').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/app\/templates\/t-/);
    const copyId = new URL(page.url()).pathname.split('/').pop()!;
    assert.notEqual(copyId, templateId);
    const copy = await withKey('GET', `/v1/templates/${copyId}`);
    assert.deepEqual(definitionOf(copy), definitionOf(current));
    assert.deepEqual(errors, []);
  });

  it('gives pasted steps and options without ids ids like the editor draws, and saves them as shown', async () => {
    await page.goto(`${server.url}/app/templates/new`);
    await page.getByRole('button', { name: 'Paste JSON' }).click();
    await page.getByLabel('Template JSON').fill(
      JSON.stringify({
        name: 'Pasted',
        steps: [
          { type: 'boolean', label: 'Pasted yes/no' },
          { type: 'choice', label: 'Pasted choice', options: [{ label: 'A' }, { id: 'o-kept', label: 'B' }] },
        ],
      }),
    );
    await page.getByRole('button', { name: 'Import pasted JSON' }).click();
    await page.getByText('Imported. Save to keep it.').waitFor();
    await page.getByRole('button', { name: /Pasted choice/ }).click();
    const heading =
      (await stepEditor()
        .getByRole('heading', { name: /^Step 2:/ })
        .textContent()) ?? '';
    const shownId = /s-[0-9a-f]{10}/.exec(heading)?.[0];
    assert.ok(shownId, `a step id in "${heading}"`);
    const optionIds = await stepEditor().locator('.option-row code').allTextContents();
    assert.match(optionIds[0]!, /^o-[0-9a-f]{10}$/);
    assert.equal(optionIds[1], 'o-kept');
    // A condition can refer to the pasted step now that it has an id.
    await stepEditor().getByRole('button', { name: 'Add condition: show only when' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/app\/templates\/t-/);
    const saved = await withKey('GET', `/v1/templates/${new URL(page.url()).pathname.split('/').pop()!}`);
    assert.equal(saved.steps[1]!.id, shownId);
    assert.deepEqual(saved.steps[1]!.visible_if, { step: saved.steps[0]!.id, equals: true });
    assert.match(String(saved.steps[0]!.id), /^s-[0-9a-f]{10}$/);
    assert.deepEqual(
      (saved.steps[1]!.options as { id: string }[]).map((o) => o.id),
      optionIds,
    );
    assert.deepEqual(errors, []);
  });
});
