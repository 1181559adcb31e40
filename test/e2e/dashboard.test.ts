/**
 * The dashboard in real headless Chromium against a real server, worker and webhook receiver: the
 * issue's "How it is shown" flow, one browser for the file. Every page visited is screenshotted at
 * 1280×800 (and the main ones on a phone) and checked with axe-core (serious/critical = failure).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_DASHBOARD_DIST } from '../../src/http/routes/dashboard-app.js';
import { EVERY_STEP_TEMPLATE } from '../helpers/app.js';
import { checkPage, DESKTOP, nav, PHONE, signIn } from './dashboard-pages.js';
import {
  e2eSkipReason,
  launchChromium,
  startReceiver,
  startServer,
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

  before(async () => {
    [server, receiver, browser] = await Promise.all([startServer(), startReceiver(), launchChromium()]);
    owner = await browser.newContext({ viewport: DESKTOP });
    await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await owner.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => errors.push(error.message));
  });
  after(async () => {
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

  it('shows Templates read-only with versions and JSON, and every Settings page', async () => {
    await nav(page, 'Templates');
    await checkPage(page, 'Templates', 'templates');
    await page.getByRole('link', { name: EVERY_STEP_TEMPLATE.name }).click();
    await checkPage(page, EVERY_STEP_TEMPLATE.name, 'template');
    await page.getByText('"s-sg01"').first().waitFor();
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
