/**
 * Hostile captured content against the GUI, in headless Chromium on the real standalone process:
 * flows captured through the sensor carry XSS payloads in the URL, headers, status line, form
 * fields, multipart file names and bodies (HTML with scripts, beacons, meta refresh and forms; SVG
 * with script; a PE served as .jpg; a 5 MB one-line script; a zip bomb; a PDF with OpenAction).
 * Every flow goes through every tab and the hostile bodies through every visualizer, and the test
 * asserts: no payload ran (page binding `__hpXss` never called), no dialog, no navigation, no
 * request left for anywhere but the analyzer, no active element outside the preview sandbox, and
 * the tab stayed responsive. Also: raw downloads are inert attachments, and the GUI's CSP is strict.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page, Request } from 'playwright-core';
import type { FlowRecord } from '@honeyproxy/protocol';
import { createCleanupList } from '@honeyproxy/testkit';
import { assertPageClean } from './testing/gui-harness.js';
import { BEACON, HOSTILE_CORPUS, XSS, XSS_CALL, multipartBody } from './testing/detail-corpus.js';
import { startDetailStack, type DetailStack } from './testing/detail-stack.js';

const TABS = ['headers', 'details', 'payload', 'preview', 'raw'] as const;
/** Chromium's console lines for loads the preview's CSP refused (evidence, not failures). */
const CSP_REFUSALS = [
  /violates the following Content Security Policy directive/,
  /Blocked script execution in '[^']*\/preview\?charset=[^']*' because the document's frame is sandboxed/,
  /Blocked form submission/,
  /Blocked autofocusing/,
];

/** The HTML preview route (analyzer/src/http/routes/preview.ts). */
const PREVIEW_URL =
  /^http:\/\/[^/]+\/api\/flows\/[0-9a-f-]{36}\/(request|response)\/preview\?charset=[\w.:-]+$/;

/** Elements that could run code or load something, anywhere in the GUI's shadow roots. */
const ACTIVE_PROBE = `(() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (tag === 'script' && el.getAttribute('src') !== '/app.js') found.push('script');
      if (['object', 'embed', 'frame', 'foreignobject', 'base', 'meta', 'link'].includes(tag) && root !== document) found.push(tag);
      if (tag === 'iframe' && el.getAttribute('sandbox') !== '') found.push('iframe without sandbox=""');
      if (tag === 'img' && !(el.getAttribute('src') ?? '').startsWith('blob:')) found.push('img ' + el.getAttribute('src'));
      for (const name of el.getAttributeNames()) if (name.startsWith('on')) found.push(tag + '@' + name);
      if (/^\\s*javascript:/i.test(el.getAttribute('href') ?? '')) found.push(tag + '@href=javascript');
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
})()`;

interface Watched {
  page: Page;
  context: BrowserContext;
  ran: string[];
  /** Requests for anywhere but the analyzer that were not refused by a CSP inside the browser. */
  external(): string[];
  /** Loads a CSP refused before they were sent (Chromium reports them as failed requests). */
  cspRefused(): string[];
  navigations: string[];
  watch: Awaited<ReturnType<DetailStack['open']>>['watch'];
}

