/**
 * The GUI in headless Chromium under the analyzer's real CSP, against a fake API (testing/
 * fake-gui-api.ts): onboarding, live table, detail pane, shareable URLs, sorting, paging, reconnects,
 * and hostile captured content staying inert. Screenshots go to a temp dir (path in the diagnostics).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@honeyproxy/testkit';
import {
  ACTIVE_CONTENT_PROBE,
  assertPageClean,
  createGuiHarness,
  type GuiHarness,
} from './testing/gui-harness.js';
import { sampleFlow, type SampleFlow } from './testing/gui-sample-flows.js';

describe('GUI against a fake API (headless Chromium, strict CSP)', { timeout: 120_000 }, () => {
  let gui: GuiHarness;
  before(async () => {
    gui = await createGuiHarness();
  });
  after(() => gui?.close());

  const startApi = (flows?: readonly SampleFlow[]) => gui.startApi(flows);
  const open: GuiHarness['open'] = (api, options) => gui.open(api, options);
  const shot: GuiHarness['shot'] = (page, name) => gui.shot(page, name);

  it('shows how to send traffic and where the CA is when nothing is captured, then the first live flow', async (t) => {
    const api = await startApi();
    const { page, watch } = await open(api);
    const empty = page.locator('hp-empty-state');
    await empty.getByText('No traffic captured yet').waitFor();
    const text = await empty.locator('.content').innerText();
    assert.match(text, /http:\/\/127\.0\.0\.1:8080/);
    assert.match(
      text,
      /curl -x http:\/\/127\.0\.0\.1:8080 --cacert honeyproxy-ca\.pem https:\/\/example\.com/,
    );
    assert.match(text, /certutil/);
    assert.match(text, /update-ca-certificates/);
    assert.match(text, /Firefox/);
    assert.equal(await empty.locator('a.download').getAttribute('href'), '/api/ca.pem');
    await shot(page, 'empty-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'empty-dark');

    await waitUntil(() => api.liveSockets() === 1, { what: 'the live socket' });
    await page.evaluate('globalThis.__sameDocument = true');
    const first = sampleFlow({ url: 'https://first.test/hello' });
    api.publish(first);
    await page.locator(`hp-flow-table .row[data-id="${first.record.flowId}"]`).waitFor();
    assert.equal(await empty.count(), 0, 'onboarding is gone once a flow exists');
    assert.equal(await page.evaluate('globalThis.__sameDocument'), true, 'no reload');
    assertPageClean(watch);
    t.diagnostic(`screenshots in ${gui.shots}`);
  });

  it('fills the table from the first page and the live feed, without reloading or duplicating', async () => {
    const flows = [1, 2, 3].map((index) =>
      sampleFlow({ index, url: `http://shop.test/p/${index}` }),
    );
    const api = await startApi(flows);
    const { page, watch } = await open(api);
    const rows = page.locator('hp-flow-table .row[data-id]');
    await page.locator(`hp-flow-table .row[data-id="${flows[0]?.record.flowId}"]`).waitFor();
    assert.equal(await rows.count(), 3);
    assert.equal(
      await rows.first().getAttribute('data-id'),
      flows[2]?.record.flowId,
      'newest first',
    );

    await waitUntil(() => api.liveSockets() === 1, { what: 'the live socket' });
    await page.evaluate('globalThis.__sameDocument = true');
    const live = sampleFlow({
      index: 4,
      method: 'POST',
      url: 'http://shop.test/cart',
      status: 503,
    });
    api.publish(live);
    api.publish(flows[1] as SampleFlow); // already on the page: must not appear twice
    api.sendRaw('{"type":"flow","flow":{"id":"not-a-flow"}}'); // invalid: dropped
    await page.locator(`hp-flow-table .row[data-id="${live.record.flowId}"]`).waitFor();
    await page.waitForTimeout(200);
    assert.equal(await rows.count(), 4);
    assert.equal(
      await rows.first().getAttribute('data-id'),
      live.record.flowId,
      'live flow on top',
    );
    const top = rows.first();
    assert.equal(await top.locator('.c-method').innerText(), 'POST');
    assert.equal(await top.locator('.c-host').innerText(), 'shop.test');
    assert.equal(await top.locator('.c-name .file').innerText(), 'cart');
    assert.equal(await top.locator('.c-name .url').innerText(), 'http://shop.test/cart');
    assert.equal(await top.locator('.c-status').innerText(), '503');
    assert.match((await top.locator('.c-status').getAttribute('class')) ?? '', /s-5xx/);
    assert.equal(await page.evaluate('globalThis.__sameDocument'), true, 'no reload');
    assert.equal(api.requests.filter((r) => r === '/').length, 1);
    await shot(page, 'table-light');
    assertPageClean(watch);
  });

  it('opens a flow on its preview, with headers in wire order, details and payload, at a URL a teammate can open', async () => {
    const json = '{"greeting":"hello","items":[1,2,3]}';
    const flow = sampleFlow({
      index: 10,
      method: 'POST',
      url: 'https://api.test/v1/login?next=%2Fhome',
      requestHeaders: [
        ['Host', 'api.test'],
        ['X-Dup', 'one'],
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['x-dup', 'two'],
        ['Cookie', 'session=abc'],
      ],
      requestBody: 'user=admin&password=hunter2',
      responseHeaders: [
        ['Content-Type', 'application/json'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ],
      responseBody: json,
    });
    const image = sampleFlow({
      index: 11,
      url: 'http://cdn.test/logo.png',
      responseHeaders: [['Content-Type', 'image/png']],
      responseBody: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0xff]),
    });
    flow.record.tls = {
      version: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      alpn: 'http/1.1',
      ja4: 't13d1516h2_8daaf6152771_b186095e22b6',
      upstream: {
        version: 'TLSv1.3',
        cipher: 'TLS_AES_256_GCM_SHA384',
        authorized: false,
        authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN',
        certificates: [
          {
            subject: 'CN=api.test',
            issuer: 'CN=Evil Root CA, O=<b>Evil</b>',
            san: ['api.test', 'www.api.test'],
            serialNumber: '0A1B2C',
            notBefore: '2026-01-01T00:00:00.000Z',
            notAfter: '2027-01-01T00:00:00.000Z',
            sha256: Array.from({ length: 32 }, (_, i) =>
              (i * 7).toString(16).padStart(2, '0').toUpperCase(),
            ).join(':'),
            pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
          },
        ],
      },
    };
    flow.record.anomalies = ['duplicate-content-length'];
    const api = await startApi([flow, image]);
    const { page, watch } = await open(api, { hash: `#/flows/${flow.record.flowId}` });
    const detail = page.locator('hp-flow-detail');
    await detail.getByRole('tab', { name: 'Preview', selected: true }).waitFor();
    assert.equal(
      await detail.locator('.url').innerText(),
      'https://api.test/v1/login?next=%2Fhome',
    );
    await detail.locator('hp-vis-code hp-code-view .badge.ok').waitFor(); // pretty-printed in the worker
    assert.match(await detail.locator('hp-code-view pre').innerText(), /"greeting": "hello"/);
    await shot(page, 'detail-preview-light');

    await detail.getByRole('tab', { name: 'Headers' }).click();
    await page.waitForURL(new RegExp(`#/flows/${flow.record.flowId}/headers`));
    const headers = detail.locator('hp-headers-tab section');
    await headers.first().locator('td.name').first().waitFor();
    assert.deepEqual(await headers.first().locator('td.name').allInnerTexts(), [
      'Host',
      'X-Dup',
      'Content-Type',
      'x-dup',
      'Cookie',
    ]);
    assert.deepEqual(await headers.first().locator('td.value').allInnerTexts(), [
      'api.test',
      'one',
      'application/x-www-form-urlencoded',
      'two',
      'session=abc',
    ]);
    assert.deepEqual(await headers.nth(1).locator('td.name').allInnerTexts(), [
      'Content-Type',
      'Set-Cookie',
      'Set-Cookie',
    ]);
    await shot(page, 'detail-headers-light');

    await detail.getByRole('tab', { name: 'Payload' }).click();
    await detail.locator('hp-payload-tab').getByText('hunter2').waitFor();

    await detail.getByRole('tab', { name: 'Details' }).click();
    const details = detail.locator('hp-details-tab');
    await details.getByText('93.184.215.14:443').waitFor();
    await details.getByText('SELF_SIGNED_CERT_IN_CHAIN', { exact: false }).waitFor();
    await details
      .locator('hp-certificate-card')
      .getByText('CN=Evil Root CA, O=<b>Evil</b>')
      .waitFor();
    await details.getByText('duplicate-content-length').waitFor();
    await shot(page, 'detail-details-light');

    // A teammate opens the shared URL in a fresh browser: bytes that are not the PNG they claim.
    const shared = await open(api, { hash: `#/flows/${image.record.flowId}`, colorScheme: 'dark' });
    const sharedDetail = shared.page.locator('hp-flow-detail');
    await sharedDetail.locator('hp-preview-tab hp-hex-view').waitFor();
    assert.equal(await sharedDetail.locator('.url').innerText(), 'http://cdn.test/logo.png');
    assert.equal(
      await sharedDetail.getByRole('link', { name: 'Download raw' }).getAttribute('href'),
      `/api/flows/${image.record.flowId}/response/body`,
    );
    await shot(shared.page, 'detail-binary-dark');
    assertPageClean(watch);
    assertPageClean(shared.watch);
  });

  it('renders hostile URL, method, host, header and body content as inert text in every tab', async () => {
    const script = '<script>globalThis.__xssCanary = true; alert("script")</script>';
    const img = '<img src=x onerror="globalThis.__xssCanary = true; alert(1)">';
    const evil = sampleFlow({
      index: 20,
      method: '<img src=x onerror=alert(2)>',
      url: `http://evil.test/${img}?q="><svg onload=alert(3)>`,
      serverHost: '"><img src=x onerror=alert(9)>.evil.test',
      requestHeaders: [
        ['Host', '"><img src=x onerror=alert(4)>'],
        ['X-Evil', img],
        ['<svg onload=alert(5)>', 'javascript:alert(6)'],
      ],
      responseHeaders: [
        ['Content-Type', 'text/html'],
        ['Location', 'javascript:alert(7)'],
      ],
      responseBody: `<!doctype html>${script}${img}<iframe src="javascript:alert(8)"></iframe>`,
    });
    const api = await startApi([evil]);
    const { page, watch } = await open(api, { hash: `#/flows/${evil.record.flowId}/preview` });
    const detail = page.locator('hp-flow-detail');
    await detail.locator('hp-vis-html hp-code-view pre').waitFor();
    assert.equal(
      await detail.locator('hp-vis-html hp-code-view pre').innerText(),
      `<!doctype html>${script}${img}<iframe src="javascript:alert(8)"></iframe>`,
    );
    assert.equal(await detail.locator('.url').innerText(), evil.record.request.url);
    await shot(page, 'xss-preview');
    for (const tab of ['Headers', 'Details', 'Payload', 'Raw']) {
      await detail.getByRole('tab', { name: tab }).click();
      await detail.getByRole('tab', { name: tab, selected: true }).waitFor();
    }
    await detail.getByRole('tab', { name: 'Headers' }).click();
    await detail.getByText('<svg onload=alert(5)>').waitFor();
    assert.ok((await detail.locator('td.value').allInnerTexts()).includes(img));
    assert.ok((await detail.locator('td.value').allInnerTexts()).includes('javascript:alert(7)'));
    await shot(page, 'xss-headers');

    assert.deepEqual(
      await page.evaluate(ACTIVE_CONTENT_PROBE),
      [],
      'no active elements or handlers from captured data',
    );
    assert.equal(await page.evaluate('globalThis.__xssCanary'), false, 'no captured script ran');
    assertPageClean(watch);
  });

  it('shows the start of a large text body and says so; falls back to raw bytes when undecodable', async () => {
    const big = sampleFlow({
      index: 30,
      url: 'http://big.test/log.txt',
      responseBody: 'line of captured text\n'.repeat(60_000), // ~1.3 MiB
    });
    const brotli = sampleFlow({
      index: 31,
      url: 'http://big.test/packed',
      responseHeaders: [
        ['Content-Type', 'text/html'],
        ['Content-Encoding', 'br'],
      ],
      responseBody: new Uint8Array([0x1b, 0x00, 0xf8, 0x25, 0x00, 0xa2, 0x40]),
      undecodable: true,
    });
    const api = await startApi([big, brotli]);
    const { page, watch } = await open(api, { hash: `#/flows/${big.record.flowId}/preview` });
    const preview = page.locator('hp-flow-detail hp-preview-tab');
    await preview.getByText('Showing the first 512 KiB of text.').waitFor();
    assert.equal((await preview.locator('hp-vis-text pre').textContent())?.length, 512 * 1024);
    await preview.getByRole('button', { name: /Show all/ }).click();
    await page.waitForFunction(
      `document.querySelector('hp-app').shadowRoot.querySelector('hp-flow-detail').shadowRoot.querySelector('hp-preview-tab').shadowRoot.querySelector('hp-vis-text').shadowRoot.querySelector('pre').textContent.length === ${60_000 * 22}`,
    );

    await page.evaluate(`location.hash = '#/flows/${brotli.record.flowId}/preview'`);
    await preview
      .getByText('could not remove the content-encoding; these are the raw bytes')
      .waitFor();
    assert.equal(await preview.getByRole('link', { name: 'Download decoded' }).count(), 0);
    assert.equal(
      await preview.getByRole('link', { name: 'Download raw' }).getAttribute('href'),
      `/api/flows/${brotli.record.flowId}/response/body`,
    );
    assert.ok(api.requests.includes(`/api/flows/${brotli.record.flowId}/response/body`));
    await shot(page, 'detail-undecodable');
    assertPageClean(watch, [/status of 422/]); // the analyzer's answer to ?decoded=1, logged by Chromium
  });

  it('sorts by a clicked column on the server and pages on by keyset as the table scrolls', async () => {
    const flows = Array.from({ length: 400 }, (_, i) =>
      sampleFlow({
        index: 100 + i,
        url: `http${i % 3 ? '' : 's'}://bulk${i % 5}.test/n/${i}?page=${i}`,
        status: i % 6 === 4 ? null : ([200, 404, 301, 500, 0, 204][i % 6] ?? 200),
        responseHeaders: [
          ['Content-Type', ['text/html', 'application/json', 'image/png'][i % 3] ?? ''],
        ],
      }),
    );
    const api = await startApi(flows);
    const { page, watch } = await open(api);
    const rows = page.locator('hp-flow-table .row[data-id]');
    await rows.first().waitFor();
    // The first page is 100 flows; the view is near its end, so the next pages follow by keyset.
    await page.locator('hp-top-bar .count', { hasText: '400 flows' }).waitFor();
    assert.ok(api.requests.some((r) => r.startsWith('/api/flows?') && r.includes('after=')));
    assert.ok((await rows.count()) < 80, 'only the rows in view are in the DOM');
    assert.equal(await rows.nth(5).locator('.c-status').innerText(), 'no server'); // i = 394
    await shot(page, 'table-many-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'table-many-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    const status = page.locator('hp-flow-table .th[data-col="status"] button.sort');
    await status.click();
    await page.waitForURL(/sort=status&dir=desc/);
    await waitUntil(async () => (await rows.first().locator('.c-status').innerText()) === '500', {
      what: 'highest status first',
    });
    assert.ok(
      api.requests.some((r) => r.includes('sort=status&dir=desc')),
      'sorted by the server',
    );
    await status.click();
    await page.waitForURL(/sort=status&dir=asc/);
    await waitUntil(
      async () => (await rows.first().locator('.c-status').innerText()) === 'no server',
      {
        what: 'flows without a status first',
      },
    );
    await page.locator('hp-flow-table .th[data-col="start"] button.sort').click();
    await page.waitForURL((u) => !u.hash.includes('sort='));
    await waitUntil(
      async () => (await rows.first().getAttribute('data-id')) === flows[399]?.record.flowId,
      { what: 'back to newest first' },
    );
    assertPageClean(watch);
  });

  it('reconnects the live feed with a fresh ticket and fills the gap it missed', async () => {
    const api = await startApi([sampleFlow({ index: 500 })]);
    const { page, watch } = await open(api);
    await waitUntil(() => api.liveSockets() === 1, { what: 'the live socket' });
    api.dropLive();
    await waitUntil(() => api.liveSockets() === 0, { what: 'the drop' });
    const missed = sampleFlow({ index: 501, url: 'http://gap.test/missed' });
    api.store(missed); // committed while the feed was down
    await waitUntil(() => api.liveSockets() === 1, {
      what: 'a new live socket',
      timeoutMs: 15_000,
    });
    assert.equal(
      api.requests.filter((r) => r === '/api/live/ticket').length,
      2,
      'one ticket per connection',
    );
    await page.locator(`hp-flow-table .row[data-id="${missed.record.flowId}"]`).waitFor();
    const after = sampleFlow({ index: 502, url: 'http://gap.test/after' });
    api.publish(after);
    await page.locator(`hp-flow-table .row[data-id="${after.record.flowId}"]`).waitFor();
    assert.equal(await page.locator('hp-flow-table .row[data-id]').count(), 3);
    assertPageClean(watch);
  });
});
