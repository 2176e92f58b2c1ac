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
 *     [--mitmweb true] [--honeyproxy true] [--live-only false] [--dump FILE] [--out DIR]
 *   --big: also run with this many flows in the database (first page and deep scroll only).
 * Results: bench-results/gui-<date-time>/summary.md and results.json.
 */
/* global AbortSignal, performance, PerformanceObserver, requestAnimationFrame, TextEncoder, fetch, Buffer -- page functions run in Chromium */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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
const { insertBulkFlows: insertThroughStore, bulkFlow } = await import(
  join(ROOT, 'tests/dist/testing/bulk-flows.js')
);
const { insertBulkFlowsSql } = await import(join(ROOT, 'bench/gui-bench-bulk-sql.mjs'));

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '100000' },
    big: { type: 'string', default: '0' },
    'live-rate': { type: 'string', default: '500' },
    'live-seconds': { type: 'string', default: '30' },
    mitmweb: { type: 'string', default: 'true' },
    honeyproxy: { type: 'string', default: 'true' },
    /** Only the live run (after --flows rows are inserted): for iterating on live rendering. */
    'live-only': { type: 'string', default: 'false' },
    /** Write a CPU profile of the page during the live run (live.cpuprofile in the output). */
    profile: { type: 'string', default: 'false' },
    /** Insert through the store only a seed and copy it with SQL (see gui-bench-bulk-sql.mjs). */
    'sql-bulk': { type: 'string', default: 'true' },
    /** Flows in mitmweb's dump (default: --flows) and how long its load may take. */
    'mitmweb-flows': { type: 'string' },
    'mitmweb-timeout-min': { type: 'string', default: '20' },
    /** Address-space cap for mitmweb (GB): the box has no swap and is shared. */
    'mitmweb-mem-gb': { type: 'string', default: '8' },
    /** Also measure first interactive with the login (scrypt) counted, on a fresh analyzer. */
    'cold-login': { type: 'string', default: 'true' },
    /** Serve another GUI build (an A/B against an older bundle). */
    'web-root': { type: 'string' },
    /** An existing mitmproxy dump of the same flows (skips writing one). */
    dump: { type: 'string' },
    out: { type: 'string' },
  },
});
const insertBulkFlows = (url, count, options) =>
  args['sql-bulk'] === 'true'
    ? insertBulkFlowsSql(url, count, insertThroughStore, options)
    : insertThroughStore(url, count, options);
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

/** First interactive with the login counted: the first page load the analyzer sees these
 * credentials on (it verifies the password with scrypt once, then caches it). */
async function coldFirstInteractive(browser, url) {
  const context = await browser.newContext({
    httpCredentials: { username: ADMIN.user, password: ADMIN.password },
    viewport: { width: 1280, height: 720 },
    bypassCSP: true,
  });
  const page = await context.newPage();
  await page.goto(url);
  const ms = await (
    await page.waitForFunction(HP_FIRST_ROW, null, { polling: 'raf', timeout: 60_000 })
  ).jsonValue();
  await context.close();
  return +ms.toFixed(0);
}

async function honeyproxyRun(browser, url, label, total, opts) {
  const coldMs = opts.coldLogin ? await coldFirstInteractive(browser, url) : undefined;
  if (coldMs !== undefined) log(`${label}: first interactive with the login ${coldMs} ms`);
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
  const out = {
    firstInteractiveMs: +firstInteractive.toFixed(0),
    firstInteractiveWithLoginMs: coldMs,
  };
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
  const cdp = args.profile === 'true' ? await context.newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  // Frame times, and the page's own long tasks (> 50 ms of script, style, layout on its main
  // thread): a long frame without a long task is the renderer waiting for a CPU on the shared box.
  const frames = page.evaluate(async (ms) => {
    const deltas = [];
    const longTasks = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    });
    observer.observe({ type: 'longtask' });
    // Long animation frames (Chromium 123+): how much of each was script vs style and layout.
    const loaf = [];
    const loafObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const end = e.startTime + e.duration;
        loaf.push({
          duration: e.duration,
          script: e.scripts.reduce((sum, s) => sum + s.duration, 0),
          layout: e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0,
        });
      }
    });
    try {
      loafObserver.observe({ type: 'long-animation-frame' });
    } catch {
      /* not supported */
    }
    let last = performance.now();
    const end = last + ms;
    while (performance.now() < end) {
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      deltas.push(now - last);
      last = now;
    }
    observer.disconnect();
    loafObserver.disconnect();
    return { deltas: deltas.slice(1), longTasks, loaf };
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
  const { deltas, longTasks, loaf } = await frames;
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(join(OUT, 'live.cpuprofile'), JSON.stringify(profile));
    await cdp.detach();
  }
  await nc.close();
  const counted = (await page.evaluate(HP_COUNT)).replace(/[^0-9]/g, '');
  await context.close();
  const out = {
    rate: LIVE_RATE,
    seconds: LIVE_SECONDS,
    sent,
    rowsAfter: Number(counted),
    ...stats(deltas),
    longTasks: longTasks.length,
    longTaskMaxMs: +Math.max(0, ...longTasks).toFixed(0),
    longFrames: loaf.length,
    longFrameScriptMs: +loaf.reduce((sum, f) => sum + f.script, 0).toFixed(0),
    longFrameLayoutMs: +loaf.reduce((sum, f) => sum + f.layout, 0).toFixed(0),
    longFrameTotalMs: +loaf.reduce((sum, f) => sum + f.duration, 0).toFixed(0),
    loadAverage: loadavg().map((l) => +l.toFixed(1)),
  };
  log('live:', JSON.stringify(out));
  return out;
}

