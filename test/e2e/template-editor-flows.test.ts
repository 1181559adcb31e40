/**
 * The template editor's flows beside building a template (template-editor.test.ts): the condition
 * builder with groups, Not and `in`; reorder by drag and by keyboard; duplicate a step; archive with
 * its note, runs already sent unaffected; restore an old version as a new one; the unsaved-changes
 * guard on an in-app link and on unload; the real server's 422 `errors[]` shown at the step and field;
 * an import refused at its field (not JSON, not a template, the server's rules) with the editor
 * unchanged; the preview following an edit; a step added in version 2 in the diff; duplicate a
 * template and dispatch the copy from its page.
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
    await page.getByRole('button', { name: 'Save', exact: true }).waitFor();
  }

  async function save(version: number) {
    await page.getByRole('button', { name: 'Save', exact: true }).click();
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

  it('reorders steps by dragging with the mouse and with Move up / Move down from the keyboard', async () => {
    const template = await createTemplate(
      'Reorder',
      ['A', 'B', 'C', 'D'].map((label) => ({ type: 'text', label })),
    );
    const ids = template.steps.map((s) => s.id as string);
    await openTemplate(template.id);
    const labels = async () =>
      (await page.locator('.step-pick').allTextContents()).map((t) => /^\d+\.\s*(\S+)/.exec(t)?.[1]);
    // Drag D (an HTML5 drag, by the mouse) onto A: D goes first.
    await page.locator('.step-item').nth(3).dragTo(page.locator('.step-item').nth(0));
    assert.deepEqual(await labels(), ['D', 'A', 'B', 'C']);
    // Keyboard only: Move step 1 down twice; focus follows the moved step's button.
    await page.getByRole('button', { name: 'Move step 1 down' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(
      await page.evaluate('document.activeElement.getAttribute("aria-label")'),
      'Move step 2 down',
    );
    await page.keyboard.press('Space');
    assert.deepEqual(await labels(), ['A', 'B', 'D', 'C']);
    await save(2);
    const saved = await session.withKey('GET', `/v1/templates/${template.id}`);
    assert.deepEqual(
      saved.steps.map((s) => s.id),
      [ids[0], ids[1], ids[3], ids[2]],
      'steps keep their ids when moved',
    );
  });

  it('duplicates a step after itself with a new id and the same settings', async () => {
    const template = await createTemplate('Duplicate', [
      { id: 's-damage', type: 'boolean', label: 'Damage?' },
      {
        type: 'multi_choice',
        label: 'Damage type',
        options: [{ label: 'Scratch' }, { label: 'Dent' }],
        photos: { min: 1, max: 4 },
        visible_if: { step: 's-damage', equals: true },
      },
      { type: 'text', label: 'Notes' },
    ]);
    const damageType = template.steps[1]!;
    await openTemplate(template.id);
    await page.getByRole('button', { name: 'Duplicate step 2' }).click();
    assert.equal(await page.locator('.step-item').count(), 4);
    await stepEditor()
      .getByRole('heading', { name: /^Step 3: Damage type \(copy\)/ })
      .waitFor();
    await save(2);
    const saved = await session.withKey('GET', `/v1/templates/${template.id}`);
    const { id: copyId, label, ...copy } = saved.steps[2]!;
    const { id: _id, label: _label, ...original } = saved.steps[1]!;
    assert.equal(label, 'Damage type (copy)');
    assert.notEqual(copyId, damageType.id);
    assert.match(String(copyId), /^s-[0-9a-f]{10}$/);
    assert.deepEqual(copy, original, 'options, photos and the condition are copied');
    assert.equal(saved.steps[3]!.label, 'Notes');
  });

  it('archives a template with the note that runs already sent are unaffected, and such a run still completes', async () => {
    const template = await createTemplate('Archive me', [{ type: 'boolean', label: 'All good?' }]);
    const run = await session.withKey<{ run_id: string; link: string }>('POST', '/v1/runs', {
      template_id: template.id,
    });
    await page.goto(`${server.url}/app/templates`);
    await page.getByRole('button', { name: 'Archive Archive me' }).click();
    const dialog = page.getByRole('dialog', { name: 'Archive “Archive me”?' });
    await dialog.getByText(/Runs already sent are not affected/).waitFor();
    await page.screenshot({ path: path.join(DASHBOARD_SCREENSHOTS, 'editor-archive.png'), fullPage: true });
    await assertAccessible(page, 'archive template dialog');
    await dialog.getByRole('button', { name: 'Archive' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(
      await page.getByRole('link', { name: 'Archive me', exact: true }).count(),
      0,
      'hidden from the list',
    );
    await page.getByLabel('Show archived').check();
    await page.getByRole('link', { name: 'Archive me', exact: true }).click();
    await page.getByText(/archived \(read-only\)/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).count(), 0);
    assert.ok((await session.withKey('GET', `/v1/templates/${template.id}`)).archived_at);

    // The run sent before the archive is unaffected: the executor completes it.
    const phone = await browser.newPage({ viewport: { width: 360, height: 640 } });
    try {
      await phone.goto(run.link);
      await phone.getByRole('button', { name: 'Start' }).click();
      await phone.getByRole('radio', { name: 'Yes' }).check();
      await phone.getByRole('button', { name: 'Next' }).click();
      await phone.getByRole('button', { name: 'Submit' }).click();
      await phone.getByRole('heading', { level: 1, name: 'Thank you!' }).waitFor();
    } finally {
      await phone.close();
    }
    const completed = await session.withKey<{ status: string; template: { name: string } }>(
      'GET',
      `/v1/runs/${run.run_id}`,
    );
    assert.equal(completed.status, 'completed');
    assert.equal(completed.template.name, 'Archive me');
  });

  it('restores an old version as a new version, from the versions page and from the old version', async () => {
    const template = await createTemplate('Restore', [{ type: 'text', label: 'First label' }]);
    await openTemplate(template.id);
    await stepEditor().getByLabel('Label', { exact: true }).fill('Second label');
    await save(2);
    await page.getByRole('link', { name: 'Versions' }).click();
    await page.getByRole('button', { name: 'Restore version 1 as new version' }).click();
    await page.locator('section.diff').getByText('Changes from version 1 to version 3').waitFor();
    const v3 = await session.withKey('GET', `/v1/templates/${template.id}`);
    assert.equal(v3.version, 3);
    assert.equal(v3.steps[0]!.label, 'First label');
    assert.equal(v3.steps[0]!.id, template.steps[0]!.id);

    await page.goto(`${server.url}/app/templates/${template.id}?version=2`);
    await page.getByText('This is an old version.').waitFor();
    await page.getByRole('button', { name: 'Restore as new version' }).click();
    await page.getByText(/version 4 · updated/).waitFor();
    const v4 = await session.withKey('GET', `/v1/templates/${template.id}`);
    assert.equal(v4.steps[0]!.label, 'Second label');
    const v1 = await session.withKey('GET', `/v1/templates/${template.id}/versions/1`);
    assert.equal(v1.steps[0]!.label, 'First label', 'the old version itself is unchanged');
  });

  it('asks before leaving with unsaved changes, by an in-app link, by Back and by unloading the page', async () => {
    const template = await createTemplate('Guard', [{ type: 'text', label: 'Notes' }]);
    // Opened from the list, so Back stays in the app (a popstate, not an unload).
    await page.goto(`${server.url}/app/templates`);
    await page.getByRole('link', { name: 'Guard', exact: true }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).waitFor();
    await stepEditor().getByLabel('Label', { exact: true }).fill('Changed notes');
    await page.getByText('Unsaved changes.').waitFor();

    const dialogs: string[] = [];
    const answer = (accept: boolean) =>
      page.once('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void (accept ? dialog.accept() : dialog.dismiss());
      });
    answer(false);
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    assert.deepEqual(dialogs, ['confirm: You have unsaved changes. Leave without saving?']);
    assert.match(page.url(), new RegExp(`/app/templates/${template.id}$`));
    assert.equal(await stepEditor().getByLabel('Label', { exact: true }).inputValue(), 'Changed notes');

    // The browser's Back button: cancelled, the editor and its URL stay.
    answer(false);
    await page.evaluate('history.back()');
    await page.waitForFunction("location.pathname.includes('/app/templates/')");
    await page.getByText('Unsaved changes.').waitFor();
    assert.equal(dialogs[1], 'confirm: You have unsaved changes. Leave without saving?');
    assert.match(page.url(), new RegExp(`/app/templates/${template.id}$`));
    assert.equal(await stepEditor().getByLabel('Label', { exact: true }).inputValue(), 'Changed notes');

    answer(false);
    await page.close({ runBeforeUnload: true });
    await page.waitForEvent('dialog', { predicate: () => false, timeout: 500 }).catch(() => undefined);
    assert.equal(dialogs[2], 'beforeunload: ');
    assert.equal(page.isClosed(), false, 'the page stays when leaving is cancelled');

    answer(true);
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.waitForURL(/\/app\/runs$/);
    assert.equal(dialogs.length, 4);

    // Saved, nothing is asked.
    await openTemplate(template.id);
    await stepEditor().getByLabel('Label', { exact: true }).fill('Saved notes');
    await save(2);
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.waitForURL(/\/app\/runs$/);
    assert.equal(dialogs.length, 4);
  });

  it("shows the real server's 422 errors at the step and field when the client check is bypassed", async () => {
    const template = await createTemplate('Server rules', [
      { type: 'text', label: 'Notes' },
      { type: 'number', label: 'Odometer', min: 0, max: 100 },
    ]);
    await openTemplate(template.id);
    await page.getByRole('button', { name: /^2\. Odometer/ }).click();
    await stepEditor().getByLabel('Minimum').fill('50');
    await page.getByRole('button', { name: /^1\. Notes/ }).click();
    // The editor's own check passes (50 ≤ 100); on the way to the real server the body is changed to
    // one its rules refuse, as an editor with out-of-date rules would send.
    const url = `**/v1/templates/${template.id}`;
    await page.route(url, async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      const body = route.request().postDataJSON() as { steps: Record<string, unknown>[] };
      body.steps[1]!.min = 500;
      await route.continue({ postData: JSON.stringify(body) });
    });
    try {
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('alert').getByText('The server refused the template').waitFor();
    } finally {
      await page.unroute(url);
    }
    // The error is on step 2, not the one open: the list marks it, and it shows at its field.
    const second = page.locator('.step-item').nth(1);
    await second.getByText('Fix').waitFor();
    assert.equal(await page.locator('.step-item .badge.danger').count(), 1);
    await second.locator('.step-pick').click();
    const minimum = stepEditor().getByLabel('Minimum');
    assert.equal(await minimum.getAttribute('aria-invalid'), 'true');
    await stepEditor()
      .locator('.field-invalid', { has: page.getByLabel('Minimum') })
      .getByText(/min must not exceed max/)
      .waitFor();
    await page.screenshot({
      path: path.join(DASHBOARD_SCREENSHOTS, 'editor-server-422.png'),
      fullPage: true,
    });
    assert.equal((await session.withKey('GET', `/v1/templates/${template.id}`)).version, 1);
    // The next edit gives the word back to the rules as you type; Save then goes through.
    await minimum.fill('10');
    assert.equal(await page.locator('.step-item .badge.danger').count(), 0);
    await save(2);
    assert.equal((await session.withKey('GET', `/v1/templates/${template.id}`)).steps[1]!.min, 10);
  });

  it('refuses an import that is not JSON, not a template or breaks the rules, at the import field, changing nothing', async () => {
    const template = await createTemplate('Import checks', [{ type: 'text', label: 'Notes' }]);
    await openTemplate(template.id);
    const editorState = async () => ({
      name: await page.getByLabel('Name', { exact: true }).inputValue(),
      steps: await page.locator('.step-pick').allTextContents(),
      status: await page.locator('.editor-toolbar [role="status"]').textContent(),
    });
    const before = await editorState();
    const importError = page.locator('.import-panel [role="alert"]');
    const paste = page.getByLabel('Template JSON');
    await page.getByRole('button', { name: 'Paste JSON' }).click();
    const refusals: [string, RegExp][] = [
      ['{ name: "not quoted"', /^Pasted JSON: This is not JSON: /],
      ['[{"name":"A list","steps":[]}]', /This JSON is a list, not a template/],
      ['42', /This JSON is a number, not a template/],
      ['{"name":"No steps"}', /This JSON has no "steps" list/],
      [
        '{"name":"Bad","steps":[{"type":"choice","label":"Fuel","options":[]}]}',
        /Not imported: the template breaks a rule the server checks\. Nothing in the editor changed\.\s*Step 1 “Fuel”: options /,
      ],
    ];
    for (const [text, expected] of refusals) {
      await paste.fill(text);
      await page.getByRole('button', { name: 'Import pasted JSON' }).click();
      await importError.getByText(expected).waitFor();
      assert.equal(await paste.getAttribute('aria-invalid'), 'true', text);
      assert.equal(await paste.getAttribute('aria-describedby'), await importError.getAttribute('id'));
      assert.equal(await paste.inputValue(), text, 'the pasted text stays for fixing');
      assert.deepEqual(await editorState(), before, `${text}: the editor is unchanged`);
    }
    await assertAccessible(page, 'refused import');
    await page.screenshot({
      path: path.join(DASHBOARD_SCREENSHOTS, 'editor-import-refused.png'),
      fullPage: true,
    });

    await page.getByLabel('Import JSON file').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"name":"Steps not a list","steps":3}'),
    });
    await importError.getByText(/^File “broken\.json”: This JSON has no "steps" list/).waitFor();
    assert.deepEqual(await editorState(), before, 'a refused file changes nothing either');
    assert.equal((await session.withKey('GET', `/v1/templates/${template.id}`)).version, 1);

    await paste.fill('{"name":"Fixed","steps":[{"type":"text","label":"Pasted notes"}]}');
    await page.getByRole('button', { name: 'Import pasted JSON' }).click();
    await page.getByText('Imported. Save to keep it.').waitFor();
    assert.equal(await importError.count(), 0, 'the error goes with a good import');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Fixed');
  });

  it('shows an edit in the phone preview as it is typed', async () => {
    const template = await createTemplate('Preview follows', [
      { type: 'boolean', label: 'Tyres ok?' },
      { type: 'number', label: 'Odometer', unit: 'km' },
    ]);
    await openTemplate(template.id);
    const phone = page.frameLocator('iframe.phone-frame');
    await phone.getByText('Tyres ok?', { exact: true }).waitFor();
    await stepEditor().getByLabel('Label', { exact: true }).fill('Tyres inflated?');
    await phone.getByText('Tyres inflated?', { exact: true }).waitFor();
    assert.equal(await phone.getByText('Tyres ok?', { exact: true }).count(), 0);
    await page.getByLabel('Name', { exact: true }).fill('Depot preview');
    await phone.locator('.template-name').getByText('Depot preview').waitFor();
    await page.getByRole('button', { name: /^2\. Odometer/ }).click();
    await phone.getByText('Odometer', { exact: true }).waitFor();
    await phone.getByText('Step 2 of 2').waitFor();
  });

  it('shows a step added in version 2 as added in the diff, and the steps after it unmoved', async () => {
    const template = await createTemplate('Diff added', [
      { type: 'text', label: 'Notes' },
      { type: 'boolean', label: 'Clean?' },
    ]);
    await openTemplate(template.id);
    await page.getByLabel('New step type').selectOption('rating');
    await page.getByRole('button', { name: 'Add step' }).click();
    await stepEditor().getByLabel('Label', { exact: true }).fill('Cleanliness');
    await save(2);
    const added = (await session.withKey('GET', `/v1/templates/${template.id}`)).steps[1]!;
    assert.equal(added.label, 'Cleanliness');
    await page.getByRole('link', { name: 'Versions' }).click();
    const diff = page.locator('section.diff');
    await diff.getByText('Changes from version 1 to version 2').waitFor();
    await diff.getByRole('heading', { name: 'Steps added' }).waitFor();
    assert.match(
      (await diff.locator('ins').first().textContent()) ?? '',
      new RegExp(`Cleanliness \\(rating\\) ${added.id as string}`),
    );
    assert.equal(
      await diff.getByRole('heading', { name: 'Steps changed' }).count(),
      0,
      '“Clean?” did not move',
    );
    assert.equal(await diff.getByRole('heading', { name: 'Steps removed' }).count(), 0);
  });

  it('duplicates a template from the list and dispatches the copy from its page, the form on that template', async () => {
    const template = await createTemplate('Depot check', [
      { type: 'choice', label: 'Bay', options: [{ label: 'North' }, { label: 'South' }] },
      { type: 'signature', label: 'Sign' },
    ]);
    await page.goto(`${server.url}/app/templates`);
    await page.getByRole('link', { name: 'Duplicate Depot check' }).click();
    await page.getByRole('heading', { level: 1, name: 'Duplicate template' }).waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Depot check (copy)');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL((url) => /^\/app\/templates\/(?!new)[^/]+$/.test(url.pathname));
    const copyId = new URL(page.url()).pathname.split('/').pop()!;
    assert.notEqual(copyId, template.id);
    const copy = await session.withKey('GET', `/v1/templates/${copyId}`);
    assert.equal(copy.name, 'Depot check (copy)');
    assert.deepEqual(copy.steps, template.steps, 'the copy has the same steps, options and ids');

    await page.locator('.editor-toolbar').getByRole('link', { name: 'Dispatch run' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dispatch run' }).waitFor();
    assert.equal(await page.getByLabel('Template').inputValue(), copyId);
    await page.getByLabel('Executor ref').fill('depot-7');
    await page.getByRole('button', { name: 'Dispatch run' }).click();
    const link = await page.getByLabel('Run link', { exact: true }).inputValue();
    assert.match(link, new RegExp(`^${server.url}/r/r-`));
    const run = await session.withKey<{ template_id: string; executor_ref: string }>(
      'GET',
      `/v1/runs/${link.split('/r/')[1]!}`,
    );
    assert.equal(run.template_id, copyId);
    assert.equal(run.executor_ref, 'depot-7');
    assert.deepEqual(session.errors, []);
  });
});
