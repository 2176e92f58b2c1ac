/**
 * Shared set-up for GUI browser tests: one Chromium, fake APIs serving web/build, pages at
 * 1280×720 watched for CSP violations, console errors and dialogs, screenshots into a temp dir,
 * and a probe for active content (script, img, handlers…) anywhere in the page's shadow roots.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, watchPage, type PageWatch } from '@honeyproxy/testkit';
import { startFakeGuiApi, type FakeGuiApi } from './fake-gui-api.js';
import type { SampleFlow } from './gui-sample-flows.js';

export const WEB_ROOT = fileURLToPath(new URL('../../../web/build/', import.meta.url));

/**
 * Evaluated in the page: every element (through shadow roots) that could run code or navigate
 * to script — the GUI's own module script excepted. Must stay empty whatever was captured.
 */
export const ACTIVE_CONTENT_PROBE = `(() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      const ours = tag === 'script' && el.getAttribute('src') === '/app.js';
      if (['img', 'script', 'iframe', 'object', 'embed', 'frame'].includes(tag) && !ours) found.push(tag);
      for (const name of el.getAttributeNames()) if (name.startsWith('on')) found.push(tag + '@' + name);
      if (tag === 'a' && /^\\s*javascript:/i.test(el.getAttribute('href') ?? '')) found.push('a@javascript');
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
})()`;

export interface OpenedPage {
  page: Page;
  watch: PageWatch;
}

export interface GuiHarness {
  /** Directory the screenshots are written to. */
  shots: string;
  startApi(flows?: readonly SampleFlow[]): Promise<FakeGuiApi>;
  /** A fresh browser context at 1280×720 on `api` (optionally at a `#…` route). */
  open(
    api: FakeGuiApi,
    options?: { hash?: string; colorScheme?: 'light' | 'dark' },
  ): Promise<OpenedPage>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function createGuiHarness(): Promise<GuiHarness> {
  assert.ok(
    existsSync(join(WEB_ROOT, 'app.js')),
    'web/build/app.js is missing: run `npm run build -w web`',
  );
  const browser = await launchBrowser();
  const shots = mkdtempSync(join(tmpdir(), 'hp-gui-'));
  const apis: FakeGuiApi[] = [];
  return {
    shots,
    async startApi(flows = []) {
      const api = await startFakeGuiApi({ webRoot: WEB_ROOT, flows });
      apis.push(api);
      return api;
    },
    async open(api, options = {}) {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 720 },
        colorScheme: options.colorScheme ?? 'light',
      });
      const page = await context.newPage();
      const watch = await watchPage(page);
      await page.addInitScript({ content: 'globalThis.__xssCanary = false;' });
      await page.goto(`${api.url}/${options.hash ?? ''}`);
      return { page, watch };
    },
    async shot(page, name) {
      await page.screenshot({ path: join(shots, `${name}.png`) });
    },
    async close() {
      for (const api of apis) await api.close();
      await browser.close();
    },
  };
}

/**
 * No CSP violation, console error, uncaught error or dialog happened on the page. `expected`
 * console errors (e.g. Chromium's log line for an HTTP error the test provoked) are allowed.
 */
export function assertPageClean(watch: PageWatch, expected: readonly RegExp[] = []): void {
  assert.deepEqual(watch.cspViolations, [], 'CSP violations');
  const unexpected = watch.consoleErrors.filter((text) => !expected.some((re) => re.test(text)));
  assert.deepEqual(unexpected, [], 'console errors');
  assert.deepEqual(watch.pageErrors, [], 'uncaught page errors');
  assert.deepEqual(watch.dialogs, [], 'dialogs');
}
