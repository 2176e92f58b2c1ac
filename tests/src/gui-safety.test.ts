/**
 * Hostile captured content against the GUI, in headless Chromium on the real standalone process:
 * flows captured through the sensor carry XSS payloads in the URL, headers, status line, form
 * fields, multipart file names and bodies (HTML with scripts, beacons, meta refresh and forms; SVG
 * with script; a PE served as .jpg; a 5 MB one-line script; a zip bomb; a PDF with OpenAction).
 * Every flow goes through every tab and the hostile bodies through every visualizer, and the test
 * asserts: no payload ran (page binding `__hpXss` never called), no dialog, no navigation, no
 * request left for anywhere but the analyzer, no active element outside the preview sandbox, and
 * the tab stayed responsive. What the analyzer serves (raw downloads, the CSP, Trusted Types) is
 * in gui-safety-served.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '@honeyproxy/protocol';
import { createCleanupList } from '@honeyproxy/testkit';
import { HOSTILE_CORPUS } from './testing/detail-corpus.js';
import { startDetailStack, type DetailStack } from './testing/detail-stack.js';
import {
  ACTIVE_PROBE,
  PREVIEW_URL,
  TABS,
  assertInert,
  captureHostileFlows,
  openWatched,
  showTab,
} from './testing/hostile-gui.js';

describe(
  'hostile captured content stays inert in the GUI (headless Chromium, real capture)',
  { timeout: 300_000 },
  () => {
    const cleanup = createCleanupList();
    let stack: DetailStack;
    let flows: FlowRecord[] = [];
    let byPath = new Map<string, FlowRecord>();

    before(async () => {
      stack = await startDetailStack(cleanup, HOSTILE_CORPUS, 'hp-gui-safety-');
      ({ flows, byPath } = await captureHostileFlows(stack));
    });
    after(() => cleanup.run());

    it('renders every hostile flow through every tab without running, loading or navigating anything', async (t) => {
      const w = await openWatched(stack, '');
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
      assertInert(stack, w, 'tabs');
      t.diagnostic(`${flows.length} flows × ${TABS.length} tabs`);
    });

    it('shows hostile bodies through every visualizer, the HTML one rendered in its sandbox', async (t) => {
      const w = await openWatched(stack, '');
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
      assertInert(stack, w, 'visualizers');
    });

    it('stays responsive while showing a 5 MB one-line script, and highlights it off the main thread', async (t) => {
      const w = await openWatched(stack, '');
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
      assertInert(stack, w, '5 MB script');
    });
  },
);
