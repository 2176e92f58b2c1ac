/**
 * The analyst's traffic table in headless Chromium against a real analyzer (Postgres, NATS) with
 * flows captured through a real sensor: quick start, live arrival (scroll and selection kept, follow),
 * server-side sorting and filtering, highlight, remembered columns and split sizes, keyboard, pop-out
 * and deep links in a second browser context, the 2012 helpers (304, redirect, filter similar), and a
 * 100k-flow window paged from the server. Screenshots go to /tmp/hp-shots/ (overwritten each run).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  createCleanupList,
  launchBrowser,
  startOrigin,
  viaProxy,
  waitUntil,
  watchPage,
  type Origin,
} from '@honeyproxy/testkit';
import type { FlowSummary } from '@honeyproxy/protocol';
import { assertPageClean } from './testing/gui-harness.js';
import { insertBulkFlows } from './testing/bulk-flows.js';
import { ADMIN, startDistributedStack, type DistributedStack } from './testing/service-stacks.js';

const SHOTS = '/tmp/hp-shots';
const ROW = 24;

/** Routes for the helpers: a cacheable logo (200, then 304), a redirect and its landing page, a 404. */
function helperRoutes(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/logo.png') {
    if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304, { ETag: '"v1"' });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/png', ETag: '"v1"' });
    res.end(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    return;
  }
  if (path === '/go') {
    res.writeHead(302, { Location: '/landing?from=go&i=0' }); // capture() adds i=0
    res.end();
    return;
  }
  if (path === '/missing') {
    res.writeHead(404, { 'Content-Type': 'text/html' });
    res.end('<h1>not here</h1>');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><title>${path ?? ''}</title><p>landing</p>`);
}

describe('GUI traffic table on a real analyzer (headless Chromium)', { timeout: 300_000 }, () => {
  const cleanup = createCleanupList();
  let stack: DistributedStack;
  let helperOrigin: Origin;
  let browser: Browser;
  let guiUrl: string;

  async function open(
    hash = '',
    options: { context?: BrowserContext; colorScheme?: 'light' | 'dark' } = {},
  ): Promise<{
    page: Page;
    context: BrowserContext;
    watch: Awaited<ReturnType<typeof watchPage>>;
  }> {
    const context =
      options.context ??
      (await browser.newContext({
        httpCredentials: { username: ADMIN.user, password: ADMIN.password },
        viewport: { width: 1280, height: 720 },
        colorScheme: options.colorScheme ?? 'light',
      }));
    if (!options.context) cleanup.add(() => context.close());
    const page = await context.newPage();
    const watch = await watchPage(page);
    await page.goto(`${guiUrl}${hash}`);
    return { page, context, watch };
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const rows = (page: Page) => page.locator('hp-flow-table .row');
  const viewport = (page: Page) => page.locator('hp-flow-table .viewport');
  const scrollTop = (page: Page) =>
    viewport(page).evaluate((el: { scrollTop: number }) => Math.round(el.scrollTop));
  const selectedId = (page: Page) =>
    page.locator('hp-flow-table .row.selected').getAttribute('data-id');
  const total = async () => (await stack.api.flows('?limit=1000')).flows.length;

  async function capture(path: string, n = 1, headers?: string[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      const url = `${helperOrigin.httpUrl}${path}${path.includes('?') ? '&' : '?'}i=${i}`;
      await viaProxy(stack.proxyPort, url, {
        headers: ['Host', new URL(url).host, ...(headers ?? [])],
      });
    }
  }

  async function waitForFlows(count: number): Promise<FlowSummary[]> {
    let flows: FlowSummary[] = [];
    await waitUntil(
      async () => {
        flows = (await stack.api.flows('?limit=1000')).flows;
        return flows.length >= count;
      },
      { what: `${count} flows stored`, timeoutMs: 30_000 },
    );
    return flows;
  }

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    // One at a time, each registered for cleanup as soon as it exists (a failure leaks nothing).
    helperOrigin = await startOrigin(helperRoutes);
    cleanup.add(() => helperOrigin.close());
    browser = await launchBrowser();
    cleanup.add(() => browser.close());
    stack = await startDistributedStack(cleanup);
    guiUrl = stack.api.base + '/';
  });
  after(() => cleanup.run());

  it('shows the quick start with the sensor, CA downloads and gateway steps while nothing is captured', async () => {
    // The sensor's first heartbeat names it on the page.
    await waitUntil(
      async () =>
        ((await stack.api.json('/api/sensors')) as { sensors: unknown[] }).sensors.length > 0,
      { what: 'sensor heartbeat', timeoutMs: 30_000 },
    );
    const { page, watch } = await open();
    const empty = page.locator('hp-empty-state');
    await empty.getByText('No traffic captured yet').waitFor();
    await empty.locator('.sensors-known').getByText(stack.sensorId).waitFor();
    assert.equal(await empty.locator('a.download').getAttribute('href'), '/api/ca.pem');
    for (const os of ['Windows', 'macOS', 'Debian / Ubuntu', 'RHEL / Fedora', 'Firefox'])
      assert.equal(await empty.locator('dt', { hasText: os }).count(), 1, os);
    const text = await empty.locator('.content').innerText();
    assert.match(text, /iptables -t nat -A PREROUTING/);
    assert.match(text, /deploy\/README\.md/);
    await shot(page, 'quick-start');
    await open('', { colorScheme: 'dark' }).then(async (dark) => {
      await dark.page.locator('hp-empty-state h1').waitFor();
      await shot(dark.page, 'quick-start-dark');
    });
    assertPageClean(watch);
  });

  it('shows captured flows live, keeping scroll and selection; follow pins the newest', async () => {
    const { page, watch } = await open();
    await page.locator('hp-empty-state').waitFor();
    await page.locator('hp-top-bar .live.on').waitFor();
    await capture('/page', 40);
    await capture('/missing', 5);
    await capture('/logo.png', 1);
    await capture('/logo.png', 1, ['If-None-Match', '"v1"']);
    await capture('/go', 1);
    await capture('/landing?from=go', 1);
    await waitForFlows(49);
    await waitUntil(
      async () => (await page.locator('hp-top-bar .count').innerText()).startsWith('49'),
      {
        what: 'all 49 rows live in the table',
      },
    );
    assert.equal(await page.locator('hp-empty-state').count(), 0);
    // Newest first, the redirect's landing at the top.
    assert.match(
      await rows(page).first().locator('.c-name .url').innerText(),
      /\/landing\?from=go/,
    );
    await shot(page, 'table-live');

    // Select a row and scroll away from the top: follow turns itself off.
    await rows(page).nth(12).click();
    const chosen = await selectedId(page);
    await viewport(page).evaluate((el: { scrollTop: number }) => (el.scrollTop = 10 * 24));
    await page
      .locator('hp-toolbar button.toggle[aria-pressed="false"]', { hasText: 'Follow' })
      .waitFor();
    const before = await scrollTop(page);
    await capture('/page?later=1', 5);
    await waitUntil(
      async () => (await page.locator('hp-top-bar .count').innerText()).startsWith('54'),
      {
        what: '5 more rows',
      },
    );
    await page.waitForTimeout(100);
    assert.equal(await scrollTop(page), before + 5 * ROW, 'the rows in view stayed in view');
    assert.equal(await selectedId(page), chosen, 'selection kept');

    // Follow on: the view goes to the newest and stays there as flows arrive.
    await page.locator('hp-toolbar button', { hasText: 'Follow' }).click();
    await waitUntil(async () => (await scrollTop(page)) === 0, { what: 'scrolled to the newest' });
    await capture('/page?followed=1', 3);
    await waitUntil(
      async () => (await page.locator('hp-top-bar .count').innerText()).startsWith('57'),
      {
        what: '3 more rows',
      },
    );
    assert.equal(await scrollTop(page), 0);
    assert.match(await rows(page).first().locator('.c-name .url').innerText(), /followed=1/);
    assert.equal(await selectedId(page), chosen, 'selection kept while following');
    assertPageClean(watch);
  });

  it('sorts on the server by any column, both ways, and keeps the sort in the URL', async () => {
    const { page } = await open();
    await rows(page).first().waitFor();
    await page.locator('hp-flow-table .th[data-col="status"] button.sort').click();
    await page.waitForURL(/sort=status&dir=desc/);
    await waitUntil(
      async () => (await rows(page).first().locator('.c-status').innerText()) === '404',
      {
        what: 'highest status first',
      },
    );
    await page.locator('hp-flow-table .th[data-col="status"] button.sort').click();
    await page.waitForURL(/sort=status&dir=asc/);
    await waitUntil(
      async () => (await rows(page).first().locator('.c-status').innerText()) === '200',
      {
        what: 'lowest status first',
      },
    );
    await page.locator('hp-flow-table .th[data-col="host"] button.sort').click();
    await page.waitForURL(/sort=host&dir=asc/);
    await shot(page, 'sorted-by-host');
  });

  it('remembers hidden, resized and reordered columns for the analyst', async () => {
    const { page, context } = await open();
    await rows(page).first().waitFor();
    const header = page.locator('hp-flow-table .header');
    await header.locator('.th[data-col="method"]').click({ button: 'right' });
    await page.locator('hp-flow-table .menu input[data-col="method"]').uncheck();
    await page.locator('hp-flow-table .menu input[data-col="sensor"]').check();
    await page.locator('hp-flow-table .menu-backdrop').click({ position: { x: 5, y: 5 } });
    assert.equal(await header.locator('.th[data-col="method"]').count(), 0);
    const host = header.locator('.th[data-col="host"]');
    const width = (await host.boundingBox())?.width ?? 0;
    const grip = (await host.locator('.grip').boundingBox())!;
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x + 80, grip.y + grip.height / 2, { steps: 5 });
    await page.mouse.up();
    await waitUntil(async () => ((await host.boundingBox())?.width ?? 0) > width + 60, {
      what: 'host column wider',
    });
    await header.locator('.th[data-col="sensor"]').dragTo(header.locator('.th[data-col="status"]'));

    const again = await context.newPage();
    await again.goto(guiUrl);
    await again.locator('hp-flow-table .row').first().waitFor();
    const h2 = again.locator('hp-flow-table .header');
    assert.equal(await h2.locator('.th[data-col="method"]').count(), 0, 'still hidden');
    const w2 = (await h2.locator('.th[data-col="host"]').boundingBox())?.width ?? 0;
    assert.ok(w2 > width + 60, `width remembered (${width} → ${w2})`);
    const order = await h2
      .locator('.th')
      .evaluateAll((els: { getAttribute(name: string): string | null }[]) =>
        els.map((e) => e.getAttribute('data-col')),
      );
    assert.ok(
      order.indexOf('sensor') === order.indexOf('status') - 1,
      `sensor moved before status: ${order.join()}`,
    );
    const stored = await again.evaluate<string | null>(
      "localStorage.getItem('honeyproxy.prefs.admin')",
    );
    assert.ok(stored?.includes('"hidden"'), 'kept under the analyst’s name');
    await shot(again, 'columns-custom');
    // Back to defaults for the following tests.
    await h2.locator('.th[data-col="host"]').click({ button: 'right' });
    await again.locator('hp-flow-table .menu-reset').click();
    await again.locator('hp-flow-table .th[data-col="method"]').waitFor();
  });

  it('moves with the keyboard: arrows, page keys, Home/End, Enter, Escape and Tab', async () => {
    const { page } = await open();
    await rows(page).first().waitFor();
    const ids = (await stack.api.flows('?limit=1000')).flows.map((f) => f.id);
    await viewport(page).focus();
    await page.keyboard.press('Home');
    await waitUntil(async () => (await selectedId(page)) === ids[0], {
      what: 'Home selects the first row',
    });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await waitUntil(async () => (await selectedId(page)) === ids[1], { what: 'arrows' });
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/flows/${ids[1]}`));
    await page.locator('hp-flow-detail').waitFor();
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(new RegExp(`#/flows/${ids[2]}`)); // the open pane follows the cursor
    await page.keyboard.press('PageDown');
    const afterPage = await selectedId(page);
    assert.ok(ids.indexOf(afterPage ?? '') > 10, 'PageDown moves a screenful');
    await page.keyboard.press('End');
    await waitUntil(async () => (await selectedId(page)) === ids.at(-1), {
      what: 'End selects the last row',
    });
    await page.keyboard.press('Tab');
    await waitUntil(
      () => page.evaluate<boolean>("document.activeElement?.tagName.toLowerCase() === 'hp-app'"),
      { what: 'focus left the table for the pane' },
    );
    await viewport(page).focus();
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => !u.hash.includes('/flows/'));
    assert.equal(await selectedId(page), ids.at(-1), 'the cursor row stays after closing');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/flows/${ids.at(-1)}`));
  });

  it('splits below or beside the table, with a draggable divider whose size is remembered', async () => {
    const flows = (await stack.api.flows('?limit=5')).flows;
    const { page, context } = await open(`#/flows/${flows[0]?.id}`);
    const pane = page.locator('section.pane');
    await pane.waitFor();
    const h0 = (await pane.boundingBox())!.height;
    const divider = (await page.locator('.divider').boundingBox())!;
    await page.mouse.move(divider.x + 200, divider.y);
    await page.mouse.down();
    await page.mouse.move(divider.x + 200, divider.y - 120, { steps: 6 });
    await page.mouse.up();
    await waitUntil(async () => (await pane.boundingBox())!.height > h0 + 100, {
      what: 'pane taller',
    });
    const h1 = (await pane.boundingBox())!.height;
    await shot(page, 'split-bottom');

    await page.locator('hp-toolbar button.layout').click();
    await page.waitForURL(/layout=right/);
    const table = (await page.locator('hp-flow-table').boundingBox())!;
    const beside = (await pane.boundingBox())!;
    assert.ok(beside.x >= table.x + table.width - 2, 'pane beside the table');
    await shot(page, 'split-right');

    const again = await context.newPage();
    await again.goto(`${guiUrl}#/flows/${flows[0]?.id}`);
    const h2 = (await again.locator('section.pane').boundingBox())!.height;
    assert.ok(Math.abs(h2 - h1) < 3, `height remembered (${h1} vs ${h2})`);
  });

  it('pops a detail tab out into its own window, which is a URL showing only the pane', async () => {
    const flows = (await stack.api.flows('?limit=5')).flows;
    const id = flows[0]?.id ?? '';
    const { page, context } = await open(`#/flows/${id}/headers`);
    const pane = page.locator('section.pane hp-flow-detail');
    await pane.waitFor();
    const popup = context.waitForEvent('page');
    await pane.getByRole('button', { name: 'Pop out' }).click();
    const win = await popup;
    await win.waitForLoadState();
    assert.match(win.url(), new RegExp(`#/flows/${id}/headers\\?popout=1$`));
    await win.locator('hp-flow-detail[popout]').waitFor();
    assert.equal(await win.locator('hp-flow-table').count(), 0, 'no table in the pop-out');
    assert.equal(await win.locator('hp-toolbar').count(), 0);
    await shot(win, 'popout');
  });

  it('opens a shared link in a teammate’s browser on the same flow, tab, filter, highlight and layout', async () => {
    const { page } = await open();
    await rows(page).first().waitFor();
    const filter = page.locator('hp-toolbar input[name="q"]');
    await filter.fill('~c 404 | ~c 304');
    await filter.press('Enter');
    await page.waitForURL(/q=/);
    await waitUntil(async () => (await rows(page).count()) === 6, { what: 'filtered to 6 rows' });
    const highlight = page.locator('hp-toolbar input[name="hl"]');
    await highlight.fill('~c 304');
    await highlight.press('Enter');
    await waitUntil(async () => (await page.locator('hp-flow-table .row.hl').count()) === 1, {
      what: 'one highlighted row',
    });
    await page.locator('hp-flow-table .row.hl').click();
    await page.locator('hp-toolbar button.layout').click();
    await page.locator('section.pane hp-flow-detail').waitFor();
    await page.evaluate(
      "location.hash = location.hash.replace(new RegExp('#/flows/([^/?]+)(/[a-z]+)?'), '#/flows/$1/details')",
    );
    await page.waitForURL(/\/details\?/);
    await shot(page, 'shared-source');
    const shared = page.url();

    // A teammate: a new context (no storage), their own credentials.
    const teammate = await open(shared.slice(guiUrl.length));
    const tp = teammate.page;
    await tp.locator('section.pane hp-flow-detail').waitFor();
    assert.equal(await tp.locator('hp-toolbar input[name="q"]').inputValue(), '~c 404 | ~c 304');
    assert.equal(await tp.locator('hp-toolbar input[name="hl"]').inputValue(), '~c 304');
    await waitUntil(async () => (await rows(tp).count()) === 6, { what: 'teammate sees 6 rows' });
    assert.equal(await tp.locator('hp-flow-table .row.hl').count(), 1);
    const statuses = await tp.locator('hp-flow-table .row .c-status').allInnerTexts();
    assert.deepEqual([...new Set(statuses)].sort(), ['304', '404']);
    const open1 = /#\/flows\/([^/?]+)/.exec(shared)?.[1];
    assert.equal(await selectedId(tp), open1, 'same flow selected');
    assert.match(tp.url(), /\/details\?.*layout=right/);
    const paneBox = (await tp.locator('section.pane').boundingBox())!;
    assert.ok(paneBox.x > 300, 'pane on the right');
    await shot(tp, 'shared-teammate');

    // A filter that does not parse is refused in place, with the position.
    const f2 = tp.locator('hp-toolbar input[name="q"]');
    await f2.fill('~c 404 & (');
    await tp.locator('hp-toolbar .error', { hasText: 'ends too early' }).waitFor();
    await shot(tp, 'filter-error');
  });

  it('points a 304 to the earlier content, a redirect to the request that followed, and filters similar flows', async () => {
    const flows = (await stack.api.flows('?limit=1000')).flows;
    const notModified = flows.find((f) => f.status === 304);
    const earlier = flows.find((f) => f.status === 200 && f.path.startsWith('/logo.png'));
    const redirect = flows.find((f) => f.status === 302);
    const landing = flows.find((f) => f.path.startsWith('/landing?from=go'));
    assert.ok(notModified && earlier && redirect && landing);

    const { page } = await open(`#/flows/${notModified.id}`);
    const helpers = page.locator('hp-flow-helpers');
    await helpers.locator('.related-content a.flow').waitFor();
    await shot(page, 'helper-304');
    await helpers.locator('.related-content a.flow').first().click();
    await page.waitForURL(new RegExp(`#/flows/${earlier.id}`));

    await page.goto(`${guiUrl}#/flows/${redirect.id}`);
    await helpers.locator('.related-redirect a.flow').waitFor();
    assert.match(
      await helpers.locator('.related-redirect a.flow').innerText(),
      /\/landing\?from=go/,
    );
    await shot(page, 'helper-redirect');
    await helpers.locator('.related-redirect a.flow').click();
    await page.waitForURL(new RegExp(`#/flows/${landing.id}`));

    const sample = flows.find((f) => f.path.startsWith('/missing'));
    await page.goto(`${guiUrl}#/flows/${sample?.id}`);
    await helpers.locator('button.similar:not([disabled])').click();
    await page.waitForURL(/q=/);
    await waitUntil(async () => (await rows(page).count()) === 5, {
      what: 'the five /missing flows',
    });
    const names = await page.locator('hp-flow-table .row .c-name .file').allInnerTexts();
    assert.deepEqual([...new Set(names)], ['missing']);
    await shot(page, 'filter-similar');
  });

  it('filters by header and body on the server, live flows included, but not in highlight', async () => {
    await capture('/unrelated', 1);
    await waitForFlows(1);
    const { page, watch } = await open();
    await rows(page).first().waitFor();
    const filter = page.locator('hp-toolbar input[name="q"]');
    await filter.fill('~hq "^x-probe: hp-"');
    await filter.press('Enter');
    await page.waitForURL(/q=/);
    const count = page.locator('hp-top-bar .count');
    await waitUntil(async () => /^0 flows$/.test((await count.innerText()).trim()), {
      what: 'no flow has the header yet',
    });
    // Live: the GUI asks the analyzer which new flows match (summaries carry no headers).
    const before = await total();
    await capture('/probe', 2, ['X-Probe', 'hp-live']);
    await capture('/probe?plain=1', 1);
    await waitForFlows(before + 3);
    await waitUntil(async () => (await rows(page).count()) === 2, { what: 'two live probe rows' });
    await page.waitForTimeout(600); // two live flushes: the flow without the header stays out
    assert.equal(await rows(page).count(), 2);
    // Bodies: the default route's page names its path in the title.
    await filter.fill('~bs "<title>/probe"');
    await filter.press('Enter');
    await waitUntil(async () => (await rows(page).count()) === 3, { what: 'three /probe bodies' });
    await shot(page, 'filter-body');
    const highlight = page.locator('hp-toolbar input[name="hl"]');
    await highlight.fill('~hq x-probe');
    await page.locator('hp-toolbar .error', { hasText: 'not in highlight' }).waitFor();
    assertPageClean(watch);
  });

  it('pages 100k flows from the server into a virtual window with a bounded DOM', async (t) => {
    const inserted = await insertBulkFlows(stack.db.url, 100_000);
    t.diagnostic(`inserted 100k flows through the store in ${Math.round(inserted)} ms`);
    const { page, watch } = await open();
    await rows(page).first().waitFor();
    let lastCount = '';
    // Scroll to the bottom repeatedly: each time the table asks for the next keyset page.
    await waitUntil(
      async () => {
        await viewport(page).evaluate(
          (el: { scrollTop: number; scrollHeight: number }) => (el.scrollTop = el.scrollHeight),
        );
        lastCount = await page.locator('hp-top-bar .count').innerText();
        // No "+": the end was reached, and at least the 100k bulk flows are in the window.
        // (Not a prefix test: "100+ flows" after the first page and "10,0xx" would pass one.)
        const loaded = /^([\d,]+) flows$/.exec(lastCount.trim());
        return loaded !== null && Number(loaded[1]?.replace(/,/g, '')) >= 100_000;
      },
      {
        what: () => `100k rows loaded by scrolling (loaded: ${lastCount})`,
        timeoutMs: 120_000,
        intervalMs: 50,
      },
    );
    const domRows = await rows(page).count();
    assert.ok(domRows < 120, `only the rows in view are in the DOM (${domRows})`);
    // Scroll through the middle: still a handful of DOM rows, and the right ones.
    // (set again on every try: a page still arriving from the scroll to the bottom may re-anchor it)
    let first = 0;
    await waitUntil(
      async () => {
        await viewport(page).evaluate((el: { scrollTop: number }) => (el.scrollTop = 50_000 * 24));
        await page.waitForTimeout(50);
        first = Number(await rows(page).first().getAttribute('aria-rowindex'));
        return Math.abs(first - 50_000) < 20;
      },
      { what: () => `rows around 50,000 rendered (first row: ${first})`, timeoutMs: 5000 },
    );
    await shot(page, 'scale-middle');
    // End jumps to the oldest flow without loading everything in between.
    await viewport(page).focus();
    await page.keyboard.press('End');
    const oldest = (await stack.api.flows('?limit=1&sort=start&dir=asc')).flows[0];
    await waitUntil(async () => (await selectedId(page)) === oldest?.id, {
      what: 'End reaches the oldest flow',
    });
    assertPageClean(watch);
    void total;
  });
});