async function mitmwebRun(browser, total) {
  const dump = args.dump ?? join(OUT, `mitm-${total}.mitm`);
  const tDump = Date.now();
  if (!args.dump) {
    log(`mitmweb: writing ${total} flows to ${dump}`);
    execFileSync(
      '/usr/bin/python3',
      [join(ROOT, 'bench/gui-bench-mitm-dump.py'), String(total), dump],
      { stdio: 'inherit' },
    );
  }
  const dumpWriteMs = Date.now() - tDump;
  const capMs = Number(args['mitmweb-timeout-min']) * 60_000;
  const [webPort, proxyPort] = [await freePort(), await freePort()];
  const t0 = Date.now();
  const memKb = Math.round(Number(args['mitmweb-mem-gb']) * 2 ** 20);
  let exited = null;
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      `ulimit -v ${memKb} && exec mitmweb "$@"`,
      'mitmweb',
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
  let stderrTail = '';
  child.stderr.on('data', (d) => (stderrTail = (stderrTail + d).slice(-2000)));
  child.stdout.resume();
  child.on('exit', (code) => (exited = code));
  cleanup.add(async () => {
    child.kill('SIGTERM');
    await sleep(200);
    // mitmweb ignores SIGTERM while it is still reading a dump
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // mitmweb reads the whole dump before it serves: wait for its web port.
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${webPort}/flows`, {
        signal: AbortSignal.timeout(5000),
      });
      if (res.ok) {
        await res.body?.cancel();
        break;
      }
    } catch {
      /* not up yet */
    }
    if (exited !== null) {
      log(`mitmweb: exited (${exited}) while loading the dump: ${stderrTail.slice(-500)}`);
      return {
        flows: total,
        dumpWriteMs,
        serverLoadMs: null,
        exitedAfterMs: Date.now() - t0,
        exitCode: exited,
        stderrTail: stderrTail.slice(-500),
      };
    }
    if (Date.now() - t0 > capMs) {
      log(`mitmweb: still loading the dump after ${capMs / 60_000} min; recorded as not served`);
      return { flows: total, dumpWriteMs, serverLoadMs: null, gaveUpAfterMs: capMs };
    }
    await sleep(1000);
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
  const out = { flows: total, dumpWriteMs, serverLoadMs, firstInteractiveMs: +first.toFixed(0) };
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
    ...(args['web-root'] ? { env: { HONEYPROXY_WEB_ROOT: args['web-root'] } } : {}),
  });
  const url = `http://127.0.0.1:${analyzer.httpPort}/`;
  const browser = await launchBrowser();
  cleanup.add(() => browser.close());

  if (args.honeyproxy === 'true') {
    log(`inserting ${N} flows`);
    results.insertMs = Math.round(await insertBulkFlows(db.url, N));
    if (args['live-only'] !== 'true')
      results.honeyproxy.n = await honeyproxyRun(browser, url, `honeyproxy-${N}`, N, {
        loadAll: true,
        coldLogin: args['cold-login'] === 'true',
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
    results.mitmweb = await mitmwebRun(browser, Number(args['mitmweb-flows'] ?? N));
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
  `| first interactive (ms) | ${hp?.firstInteractiveMs} | ${mw?.scroll ? `${mw.firstInteractiveMs} (+ ${mw.serverLoadMs} server load)` : mw ? `not served after ${mw.gaveUpAfterMs} ms` : '—'} |`,
  `| scroll frames p50 / p95 / max (ms) | ${hp?.scrollWhilePaging.p50} / ${hp?.scrollWhilePaging.p95} / ${hp?.scrollWhilePaging.max} | ${mw?.scroll ? `${mw.scroll.p50} / ${mw.scroll.p95} / ${mw.scroll.max}` : '—'} |`,
  `| JS heap (MB) | ${hp?.heapMbAllLoaded} (all ${N} rows in the window) | ${mw?.heapMb ?? '—'} |`,
];
writeFileSync(join(OUT, 'summary.md'), `${lines.join('\n')}\n`);
log(`\nresults in ${OUT}`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
