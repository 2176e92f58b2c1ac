/**
 * The GUI in headless Chromium against the real thing: the standalone process (sensor, analyzer
 * API and GUI on embedded Postgres) behind Basic Auth and its strict CSP. A request sent through the
 * proxy shows up in the table without a reload, and its details show what was captured.
 * Screenshots go to <tmpdir>/hp-gui-live-shots (overwritten each run) for a human to look at.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  TEXT,
  createCleanupList,
  httpsViaProxy,
  launchBrowser,
  watchPage,
  type Origin,
} from '@honeyproxy/testkit';
import { createApiClient, type ApiClient } from './testing/api-client.js';
import { assertPageClean } from './testing/gui-harness.js';
import {
  startStandaloneStack,
  waitHealthy,
  type StandaloneStack,
} from './testing/service-stacks.js';

const ANALYST = { username: 'analyst', password: 'gui-live-password' };

describe('GUI on the real standalone process (headless Chromium)', { timeout: 120_000 }, () => {
  const cleanup = createCleanupList();
  let origin: Origin;
  let hp: StandaloneStack;
  let api: ApiClient;
  let browser: Browser;
  let guiUrl: string;
  let shots: string;
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`) });

  before(async () => {
    [hp, browser] = await Promise.all([
      startStandaloneStack(cleanup, 'hp-gui-live-', {
        HONEYPROXY_BOOTSTRAP_USER: `${ANALYST.username}:${ANALYST.password}`,
      }),
      launchBrowser(),
    ]);
    cleanup.add(() => browser.close());
    ({ origin } = hp);
    guiUrl = `http://127.0.0.1:${hp.banner.httpPort}/`;
    api = createApiClient(guiUrl.slice(0, -1), ANALYST.username, ANALYST.password);
    await waitHealthy(api);
    // one fixed directory, overwritten by each run: there to look at, never piling up
    shots = join(tmpdir(), 'hp-gui-live-shots');
    await mkdir(shots, { recursive: true });
  });
  after(() => cleanup.run());

  it('logs in with Basic Auth, shows the empty state, then a proxied request live and its details', async (t) => {
    const context = await browser.newContext({
      httpCredentials: ANALYST,
      viewport: { width: 1280, height: 720 },
    });
    t.after(() => context.close());
    const page = await context.newPage();
    const watch = await watchPage(page);
    const response = await page.goto(guiUrl);
    assert.equal(response?.status(), 200);
    await page.locator('hp-empty-state').getByText('No traffic captured yet').waitFor();
    await page.locator('hp-top-bar .live.on').waitFor(); // the live feed is connected
    assert.equal(await page.locator('hp-top-bar .user').innerText(), 'analyst · admin');
    await shot(page, 'live-empty');
    await page.evaluate('globalThis.__sameDocument = true');

    const url = `${origin.httpsUrl}/text?from=gui-live`;
    const caPem = await readFile(hp.banner.caPath, 'utf8');
    const sent = await httpsViaProxy(hp.banner.proxyPort, url, caPem, {
      headers: ['Host', new URL(url).host, 'X-Honeypot', 'gui-live', 'Accept', 'text/plain'],
    });
    assert.equal(sent.body.toString(), TEXT);
    const flow = await api.waitForFlow((f) => f.url === url, url);
    const summary = (await api.flows('?limit=1')).flows[0];
    assert.equal(summary?.id, flow.flowId);

    const row = page.locator(`hp-flow-table .row[data-id="${flow.flowId}"]`);
    await row.waitFor();
    assert.equal(await page.evaluate('globalThis.__sameDocument'), true, 'no reload');
    assert.equal(await page.locator('hp-empty-state').count(), 0, 'the empty state is gone');
    assert.equal(await row.locator('.c-method').innerText(), 'GET');
    assert.equal(await row.locator('.c-host').innerText(), summary?.host);
    assert.equal(await row.locator('.c-name .file').innerText(), 'text');
    assert.equal(await row.locator('.c-name .url').innerText(), url);
    assert.equal(await row.locator('.c-status').innerText(), '200');
    await shot(page, 'live-row');

    await row.click();
    const detail = page.locator('hp-flow-detail');
    assert.match(page.url(), new RegExp(`#/flows/${flow.flowId}$`));
    // The default tab for a response with a body is its preview: the text as captured.
    await detail.getByText(TEXT).first().waitFor();
    await shot(page, 'live-detail-response');

    await detail.getByRole('tab', { name: 'Headers' }).click();
    await detail.locator('td.name', { hasText: 'X-Honeypot' }).waitFor();
    const names = await detail.locator('td.name').allInnerTexts();
    const from = names.indexOf('Host');
    assert.deepEqual(
      names.slice(from, from + 3),
      ['Host', 'X-Honeypot', 'Accept'],
      'request headers in wire order',
    );
    assert.ok(names.includes('X-Origin'), names.join());
    assert.ok((await detail.locator('td.value').allInnerTexts()).includes('capture-origin'));
    await shot(page, 'live-detail-headers');
    assertPageClean(watch);
    t.diagnostic(`screenshots in ${shots}`);
  });

  it('answers a wrong password with 401 and shows no GUI', async (t) => {
    const context = await browser.newContext({
      httpCredentials: { username: ANALYST.username, password: 'wrong-password' },
    });
    t.after(() => context.close());
    const page = await context.newPage();
    const response = await page.goto(guiUrl);
    assert.equal(response?.status(), 401);
    assert.equal(await page.locator('hp-app').count(), 0, 'the app never loads');
    const anonymous = await api.get('/', null);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm="HoneyProxy"/);
  });
});
