/**
 * Headless Chromium for GUI tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
 * download), plus `watchPage`, which records what must never happen in the GUI — console errors, CSP
 * violations, uncaught exceptions and JavaScript dialogs — so a test can assert all stayed empty.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // tests run as root in a container; only our own fixed pages are loaded
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class BrowserNotFoundError extends Error {
  override readonly name = 'BrowserNotFoundError';
}

export interface LaunchBrowserOptions {
  executablePath?: string;
  /** Extra Chromium switches. */
  args?: readonly string[];
}

/** Starts headless Chromium. Close it with `browser.close()` (register it with `t.after`). */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new BrowserNotFoundError(
      `no Chromium at ${executablePath} (install it: apt-get install -y chromium)`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/** What went wrong on a page since `watchPage` was called; every list should stay empty. */
export interface PageWatch {
  consoleErrors: string[];
  /** "directive blocked-uri" for each securitypolicyviolation event. */
  cspViolations: string[];
  pageErrors: string[];
  /** Messages of alert/confirm/prompt/beforeunload dialogs (each is dismissed). */
  dialogs: string[];
}

/**
 * Starts recording a page's errors, CSP violations and dialogs. Call before `page.goto`. The CSP
 * listener is installed with an init script (Playwright injects it outside the page's CSP).
 */
export async function watchPage(page: Page): Promise<PageWatch> {
  const watch: PageWatch = { consoleErrors: [], cspViolations: [], pageErrors: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined); // the page may already be gone
  });
  await page.exposeFunction('__testkitCspViolation', (text: string) =>
    watch.cspViolations.push(text),
  );
  // A string, not a function: testkit compiles without the DOM lib.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      globalThis.__testkitCspViolation(event.violatedDirective + ' ' + event.blockedURI);
    });`,
  });
  return watch;
}
