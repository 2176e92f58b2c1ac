/**
 * The analyst GUI's speed (not a test: numbers for BENCHMARKS.md). Build first (`npm run build`).
 * HoneyProxy: a real analyzer process on a private nats-server and a temporary Postgres database,
 * N flows written through the store, headless Chromium at 1280×720:
 *   - first interactive: navigation start → first table row painted (performance.now in the page);
 *   - scroll frame times: 300 animation frames scrolling 30 rows each (pages load on the way);
 *   - tab memory: JS heap after every one of the N rows is loaded into the window (and GC);
 *   - deep scroll: End (jump to the oldest flow by keyset), time until its row shows;
 *   - live: R flows/s published to JetStream for S seconds while the table follows: frames > 50 ms.
 * mitmweb (Debian's mitmproxy) loads the same traffic from a dump (`--rfile`, written by
 * gui-bench-mitm-dump.py) and is measured the same way: first row painted, scroll frames, heap.
 *
 *   node bench/gui-bench.mjs [--flows 100000] [--big 0] [--live-rate 500] [--live-seconds 30]
 *     [--mitmweb true] [--out DIR]
 *   --big: also run with this many flows in the database (first page and deep scroll only).
 * Results: bench-results/gui-<date-time>/summary.md and results.json.
 */
/* global performance, requestAnimationFrame, TextEncoder, fetch, Buffer -- page functions run in Chromium */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import {
  createCleanupList,
  createTempDatabase,
  freePort,
  launchBrowser,
  startNatsServer,
} from '@honeyproxy/testkit';
import { flowSubject } from '@honeyproxy/protocol';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { startAnalyzer, ADMIN } = await import(join(ROOT, 'tests/dist/testing/service-stacks.js'));
const { insertBulkFlows, bulkFlow } = await import(join(ROOT, 'tests/dist/testing/bulk-flows.js'));

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '100000' },
    big: { type: 'string', default: '0' },
    'live-rate': { type: 'string', default: '500' },
    'live-seconds': { type: 'string', default: '30' },
    mitmweb: { type: 'string', default: 'true' },
    honeyproxy: { type: 'string', default: 'true' },
    /** An existing mitmproxy dump of the same flows (skips writing one). */
    dump: { type: 'string' },
    out: { type: 'string' },
  },
});
const N = Number(args.flows);
const BIG = Number(args.big);
const LIVE_RATE = Number(args['live-rate']);
const LIVE_SECONDS = Number(args['live-seconds']);
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const OUT = args.out ?? join(ROOT, 'bench-results', `gui-${stamp}`);
mkdirSync(OUT, { recursive: true });

const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
const cleanup = createCleanupList();
const results = { flows: N, when: new Date().toISOString(), honeyproxy: {}, mitmweb: null };

function stats(frames) {
  const sorted = [...frames].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    frames: frames.length,
    p50: +at(0.5).toFixed(1),
    p95: +at(0.95).toFixed(1),
    max: +(sorted.at(-1) ?? 0).toFixed(1),
    over50: frames.filter((f) => f > 50).length,
  };
}

/** rAF-timed scrolling of an element (found by `find`, a page-side expression) by `step` px per frame. */
async function scrollFrames(page, find, frames, step) {
  return page.evaluate(
    async ([findSrc, count, px]) => {
      const el = new Function(`return ${findSrc}`)();
      const deltas = [];
      let last = performance.now();
      for (let i = 0; i < count; i++) {
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        el.scrollTop += px;
      }
      return deltas.slice(1);
    },
    [find, frames, step],
  );
}