describe(
  'hostile captured content stays inert in the GUI (headless Chromium, real capture)',
  { timeout: 300_000 },
  () => {
    const cleanup = createCleanupList();
    let stack: DetailStack;
    const flows: FlowRecord[] = [];
    const byPath = new Map<string, FlowRecord>();

    before(async () => {
      stack = await startDetailStack(cleanup, HOSTILE_CORPUS, 'hp-gui-safety-');
      for (const path of Object.keys(HOSTILE_CORPUS)) {
        const flow = await stack.capture(path, { tls: path === '/evil.html' });
        flows.push(flow);
        byPath.set(path, flow);
      }
      const host = `127.0.0.1:${stack.origin.httpPort}`;
      // XSS in the URL path and query, header values, a form, a JSON body and multipart names.
      flows.push(
        await stack.capture(
          // spaces are the one thing a request line cannot carry raw
          `/${XSS[0]}/"><img src=x onerror=${XSS_CALL}>?q=${XSS[2]}&next=${XSS[3]}`.replace(
            / /g,
            '%20',
          ),
          {
            headers: [
              'Host',
              host,
              'X-Evil',
              XSS[1],
              'Referer',
              XSS[3],
              'Cookie',
              `s=${XSS[0]}`,
              'User-Agent',
              XSS[5],
            ],
          },
        ),
        await stack.capture('/echo-form', {
          method: 'POST',
          headers: ['Host', host, 'Content-Type', 'application/x-www-form-urlencoded'],
          body: `${encodeURIComponent(XSS[0])}=${encodeURIComponent(XSS[1])}&u=${encodeURIComponent(XSS[2])}`,
        }),
        await stack.capture('/echo-json', {
          method: 'POST',
          headers: ['Host', host, 'Content-Type', 'application/json'],
          body: JSON.stringify({ [XSS[0]]: [XSS[1], { [XSS[2]]: XSS[3] }] }),
        }),
        await stack.capture('/echo-upload', {
          method: 'POST',
          headers: ['Host', host, 'Content-Type', 'multipart/form-data; boundary=xss'],
          body: multipartBody('xss', [
            { name: XSS[2].replace(/"/g, "'"), data: XSS[0] },
            {
              name: 'file',
              filename: `${XSS[1].replace(/"/g, "'")}.php`,
              type: 'image/jpeg',
              data: HOSTILE_CORPUS['/evil.svg']?.body ?? '',
            },
            {
              name: 'doc',
              filename: '../../etc/passwd\u202egnp.exe',
              type: 'text/html',
              data: HOSTILE_CORPUS['/evil.html']?.body ?? '',
            },
          ]),
        }),
      );
    });
    after(() => cleanup.run());

    async function openWatched(hash: string): Promise<Watched> {
      const { page, context, watch } = await stack.open('about:blank'.slice(0, 0));
      const ran: string[] = [];
      const routed: string[] = [];
      const attempts = new Map<Request, string>();
      const navigations: string[] = [];
      await context.exposeBinding('__hpXss', (_source, arg: unknown) => void ran.push(String(arg)));
      const gui = new URL(stack.guiUrl).origin;
      context.on('request', (request) => {
        if (
          !request.url().startsWith(gui) &&
          !request.url().startsWith('blob:') &&
          !request.url().startsWith('data:')
        )
          attempts.set(
            request,
            `${request.url()} (${request.resourceType()} from ${request.frame().url().slice(0, 60)})`,
          );
      });
      await context.route(
        (url) => url.origin !== gui,
        (route) => {
          routed.push(`routed ${route.request().url()}`);
          return route.abort('blockedbyclient');
        },
      );
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
        // the preview frame loads the analyzer's preview route; a load the preview refused shows
        // as Chromium's error page (or an empty URL), not a document
        else if (
          !/^(about:blank|chrome-error:|$)/.test(frame.url()) &&
          !(frame.parentFrame() === page.mainFrame() && PREVIEW_URL.test(frame.url()))
        )
          navigations.push(`frame ${frame.url()}`);
      });
      await page.goto(`${stack.guiUrl}${hash}`);
      // DevTools reports a load a CSP refused as a request that failed with blockedReason "csp"
      // (Playwright's failure text; no requestfailed event fires for it): it never reached the
      // network (nor the route above). Anything else — pending, answered, aborted — left.
      const refused = (r: Request) =>
        /^(csp|net::ERR_BLOCKED_BY_CSP)$/.test(r.failure()?.errorText ?? '');
      const external = () => [
        ...[...attempts].filter(([r]) => !refused(r)).map(([, what]) => what),
        ...routed,
      ];
      const cspRefused = () => [...attempts].filter(([r]) => refused(r)).map(([, what]) => what);
      return { page, context, ran, external, cspRefused, navigations, watch };
    }

    async function showTab(
      page: Page,
      flow: FlowRecord,
      tab: (typeof TABS)[number],
    ): Promise<void> {
      await page.evaluate(`location.hash = '#/flows/${flow.flowId}/${tab}'`);
      const pane = page.locator('hp-flow-detail');
      await pane
        .getByRole('tab', { name: tab[0]?.toUpperCase() + tab.slice(1), selected: true })
        .waitFor();
      if (tab === 'preview')
        await pane.locator('hp-preview-tab :is(.typebar, .empty, .card)').first().waitFor();
      if (tab === 'raw') await pane.locator('hp-raw-tab pre').waitFor();
      await page.waitForTimeout(100); // give anything that would run a chance to
    }

    function assertInert(w: Watched, what: string): void {
      assert.deepEqual(w.ran, [], `${what}: captured script ran`);
      assert.deepEqual(w.external(), [], `${what}: requests left the browser`);
      const origin = new URL(stack.guiUrl);
      for (const url of w.navigations) {
        const u = URL.canParse(url) ? new URL(url) : null;
        assert.ok(
          u !== null && u.origin === origin.origin && u.pathname === '/',
          `${what}: navigated to ${url} (all: ${w.navigations.join(', ')})`,
        );
      }
      assertPageClean(w.watch, CSP_REFUSALS);
    }

    it('renders every hostile flow through every tab without running, loading or navigating anything', async (t) => {
      const w = await openWatched('');
      t.after(() => w.context.close());
      await w.page.locator('hp-app').waitFor();
      for (const flow of flows) {
        for (const tab of TABS) await showTab(w.page, flow, tab);
        assert.deepEqual(
          await w.page.evaluate(ACTIVE_PROBE),
          [],
          `active content for ${flow.request.url}`,
        );
      }
      await w.page.screenshot({ path: '/tmp/hp-shots/detail-safety-last-flow.png' });
      assertInert(w, 'tabs');
      t.diagnostic(`${flows.length} flows × ${TABS.length} tabs`);
    });

    it('shows hostile bodies through every visualizer, the HTML one rendered in its sandbox', async (t) => {
      const w = await openWatched('');
      t.after(() => w.context.close());
      await w.page.locator('hp-app').waitFor();
      const pane = w.page.locator('hp-flow-detail');
      const stepLog: string[] = [];
      t.after(() =>
        t.diagnostic(
          `steps: ${stepLog.join(' | ')}; external: ${w.external().join(' | ')}; refused by CSP: ${w.cspRefused().length}`,
        ),
      );
      for (const path of [
        '/evil.html',
        '/evil.svg',
        '/evil.xml',
        '/evil.css',
        '/cat.jpg',
        '/evil.pdf',
      ]) {
        const flow = byPath.get(path);
        assert.ok(flow, path);
        await showTab(w.page, flow, 'preview');
        const select = pane.getByRole('combobox', { name: 'Show as' });
        const options = await select
          .locator('option')
          .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
        for (const value of options) {
          await select.selectOption(value);
          stepLog.push(`${path} as ${value || 'auto'}`);
          await w.page.waitForTimeout(150);
          const rendered = pane.getByRole('button', { name: 'Rendered (inert)' });
          if ((await rendered.count()) > 0) {
            await rendered.click();
            stepLog.push('rendered');
            const frame = pane.locator('iframe');
            await frame.waitFor();
            assert.equal(await frame.getAttribute('sandbox'), '', 'sandbox with no permissions');
            await w.page.waitForTimeout(500); // meta refresh (0 s), onload, autofocus…
            // The preview frame keeps its own document; frames the captured page tried to embed
            // (iframe/object/embed) exist only as Chromium's error page for a refused load.
            const preview = w.page.frames().find((f) => f.parentFrame() === w.page.mainFrame());
            assert.match(preview?.url() ?? '', PREVIEW_URL);
            assert.ok(preview?.url().startsWith(stack.guiUrl), 'the preview is from the analyzer');
            for (const f of w.page.frames()) {
              if (f === w.page.mainFrame() || f === preview) continue;
              assert.equal(f.parentFrame(), preview, `${f.url()} is inside the preview`);
              assert.match(f.url(), /^(chrome-error:|about:)/, 'a refused load, not a document');
            }
            if (path === '/evil.html')
              await w.page.screenshot({ path: '/tmp/hp-shots/detail-safety-html-rendered.png' });
          }
          assert.deepEqual(
            await w.page.evaluate(ACTIVE_PROBE),
            [],
            `${path} as ${value || 'auto'}`,
          );
        }
        if (path === '/cat.jpg') {
          assert.match(
            await pane.getByRole('alert').innerText(),
            /declared image\/jpeg but the bytes are PE executable/,
          );
          await w.page.screenshot({ path: '/tmp/hp-shots/detail-safety-mismatch.png' });
        }
      }
      const bomb = byPath.get('/bomb.zip');
      assert.ok(bomb);
      await showTab(w.page, bomb, 'preview');
      await pane.getByText('Zip bomb:').waitFor();
      assertInert(w, 'visualizers');
    });

    it('stays responsive while showing a 5 MB one-line script, and highlights it off the main thread', async (t) => {
      const w = await openWatched('');
      t.after(() => w.context.close());
      await w.page.addInitScript({
        content: `globalThis.__longTasks = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) globalThis.__longTasks.push(Math.round(e.duration)); }).observe({ type: 'longtask', buffered: true });`,
      });
      await w.page.reload();
      const big = byPath.get('/big.js');
      assert.ok(big);
      const pane = w.page.locator('hp-flow-detail');
      const started = Date.now();
      await showTab(w.page, big, 'preview');
      // over the auto-load size: the size and a button, nothing fetched yet
      await pane.getByRole('button', { name: /^Load 5\.0 MiB and preview it$/ }).click();
      await w.page.waitForTimeout(3000);
      await w.page.screenshot({ path: '/tmp/hp-shots/debug-big.png' });
      await pane.getByText(/Larger than 256 KiB: shown as plain/).waitFor();
      const shown = Date.now() - started;
      const roundTrips: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        await w.page.evaluate('1');
        roundTrips.push(Date.now() - t0);
      }
      // format & highlight 5 MB in the worker: the page must keep answering meanwhile
      await pane.getByRole('button', { name: /Format & highlight anyway/ }).click();
      const during: number[] = [];
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const t0 = Date.now();
        await w.page.evaluate('1');
        during.push(Date.now() - t0);
        await w.page.waitForTimeout(100);
      }
      const longTasks = await w.page.evaluate<number[]>('globalThis.__longTasks');
      t.diagnostic(
        `preview shown in ${shown} ms; evaluate round trips ${roundTrips.join('/')} ms; during highlighting max ${Math.max(...during)} ms; long tasks ${longTasks.join(', ')} ms`,
      );
      assert.ok(Math.max(...roundTrips) < 1000, `round trips ${roundTrips.join('/')}`);
      assert.ok(
        Math.max(...during) < 1000,
        `the page stalled while the worker formatted (${Math.max(...during)} ms)`,
      );
      await showTab(w.page, big, 'raw');
      await pane.getByRole('button', { name: 'Response' }).click();
      await pane.getByText('Showing the first 256 KiB of the body.').waitFor();
      await w.page.screenshot({ path: '/tmp/hp-shots/detail-safety-big-js.png' });
      assertInert(w, '5 MB script');
    });

    it('serves raw bodies as inert attachments, with or without decoding', async () => {
      const flow = byPath.get('/evil.html');
      assert.ok(flow);
      for (const query of ['', '?decoded=1']) {
        const res = await stack.api.get(`/api/flows/${flow.flowId}/response/body${query}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'application/octet-stream');
        assert.match(
          res.headers.get('content-disposition') ?? '',
          /^attachment; filename="[0-9a-f-]+-response(-decoded)?\.bin"$/,
        );
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.match(res.headers.get('content-security-policy') ?? '', /^sandbox(;|$)/);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.match(res.body.toString(), /<script>__hpXss/);
      }
      // Opening the raw URL in the browser downloads it; nothing renders or runs.
      const w = await openWatched('');
      await w.page.locator('hp-app').waitFor();
      const download = w.page.waitForEvent('download');
      await w.page
        .goto(`${stack.guiUrl}api/flows/${flow.flowId}/response/body`)
        .catch(() => undefined); // "Download is starting"
      assert.match((await download).suggestedFilename(), /-response\.bin$/);
      assert.deepEqual(w.ran, []);
      assert.deepEqual(w.external(), []);
      await w.context.close();
    });

    it('serves the GUI under a strict CSP: no inline script, no eval, workers and frames from itself only', async () => {
      const res = await stack.api.get('/');
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp.split(';').map((d) => {
          const [k = '', ...v] = d.trim().split(/\s+/);
          return [k, v.join(' ')];
        }),
      );
      assert.equal(directives.get('script-src'), "'self'");
      assert.equal(directives.get('worker-src'), "'self'");
      assert.equal(directives.get('object-src'), "'none'");
      assert.equal(directives.get('base-uri'), "'none'");
      assert.equal(directives.get('frame-ancestors'), "'none'");
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.ok(BEACON.startsWith('http://198.18.'), 'beacons point at the benchmarking range');
    });
  },
);
