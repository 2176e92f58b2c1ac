/**
 * The flow detail pane in headless Chromium against the real standalone process: flows captured
 * through the sensor from an origin serving one body per visualizer. Checks every tab (headers in
 * wire order, details with URL parts, waterfall, TLS and certificate chain, body hashes against
 * node:crypto, payload parsing, raw text and hex) and every visualizer, and writes screenshots of
 * each, light and dark, to /tmp/hp-shots/detail-*.png for a human to look at.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import type { FlowRecord } from '@honeyproxy/protocol';
import { createCleanupList } from '@honeyproxy/testkit';
import { assertPageClean } from './testing/gui-harness.js';
import { VISUALIZER_CORPUS, multipartBody } from './testing/detail-corpus.js';
import { startDetailStack, type DetailStack } from './testing/detail-stack.js';

const SHOTS = '/tmp/hp-shots';

describe(
  'flow detail pane: tabs and visualizers (headless Chromium, real capture)',
  { timeout: 240_000 },
  () => {
    const cleanup = createCleanupList();
    let stack: DetailStack;

    before(async () => {
      stack = await startDetailStack(cleanup, VISUALIZER_CORPUS, 'hp-gui-detail-');
      await mkdir(SHOTS, { recursive: true });
    });
    after(() => cleanup.run());

    const pane = (page: Page) => page.locator('hp-flow-detail');
    async function openFlow(
      flow: FlowRecord,
      tab: string,
      colorScheme: 'light' | 'dark' = 'light',
    ) {
      // the pop-out view: the pane alone, full window (screenshots show the whole tab)
      const opened = await stack.open(`#/flows/${flow.flowId}/${tab}?popout=1`, colorScheme);
      await pane(opened.page).getByRole('tab', { name: 'Preview' }).waitFor();
      return opened;
    }
    async function shot(page: Page, name: string) {
      await page.screenshot({ path: `${SHOTS}/detail-${name}.png` });
    }
    async function tab(page: Page, name: string): Promise<Locator> {
      await pane(page).getByRole('tab', { name }).click();
      await page.waitForURL(new RegExp(`/${name.toLowerCase()}(\\?|$)`));
      return pane(page);
    }

    it('shows request and response headers in wire order with duplicates, and copies them', async (t) => {
      const flow = await stack.capture('/data.json', {
        headers: [
          'Host',
          `127.0.0.1:${stack.origin.httpPort}`,
          'X-Dup',
          'one',
          'Accept',
          'application/json',
          'x-dup',
          'two',
          'User-Agent',
          'Mozilla/5.0 (honeypot)',
        ],
      });
      const { page, context, watch } = await openFlow(flow, 'headers');
      t.after(() => context.close());
      const detail = pane(page);
      await detail.locator('hp-headers-tab td.name').first().waitFor();
      const names = await detail
        .locator('hp-headers-tab section')
        .first()
        .locator('td.name')
        .allInnerTexts();
      assert.deepEqual(names.slice(0, 5), ['Host', 'X-Dup', 'Accept', 'x-dup', 'User-Agent']);
      const responseNames = await detail
        .locator('hp-headers-tab section')
        .nth(1)
        .locator('td.name')
        .allInnerTexts();
      assert.deepEqual(responseNames.slice(0, 2), ['Content-Type', 'Content-Length']);
      assert.equal(await detail.locator('hp-headers-tab tr.dup').count(), 2, 'duplicates marked');
      await context.grantPermissions(['clipboard-read', 'clipboard-write']);
      await detail
        .locator('hp-headers-tab tr', { hasText: 'User-Agent' })
        .getByRole('button', { name: 'Copy User-Agent' })
        .click();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'Mozilla/5.0 (honeypot)');
      await shot(page, 'headers-light');
      assertPageClean(watch);
    });

    it('shows URL parts, a timing waterfall, TLS, the certificate chain and body hashes in Details', async (t) => {
      const flow = await stack.capture('/logo.png?size=64&theme=dark', { tls: true });
      const raw = await stack.api.body(flow.flowId, 'response');
      const { page, context, watch } = await openFlow(flow, 'details');
      t.after(() => context.close());
      const details = pane(page).locator('hp-details-tab');
      await details.getByText('Original destination').waitFor();
      const text = (await details.locator('dl').allInnerTexts()).join('\n');
      assert.match(text, /Scheme\s+https/);
      assert.match(text, /Path\s+\/logo\.png/);
      assert.match(text, /Query\s+size=64&theme=dark/);
      assert.match(text, /Sensor\s+standalone/);
      assert.match(text, /Version\s+TLSv1\.[23]/);
      assert.equal(
        await details.locator('hp-timing-waterfall .bar').count(),
        3,
        'send, wait, download',
      );
      const cert = flow.tls?.upstream?.certificates[0];
      assert.ok(cert, 'the sensor recorded the server certificate');
      const card = details.locator('hp-certificate-card').first();
      const sha1 = new X509Certificate(cert.pem).fingerprint.toUpperCase();
      await card.getByText(sha1).waitFor();
      assert.match(await card.locator('dl').innerText(), /localhost/);
      assert.match(
        (await card.getByRole('link', { name: 'Download PEM' }).getAttribute('href')) ?? '',
        /^blob:/,
      );

      const hashes = details.locator('hp-body-hashes[side="response"]');
      const md5 = createHash('md5').update(raw).digest('hex');
      await hashes.getByText(md5).waitFor();
      assert.match(
        await hashes.locator('dl').innerText(),
        new RegExp(createHash('sha1').update(raw).digest('hex')),
      );
      const sha256 = createHash('sha256').update(raw).digest('hex');
      const vt = hashes.getByRole('link', { name: /VirusTotal/ });
      assert.equal(
        await vt.getAttribute('href'),
        `https://www.virustotal.com/gui/search/${sha256}`,
      );
      assert.equal(await vt.getAttribute('rel'), 'noopener noreferrer');
      assert.equal(await vt.getAttribute('target'), '_blank');
      await shot(page, 'details-light');
      await details.locator('hp-certificate-card').first().scrollIntoViewIfNeeded();
      await shot(page, 'details-certificate-light');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'details-certificate-dark');
      assertPageClean(watch);
    });

    it('parses the query string, url-encoded forms, multipart parts and JSON in Payload', async (t) => {
      const form = await stack.capture('/login?next=%2Fadmin&lang=en&lang=de', {
        method: 'POST',
        headers: [
          'Host',
          `127.0.0.1:${stack.origin.httpPort}`,
          'Content-Type',
          'application/x-www-form-urlencoded',
        ],
        body: 'user=admin&password=hunter2&remember=on',
      });
      const exe = VISUALIZER_CORPUS['/setup.exe']?.body ?? Buffer.alloc(0);
      const boundary = '----honeypot7MA4YWxkTrZu0gW';
      const upload = await stack.capture('/upload', {
        method: 'POST',
        headers: [
          'Host',
          `127.0.0.1:${stack.origin.httpPort}`,
          'Content-Type',
          `multipart/form-data; boundary=${boundary}`,
        ],
        body: multipartBody(boundary, [
          { name: 'comment', data: 'quarterly report' },
          { name: 'file', filename: 'invoice.pdf.exe', type: 'application/pdf', data: exe },
        ]),
      });
      const json = await stack.capture('/api/report', {
        method: 'POST',
        headers: ['Host', `127.0.0.1:${stack.origin.httpPort}`, 'Content-Type', 'application/json'],
        body: '{"bot":"mirai","targets":["10.0.0.1","10.0.0.2"],"cfg":{"threads":8}}',
      });

      const { page, context, watch } = await openFlow(form, 'payload');
      t.after(() => context.close());
      const payload = pane(page).locator('hp-payload-tab');
      await payload.getByText('hunter2').waitFor();
      assert.deepEqual(
        await payload.locator('section').first().locator('td.name').allInnerTexts(),
        ['next', 'lang', 'lang', 't'],
      );
      assert.deepEqual(
        (await payload.locator('section').first().locator('td.value').allInnerTexts()).slice(0, 3),
        ['/admin', 'en', 'de'],
      );
      assert.deepEqual(await payload.locator('section').nth(1).locator('td.name').allInnerTexts(), [
        'user',
        'password',
        'remember',
      ]);
      await shot(page, 'payload-form-light');

      await page.goto(`${stack.guiUrl}#/flows/${upload.flowId}/payload?popout=1`);
      const row = payload.locator('tr', { hasText: 'invoice.pdf.exe' });
      await row.waitFor();
      assert.match(await row.innerText(), /is PE executable/);
      const sha = createHash('sha256').update(exe).digest('hex');
      await row.getByText(`${sha.slice(0, 16)}…`).waitFor();
      assert.equal(
        await row.getByRole('link', { name: 'Download' }).getAttribute('download'),
        'part-2-invoice.pdf.exe.bin',
      );
      await shot(page, 'payload-multipart-light');

      await page.goto(`${stack.guiUrl}#/flows/${json.flowId}/payload?popout=1`);
      await payload.locator('hp-json-tree').getByText('"mirai"').waitFor();
      await shot(page, 'payload-json-light');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'payload-json-dark');
      assertPageClean(watch);
    });

    it('shows the request and response as HTTP text and a virtualized hex dump in Raw', async (t) => {
      const flow = await stack.capture('/blob.bin');
      const { page, context, watch } = await openFlow(flow, 'raw');
      t.after(() => context.close());
      const raw = pane(page).locator('hp-raw-tab');
      await raw.locator('pre').waitFor();
      assert.match(
        await raw.locator('pre').innerText(),
        /^GET \/blob\.bin\?t=\S+ HTTP\/1\.1\r?\nHost: /,
      );
      await raw.getByRole('button', { name: 'Response' }).click();
      await raw.getByText(/1\.0 MiB of binary data/).waitFor();
      await shot(page, 'raw-text-light');
      await raw.getByRole('button', { name: 'Hex' }).click();
      const rows = raw.locator('hp-hex-view .row');
      await rows.first().waitFor();
      assert.ok(
        (await rows.count()) < 200,
        `only visible rows are in the DOM (${await rows.count()})`,
      );
      assert.match(await rows.first().innerText(), /^00000000\s+00 9e 3c da 78 17 b5 53 {2}f1 8f/);
      await raw
        .locator('hp-hex-view .scroller')
        .evaluate((el: { scrollTo(x: number, y: number): void }) => el.scrollTo(0, 600_000));
      await raw
        .locator('hp-hex-view .off', { hasText: /^00082/ })
        .first()
        .waitFor();
      await shot(page, 'raw-hex-light');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'raw-hex-dark');
      assertPageClean(watch);
    });

    const VISUALIZERS: [path: string, element: string, expect: RegExp][] = [
      ['/logo.png', 'hp-vis-image', /Dimensions\s+64 × 48/],
      ['/icon.svg', 'hp-vis-svg', /an image only/],
      ['/page.html', 'hp-vis-html', /charset utf-8/],
      ['/app.js', 'hp-vis-code', /JAVASCRIPT/],
      ['/style.css', 'hp-vis-code', /CSS/],
      ['/data.json', 'hp-vis-code', /JSON/],
      ['/feed.xml', 'hp-vis-code', /XML/],
      ['/latin1.txt', 'hp-vis-text', /Café crème brûlée/],
      ['/true.elf', 'hp-vis-executable', /ELF64, little-endian/],
      ['/tool.macho', 'hp-vis-executable', /Mach-O 64-bit executable/],
      ['/setup.exe', 'hp-vis-executable', /InternetOpenUrlA|WININET\.dll/],
      ['/archive.zip', 'hp-vis-archive', /bin\/payload\.exe/],
      ['/bomb.zip', 'hp-vis-archive', /Zip bomb:/],
      ['/doc.pdf', 'hp-vis-pdf', /Active content:.*\/OpenAction/],
      ['/font.ttf', 'hp-vis-media', /family\s+HoneyProxy Test Sans/],
      ['/tone.wav', 'hp-vis-media', /sample rate\s+8000 Hz/],
      ['/blob.bin', 'hp-hex-view', /00000000/],
    ];

    it('picks a visualizer for every kind of body from its bytes', async (t) => {
      const flows = new Map<string, FlowRecord>();
      for (const [path] of VISUALIZERS) flows.set(path, await stack.capture(path));
      const first = flows.get('/logo.png');
      assert.ok(first);
      const { page, context, watch } = await openFlow(first, 'preview');
      t.after(() => context.close());
      for (const [path, element, expect] of VISUALIZERS) {
        const flow = flows.get(path);
        assert.ok(flow);
        await page.goto(`${stack.guiUrl}#/flows/${flow.flowId}/preview?popout=1`);
        const vis = pane(page).locator(`hp-preview-tab ${element}`);
        await vis.waitFor();
        if (element === 'hp-vis-code') await vis.locator('hp-code-view .badge.ok').waitFor();
        if (element === 'hp-vis-image')
          await vis
            .locator('img')
            .evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
        await vis
          .getByText(expect)
          .first()
          .waitFor({ timeout: 10_000 })
          .catch(async () => {
            assert.fail(
              `${path}: ${expect} not in ${(await vis.locator('*').allInnerTexts()).join(' ')}`,
            );
          });
        const name = path.slice(1).replace(/\W+/g, '-');
        await shot(page, `preview-${name}-light`);
        if (
          [
            '/logo.png',
            '/page.html',
            '/app.js',
            '/setup.exe',
            '/bomb.zip',
            '/doc.pdf',
            '/data.json',
          ].includes(path)
        ) {
          await page.emulateMedia({ colorScheme: 'dark' });
          await shot(page, `preview-${name}-dark`);
          await page.emulateMedia({ colorScheme: 'light' });
        }
      }
      // the HTML visualizer's inert rendering
      await page.goto(`${stack.guiUrl}#/flows/${flows.get('/page.html')?.flowId}/preview?popout=1`);
      await pane(page).getByRole('button', { name: 'Rendered (inert)' }).click();
      const frame = pane(page).locator('iframe[sandbox=""]');
      await frame.waitFor();
      await page.frameLocator('hp-flow-detail iframe').getByText('Welcome back').waitFor();
      await shot(page, 'preview-page-html-rendered-light');
      // The preview route's own CSP header (not the GUI's) governs the frame: the captured page's
      // inline <style> applies, and nothing is refused or logged.
      const heading = page.frameLocator('hp-flow-detail iframe').getByText('Welcome back');
      assert.equal(
        await heading.evaluate(
          (el) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }
            ).getComputedStyle(el).color,
        ),
        'rgb(10, 95, 196)',
        "the captured page's <style> applies in the preview",
      );
      assertPageClean(watch);
    });

    it('flags an image URL whose bytes are an executable', async (t) => {
      const flow = await stack.capture('/cat.jpg');
      const { page, context, watch } = await openFlow(flow, 'preview');
      t.after(() => context.close());
      const preview = pane(page).locator('hp-preview-tab');
      await preview.locator('hp-vis-executable').waitFor();
      const banner = preview.getByRole('alert');
      assert.match(
        await banner.innerText(),
        /Type mismatch: declared image\/jpeg but the bytes are PE executable; URL ends in \.jpg/,
      );
      assert.match(await preview.locator('.typebar').innerText(), /Content: PE executable/);
      await shot(page, 'preview-mismatch-light');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'preview-mismatch-dark');
      assertPageClean(watch);
    });

    it('moves between tabs with the keyboard and keeps the tab in the URL', async (t) => {
      const flow = await stack.capture('/page.html');
      const { page, context, watch } = await openFlow(flow, 'headers');
      t.after(() => context.close());
      await pane(page).getByRole('tab', { name: 'Headers' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.waitForURL(/\/details(\?|$)/);
      await page.keyboard.press('End');
      await page.waitForURL(/\/raw(\?|$)/);
      await page.keyboard.press('Home');
      await page.waitForURL(/\/headers(\?|$)/);
      assert.equal(await pane(page).getByRole('tab', { selected: true }).innerText(), 'Headers');
      await tab(page, 'Preview');
      assertPageClean(watch);
    });
  },
);
