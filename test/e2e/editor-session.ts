/** A signed-in dashboard member and an API key of the same org, for the template editor's browser tests. */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { createApiKey } from '../../src/db/api-keys.js';
import { DESKTOP } from './dashboard-pages.js';
import type { E2eServer } from './harness.js';

export type TemplateJson = Record<string, unknown> & {
  id: string;
  version: number;
  steps: Record<string, unknown>[];
};

export interface EditorSession {
  page: Page;
  /** Uncaught errors of the page. */
  errors: string[];
  /** Calls the /v1 API with the org's key; fails on a non-2xx answer. */
  withKey: <T = TemplateJson>(method: string, url: string, body?: unknown) => Promise<T>;
}

/** Signs a new org up in a fresh desktop context of `browser` (dialogs accepted unless a test says). */
export async function openEditorSession(
  server: E2eServer,
  browser: Browser,
  org: string,
): Promise<EditorSession> {
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const signUp = await page.request.post(`${server.url}/v1/auth/sign-up`, {
    data: {
      organization_name: org,
      name: 'Erin Editor',
      email: `erin@${org.toLowerCase().replace(/[^a-z]+/g, '-')}.test`,
      password: 'editor-password-1',
    },
  });
  assert.equal(signUp.status(), 201, await signUp.text());
  const orgId = ((await signUp.json()) as { org: { org_id: string } }).org.org_id;
  const apiKey = (await createApiKey(server.database.db, orgId, 'integration')).key;
  async function withKey<T>(method: string, url: string, body?: unknown): Promise<T> {
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
  return { page, errors, withKey };
}
