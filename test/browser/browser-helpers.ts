/**
 * Browser tests of the console: Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by
 * playwright-core against the real API (the integration harness: Temporal dev server, a worker,
 * PostgreSQL), listening on a loopback port. Nothing is mocked.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type Harness, startHarness } from '../integration/api-helpers';

// Globals of the page, for the functions that run inside Chromium (the project compiles without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, location: any, localStorage: any, window: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** `npm run screenshots` sets this: the tests then save screenshots of the main pages there. */
const SHOTS = process.env.LP_SCREENSHOTS_DIR;

export interface Console {
  h: Harness;
  base: string;
  browser: Browser;
  stop(): Promise<void>;
}

export async function startConsole(): Promise<Console> {
  const [h, browser] = await Promise.all([startHarness(), chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })]);
  const server: Server = await new Promise((resolve) => {
    const s = h.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    h,
    base,
    browser,
    async stop() {
      await browser.close();
      await new Promise((r) => server.close(r));
      await h.stop();
    },
  };
}

export interface Who {
  role: string;
  province?: string;
  uscc?: string;
  sub?: string;
}

/** A new browser context (its own session) signed in with the development role picker. */
export async function signIn(c: Console, who: Who, lang: 'zh' | 'en' = 'zh'): Promise<Page> {
  const context = await c.browser.newContext({ locale: lang === 'en' ? 'en-GB' : 'zh-CN', viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => console.error('browser error:', e.message));
  await page.goto(`${c.base}/console/#/signin`);
  if (lang === 'en') await page.evaluate(() => localStorage.setItem('lp-lang', 'en'));
  await page.locator('#dev-signin').waitFor();
  await page.locator('#dev-signin select').first().selectOption(who.role);
  if (who.province) await page.getByLabel(/省份|Province/).selectOption(who.province);
  if (who.uscc) await page.getByLabel(/统一社会信用代码|USCC/).fill(who.uscc);
  if (who.sub) await page.getByLabel(/姓名|Name/).fill(who.sub);
  await page.locator('#dev-signin button[type=submit]').click();
  await page.waitForFunction(() => !location.hash.startsWith('#/signin') && document.getElementById('main')?.dataset.ready === location.hash);
  if (lang === 'en') await page.reload();
  return page;
}

/** Navigates to a console page and waits until it has rendered. */
export async function open(page: Page, c: Console, hash: string): Promise<void> {
  const url = `${c.base}/console/${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.waitForFunction((h) => document.getElementById('main')?.dataset.ready === h, hash);
}

/** Refreshes the work queue until the case shows (Temporal visibility is eventually consistent). */
export async function queueRow(page: Page, id: string, ms = 20_000) {
  const row = page.locator(`#queue tr[data-case="${id}"]`);
  const until = Date.now() + ms;
  while (!(await row.count())) {
    if (Date.now() > until) throw new Error(`case ${id} never showed in the work queue: ${await page.locator('#queue-holder').textContent()}`);
    await page.waitForTimeout(300);
    const loaded = await page.locator('#queue-holder').getAttribute('data-loaded');
    await page.getByRole('button', { name: /刷新|Refresh/ }).click();
    await page.waitForFunction((before) => document.getElementById('queue-holder')?.dataset.loaded !== before, loaded);
  }
  return row;
}

/** Reloads the case page until `selector` shows (the workflow moves on after an Update returns). */
export async function caseShows(page: Page, c: Console, id: string, selector: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    await open(page, c, `#/case/${encodeURIComponent(id)}`);
    if (await page.locator(selector).count()) return;
    if (Date.now() > until) throw new Error(`case ${id} never showed ${selector}: ${await page.locator('#main').textContent()}`);
    await page.waitForTimeout(400);
  }
}

/** axe-core in the page: no serious or critical WCAG 2 A/AA violations. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const w = window as { axe: { run(ctx: unknown, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `axe on ${what}`).toEqual([]);
}

export async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