async function heapMb(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  return +((metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20).toFixed(1);
}

const HP_VIEWPORT =
  "document.querySelector('hp-app').shadowRoot.querySelector('hp-flow-table').shadowRoot.querySelector('.viewport')";
const HP_FIRST_ROW = `(() => { try { return ${HP_VIEWPORT}.querySelector('.row') ? performance.now() : false } catch { return false } })()`;
const HP_COUNT =
  "document.querySelector('hp-app').shadowRoot.querySelector('hp-top-bar').shadowRoot.querySelector('.count').textContent";

async function honeyproxyRun(browser, url, label, total, opts) {
  const context = await browser.newContext({
    httpCredentials: { username: ADMIN.user, password: ADMIN.password },
    viewport: { width: 1280, height: 720 },
    bypassCSP: true, // the probes are evaluated strings; the GUI's CSP forbids eval
  });
  const page = await context.newPage();
  // The analyzer verifies a password with scrypt (~1 s here) once, then caches it: an analyst pays
  // that at login, not per page load, so it is kept out of "first interactive".
  const auth = Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64');
  await fetch(`${url}api/me`, { headers: { authorization: `Basic ${auth}` } });
  await page.goto(url);
  const firstInteractive = await (
    await page.waitForFunction(HP_FIRST_ROW, null, { polling: 'raf', timeout: 60_000 })
  ).jsonValue();
  const out = { firstInteractiveMs: +firstInteractive.toFixed(0) };
  log(`${label}: first interactive ${out.firstInteractiveMs} ms`);
  out.scrollWhilePaging = stats(await scrollFrames(page, HP_VIEWPORT, 300, 30 * 24));
  log(`${label}: scroll while paging`, JSON.stringify(out.scrollWhilePaging));
  if (opts.loadAll) {
    const t0 = Date.now();
    for (;;) {
      await page.evaluate(`(${HP_VIEWPORT}).scrollTop = (${HP_VIEWPORT}).scrollHeight`);
      const text = (await page.evaluate(HP_COUNT)).replace(/[^0-9]/g, '');
      if (Number(text) >= Math.min(total, 150_000)) break;
      if (Date.now() - t0 > 300_000) throw new Error(`stuck at ${text} rows`);
      await sleep(30);
    }
    out.loadAllMs = Date.now() - t0;
    out.heapMbAllLoaded = await heapMb(page);
    await page.evaluate(`(${HP_VIEWPORT}).scrollTop = 0`);
    out.scrollAllLoaded = stats(await scrollFrames(page, HP_VIEWPORT, 300, 300 * 24));
    log(
      `${label}: all loaded in ${out.loadAllMs} ms, heap ${out.heapMbAllLoaded} MB`,
      JSON.stringify(out.scrollAllLoaded),
    );
  }
  // Deep scroll: End jumps to the oldest flow (a keyset read from the other end).
  await page.evaluate(`(${HP_VIEWPORT}).focus()`);
  const t1 = Date.now();
  await page.keyboard.press('End');
  await page.waitForFunction(
    `(() => { const v = ${HP_VIEWPORT}; const s = v.querySelector('.row.selected'); return !!s && Number(s.getAttribute('aria-rowindex')) === v.querySelector('.spacer').offsetHeight / 24 })()`,
    null,
    { polling: 'raf', timeout: 60_000 },
  );
  out.endKeyMs = Date.now() - t1;
  out.deepScroll = stats(await scrollFrames(page, HP_VIEWPORT, 200, -30 * 24));
  log(`${label}: End in ${out.endKeyMs} ms; deep scroll`, JSON.stringify(out.deepScroll));
  if (!opts.loadAll) out.heapMb = await heapMb(page);
  await page.screenshot({ path: join(OUT, `${label}.png`) });
  await context.close();
  return out;
}

async function liveRun(browser, url, natsUrl) {
  const context = await browser.newContext({
    httpCredentials: { username: ADMIN.user, password: ADMIN.password },
    viewport: { width: 1280, height: 720 },
    bypassCSP: true, // the probes are evaluated strings; the GUI's CSP forbids eval
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(HP_FIRST_ROW, null, { polling: 'raf' });
  await page.waitForFunction(
    "document.querySelector('hp-app').shadowRoot.querySelector('hp-top-bar').shadowRoot.querySelector('.live.on')",
  );
  const nc = await connect({ servers: natsUrl });
  const js = jetstream(nc);
  const frames = page.evaluate(async (ms) => {
    const deltas = [];
    let last = performance.now();
    const end = last + ms;
    while (performance.now() < end) {
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      deltas.push(now - last);
      last = now;
    }
    return deltas.slice(1);
  }, LIVE_SECONDS * 1000);
  const enc = new TextEncoder();
  const t0 = Date.now();
  let sent = 0;
  const pending = [];
  while (Date.now() - t0 < LIVE_SECONDS * 1000) {
    const due = Math.floor(((Date.now() - t0) / 1000) * LIVE_RATE);
    for (; sent < due; sent++) {
      const flow = bulkFlow(10_000_000 + sent, Date.now() - 10_000_000 - sent, 'live-bench');
      pending.push(
        js.publish(flowSubject('live-bench'), enc.encode(JSON.stringify(flow)), {
          msgID: flow.flowId,
        }),
      );
    }
    if (pending.length > 2000) await Promise.all(pending.splice(0));
    await sleep(10);
  }
  await Promise.all(pending);
  const deltas = await frames;
  await nc.close();
  const counted = (await page.evaluate(HP_COUNT)).replace(/[^0-9]/g, '');
  await context.close();
  const out = {
    rate: LIVE_RATE,
    seconds: LIVE_SECONDS,
    sent,
    rowsAfter: Number(counted),
    ...stats(deltas),
  };
  log('live:', JSON.stringify(out));
  return out;
}

async function mitmwebRun(browser, total) {
  const dump = join(OUT, `mitm-${total}.mitm`);
  log(`mitmweb: writing ${total} flows to ${dump}`);
  execFileSync(
    '/usr/bin/python3',
    [join(ROOT, 'bench/gui-bench-mitm-dump.py'), String(total), dump],
    { stdio: 'inherit' },
  );
  const [webPort, proxyPort] = [await freePort(), await freePort()];
  const t0 = Date.now();
  const child = spawn(
    'mitmweb',
    [
      '--rfile',
      dump,
      '--no-web-open-browser',
      '--web-host',
      '127.0.0.1',
      '--web-port',
      String(webPort),
      '--listen-host',
      '127.0.0.1',
      '--listen-port',
      String(proxyPort),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanup.add(async () => {
    child.kill('SIGTERM');
    await sleep(200);
  });
  // mitmweb reads the whole dump before it serves: wait for its web port.
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${webPort}/flows`);
      if (res.ok) {
        await res.body?.cancel();
        break;
      }
    } catch {
      /* not up yet */
    }
    if (Date.now() - t0 > 600_000) throw new Error('mitmweb did not start');
    await sleep(200);
  }
  const serverLoadMs = Date.now() - t0;
  log(`mitmweb: serving after ${serverLoadMs} ms`);
  const context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
    bypassCSP: true,
  });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${webPort}/`);
  const first = await (
    await page.waitForFunction(
      // A row of a loaded flow (its path has our `?n=`), not the empty table mitmweb shows while fetching.
      "[...document.querySelectorAll('.flow-table tbody tr')].some((r) => r.textContent.includes('?n=')) ? performance.now() : false",
      null,
      { polling: 'raf', timeout: 600_000 },
    )
  ).jsonValue();
  const out = { serverLoadMs, firstInteractiveMs: +first.toFixed(0) };
  log(`mitmweb: first interactive ${out.firstInteractiveMs} ms`);
  const table = "document.querySelector('.flow-table')";
  out.scroll = stats(await scrollFrames(page, table, 300, 30 * 24));
  out.heapMb = await heapMb(page);
  log('mitmweb:', JSON.stringify(out));
  await page.screenshot({ path: join(OUT, 'mitmweb.png') });
  await context.close();
  return out;
}

try {
  const nats = await startNatsServer();
  cleanup.add(() => nats.close());
  const db = await createTempDatabase('hp_guibench');
  cleanup.add(() => db.close());
  const dataDir = join(OUT, 'analyzer-data');
  const analyzer = await startAnalyzer(cleanup, {
    natsUrl: nats.url,
    databaseUrl: db.url,
    dataDir,
  });
  const url = `http://127.0.0.1:${analyzer.httpPort}/`;
  const browser = await launchBrowser();
  cleanup.add(() => browser.close());

  if (args.honeyproxy === 'true') {
    log(`inserting ${N} flows`);
    results.insertMs = Math.round(await insertBulkFlows(db.url, N));
    results.honeyproxy.n = await honeyproxyRun(browser, url, `honeyproxy-${N}`, N, {
      loadAll: true,
    });
    if (LIVE_SECONDS > 0) results.honeyproxy.live = await liveRun(browser, url, nats.url);
  }
  if (BIG > N) {
    log(`inserting ${BIG - N} more flows`);
    results.bigInsertMs = Math.round(
      await insertBulkFlows(db.url, BIG - N, { offset: N, startMs: Date.now() - 3 * BIG }),
    );
    results.honeyproxy.big = await honeyproxyRun(browser, url, `honeyproxy-${BIG}`, BIG, {
      loadAll: false,
    });
  }
  if (args.mitmweb === 'true' && existsSync('/usr/bin/mitmweb'))
    results.mitmweb = await mitmwebRun(browser, N);
} finally {
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2));
  await cleanup.run();
}

const hp = results.honeyproxy.n;
const mw = results.mitmweb;
const lines = [
  `# GUI benchmark (${results.when})`,
  '',
  `${N.toLocaleString('en-US')} flows. Chromium headless 1280×720.`,
  '',
  '| | HoneyProxy | mitmweb |',
  '|---|---|---|',
  `| first interactive (ms) | ${hp?.firstInteractiveMs} | ${mw ? `${mw.firstInteractiveMs} (+ ${mw.serverLoadMs} server load)` : '—'} |`,
  `| scroll frames p50 / p95 / max (ms) | ${hp?.scrollWhilePaging.p50} / ${hp?.scrollWhilePaging.p95} / ${hp?.scrollWhilePaging.max} | ${mw ? `${mw.scroll.p50} / ${mw.scroll.p95} / ${mw.scroll.max}` : '—'} |`,
  `| JS heap (MB) | ${hp?.heapMbAllLoaded} (all ${N} rows in the window) | ${mw?.heapMb ?? '—'} |`,
];
writeFileSync(join(OUT, 'summary.md'), `${lines.join('\n')}\n`);
log(`\nresults in ${OUT}`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
