/**
 * The template editor's flows beside building a template (template-editor.test.ts): the condition
 * builder with groups, Not and `in`; reorder by drag and by keyboard; duplicate a step; archive with
 * its note, runs already sent unaffected; restore an old version as a new one; the unsaved-changes
 * guard on an in-app link and on unload; the real server's 422 `errors[]` shown at the step and field.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_DASHBOARD_DIST } from '../../src/http/routes/dashboard-app.js';
import { assertAccessible } from './axe.js';
import { DASHBOARD_SCREENSHOTS } from './dashboard-pages.js';
import { openEditorSession, type EditorSession, type TemplateJson } from './editor-session.js';
import { e2eSkipReason, launchChromium, startServer, type E2eServer } from './harness.js';

const skip =
  e2eSkipReason() ??
  (fs.existsSync(path.join(DEFAULT_DASHBOARD_DIST, 'index.html'))
    ? undefined
    : 'the dashboard is not built (npm run build:web)');
if (skip) console.log(`# skipping the template editor flow browser tests: ${skip}`);

describe('template editor flows in Chromium', { skip }, () => {
  let server: E2eServer;
  let browser: Browser;
  let session: EditorSession;
  let page: Page;

  const stepEditor = () => page.locator('.step-editor');
  async function createTemplate(name: string, steps: Record<string, unknown>[]): Promise<TemplateJson> {
    return session.withKey('POST', '/v1/templates', {
      name,
      settings: { allow_skip: true, identity: 'anonymous', geo: 'off' },
      steps,
    });
  }

  async function openTemplate(id: string) {
    await page.goto(`${server.url}/app/templates/${id}`);
    await page.getByRole('button', { name: 'Save' }).waitFor();
  }

  async function save(version: number) {
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Saved as version ${version}.`).waitFor();
  }

  before(async () => {
    [server, browser] = await Promise.all([startServer('pglite', { worker: false }), launchChromium()]);
    session = await openEditorSession(server, browser, 'Flows org');
    page = session.page;
    fs.mkdirSync(DASHBOARD_SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('builds all / any / not groups and in lists in the condition builder and saves them as built', async () => {
    const template = await createTemplate('Conditions', [
      {
        type: 'choice',
        label: 'Fuel level',
        options: [{ label: 'Empty' }, { label: 'Half' }, { label: 'Full' }],
      },
      { type: 'number', label: 'Odometer' },
      { type: 'boolean', label: 'Damage?' },
      { type: 'text', label: 'Notes' },
    ]);
    const [fuel, odometer, damage, notes] = template.steps.map((s) => s.id as string);
    const fuelOptions = (template.steps[0]!.options as { id: string }[]).map((o) => o.id);
    await openTemplate(template.id);
    await page.getByRole('button', { name: /^4\. Notes/ }).click();
    const editor = stepEditor();
    await editor.getByRole('button', { name: 'Add condition: show only when' }).click();
    await editor.getByRole('button', { name: 'Show only when: combine with another condition' }).click();
    // Condition 2: Fuel level is one of Half, Full.
    await editor.getByLabel('Show only when, condition 2: step').selectOption({ label: 'Fuel level' });
    await editor.getByLabel('Show only when, condition 2: operator').selectOption('in');
    const values = editor.getByRole('group', { name: 'Show only when, condition 2: values' });
    await values.getByLabel('Empty').uncheck();
    // No value ticked is refused by the rules as you type, at the field.
    await editor
      .locator('fieldset.condition.field-invalid')
      .getByText(/in takes a list/)
      .waitFor();
    await values.getByLabel('Full').check();
    await values.getByLabel('Half').check();
    await editor.getByLabel('Show only when: match').selectOption('any');
    // Condition 3: not (any of: Odometer is more than 1000).
    await editor.getByRole('button', { name: 'Show only when: add group' }).click();
    await editor
      .getByLabel('Show only when, condition 3, condition 1: step')
      .selectOption({ label: 'Odometer' });
    await editor.getByLabel('Show only when, condition 3, condition 1: operator').selectOption('gt');
    await editor.getByLabel('Show only when, condition 3, condition 1: value').fill('1000');
    await editor.getByLabel('Show only when, condition 3: not').check();
    // Required when Odometer is one of 1, 2, 3.
    await editor.getByRole('button', { name: 'Add condition: required when' }).click();
    await editor.getByLabel('Required when: step').selectOption({ label: 'Odometer' });
    await editor.getByLabel('Required when: operator').selectOption('in');
    await editor.getByLabel('Required when: values').fill('1, 2,3');
    assert.equal(
      await editor.locator('.condition-words').first().textContent(),
      'Reads: show only when “Damage?” is Yes or “Fuel level” is one of “Half”, “Full” or not (“Odometer” is more than 1000).',
    );
    await page.screenshot({
      path: path.join(DASHBOARD_SCREENSHOTS, 'editor-conditions.png'),
      fullPage: true,
    });
    await assertAccessible(page, 'template editor condition builder');
    await save(2);

    const saved = await session.withKey('GET', `/v1/templates/${template.id}`);
    assert.deepEqual(saved.steps[3]!.visible_if, {
      any: [
        { step: damage, equals: true },
        { step: fuel, in: [fuelOptions[1], fuelOptions[2]] },
        { not: { any: [{ step: odometer, gt: 1000 }] } },
      ],
    });
    assert.deepEqual(saved.steps[3]!.required_if, { step: odometer, in: [1, 2, 3] });
    assert.equal(saved.steps[3]!.id, notes);

    // Opened again, the builder shows the saved tree.
    await openTemplate(template.id);
    await page.getByRole('button', { name: /^4\. Notes/ }).click();
    assert.equal(await stepEditor().getByLabel('Show only when: match').inputValue(), 'any');
    assert.equal(await stepEditor().getByLabel('Show only when, condition 3: not').isChecked(), true);
    assert.equal(
      await stepEditor().getByLabel('Show only when, condition 3, condition 1: value').inputValue(),
      '1000',
    );
    assert.equal(await stepEditor().getByLabel('Required when: values').inputValue(), '1, 2, 3');
    // Removing the group's last condition removes the group.
    await stepEditor()
      .getByRole('button', { name: 'Show only when, condition 3, condition 1: remove' })
      .click();
    assert.equal(await stepEditor().getByLabel('Show only when, condition 3: not').count(), 0);
    assert.deepEqual(session.errors, []);
  });
});
