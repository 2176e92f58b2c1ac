/**
 * What the analyzer serves the GUI and captured bytes with, checked against the real standalone
 * process: raw bodies are inert attachments; the GUI's CSP is strict and requires Trusted Types,
 * and the GUI — table, live feed (its worker), every tab, the highlight worker, a pop-out window —
 * runs under it in headless Chromium without a single CSP or Trusted Types violation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '@honeyproxy/protocol';
import { createCleanupList } from '@honeyproxy/testkit';
import { BEACON, HOSTILE_CORPUS } from './testing/detail-corpus.js';
import { startDetailStack, type DetailStack } from './testing/detail-stack.js';
import { TABS, openWatched, showTab } from './testing/hostile-gui.js';

/** Records every securitypolicyviolation (and uncaught error) in every page of a context. */
const VIOLATION_LISTENER = `document.addEventListener('securitypolicyviolation', (event) => {
  globalThis.__hpViolation(event.effectiveDirective + ' ' + event.blockedURI + ' ' + (event.sample || ''));
}, true);`;

describe(
  'what the analyzer serves the GUI with (headless Chromium, real capture)',
  { timeout: 300_000 },
  () => {
    const cleanup = createCleanupList();
    let stack: DetailStack;
    const byPath = new Map<string, FlowRecord>();

    before(async () => {
      stack = await startDetailStack(cleanup, HOSTILE_CORPUS, 'hp-gui-served-');
      for (const path of ['/evil.html', '/evil.css', '/evil.svg'])
        byPath.set(path, await stack.capture(path, { tls: path === '/evil.html' }));
    });
    after(() => cleanup.run());

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
      const w = await openWatched(stack, '');
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

    it('serves the GUI under a strict CSP: no inline script, no eval, Trusted Types, workers and frames from itself only', async () => {
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
      assert.equal(directives.get('require-trusted-types-for'), "'script'");
      assert.equal(directives.get('trusted-types'), 'lit-html hp-worker');
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.ok(BEACON.startsWith('http://198.18.'), 'beacons point at the benchmarking range');
    });

    it('runs under Trusted Types without a violation: table, live feed, every tab, highlighting, pop-out', async (t) => {
      const w = await openWatched(stack, '');
      t.after(() => w.context.close());
      const violations: string[] = [];
      const errors: string[] = [];
      await w.context.exposeBinding('__hpViolation', (_source, text: unknown) => {
        violations.push(String(text));
      });
      await w.context.addInitScript({ content: VIOLATION_LISTENER });
      w.context.on('page', (p) =>
        p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`)),
      );
      w.page.on('pageerror', (e) => errors.push(e.message));
      await w.page.reload();
      await w.page.locator('hp-top-bar .live.on').waitFor();
      assert.ok(
        w.page.workers().some((worker) => worker.url().endsWith('/live-worker.js')),
        'the live feed runs in its worker',
      );
      // A flow captured now arrives through the live worker.
      const live = await stack.capture('/evil.svg');
      await w.page.locator(`hp-flow-table .row[data-id="${live.flowId}"]`).waitFor();
      for (const flow of byPath.values()) for (const tab of TABS) await showTab(w.page, flow, tab);
      // CSS is highlighted in the highlight worker.
      const css = byPath.get('/evil.css');
      assert.ok(css);
      await showTab(w.page, css, 'preview');
      const pane = w.page.locator('hp-flow-detail');
      await pane.locator('hp-code-view .badge.ok').waitFor();
      const popup = w.context.waitForEvent('page');
      await pane.getByRole('button', { name: 'Pop out' }).click();
      const win = await popup;
      await win.locator('hp-flow-detail[popout]').waitFor();
      await win.locator('hp-flow-detail [role="tab"][aria-selected="true"]').waitFor();
      assert.deepEqual(violations, [], 'CSP / Trusted Types violations');
      assert.deepEqual(errors, [], 'uncaught errors');
      // And Trusted Types are enforced: a raw string into an HTML sink is refused (and reported).
      const sink = await w.page.evaluate(
        `(() => { try { document.createElement('div').innerHTML = '<b>x</b>'; return 'allowed'; } catch (e) { return e.name; } })()`,
      );
      assert.equal(sink, 'TypeError');
      await w.page.waitForTimeout(100);
      assert.equal(violations.length, 1, violations.join(' | '));
      assert.match(violations[0] ?? '', /^require-trusted-types-for /);
    });
  },
);
