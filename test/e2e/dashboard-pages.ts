/** Driving the dashboard by its DESIGN §5 labels, with a screenshot and an axe-core check of each page. */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { assertAccessible } from './axe.js';

export const DASHBOARD_SCREENSHOTS = path.resolve('test-results/screenshots/dashboard');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const SMALL_PHONE = { width: 360, height: 640 };

/** Waits for the page's h1, then saves a screenshot and fails on serious or critical axe violations. */
export async function checkPage(page: Page, h1: string | RegExp, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: h1 }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () =>
      !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(
        '.state.loading',
      ),
  );
  fs.mkdirSync(DASHBOARD_SCREENSHOTS, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({
    path: path.join(DASHBOARD_SCREENSHOTS, `${name}-${size?.width ?? 0}.png`),
    fullPage: true,
  });
  await assertAccessible(page, name);
}

/** Fails when the page, or a table on it, is wider than the screen (would scroll sideways). */
export async function assertFitsWidth(page: Page, where: string): Promise<void> {
  const overflowing = await page.evaluate<string[]>(
    `[document.documentElement, ...document.querySelectorAll('.table-wrap')].filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.className || e.tagName)`,
  );
  if (overflowing.length) throw new Error(`${where} scrolls sideways: ${overflowing.join(', ')}`);
}

export async function nav(
  page: Page,
  label: 'Runs' | 'Templates' | 'Deliveries' | 'Settings',
): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: label, exact: true })
    .click();
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/app/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the image matched by `selector` has loaded (a broken or blocked image never does). */
export async function waitForImage(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((css) => {
    const img = (
      globalThis as unknown as {
        document: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null };
      }
    ).document.querySelector(css);
    return img !== null && img.complete && img.naturalWidth > 0;
  }, selector);
}
