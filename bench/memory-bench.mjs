/**
 * The sensor's memory against bare mockttp, in one run, one proxy at a time (build first).
 * For each proxy (the real sensor bin publishing to a private nats-server, and the shared harness's
 * mockttp-passthrough.mjs), each phase in a fresh proxy process:
 *   (a) N concurrent keep-alive connections (default 500), each sending 1 KiB requests in a loop
 *       for D seconds: RSS of the proxy process (VmRSS) before, peak and steady (median of the
 *       second half of the run);
 *   (b) one download of S bytes (default 1 GiB, generated on the fly by the origin) read at full
 *       speed and discarded: RSS before, peak, growth;
 *   (c) the same download read by a slow client (default 20 MB/s): RSS growth, which stays small
 *       only when backpressure reaches the origin.
 * For the sensor it then reads the FLOWS stream: every request of (a) must be a flow, and each
 * download's flow must say len = S, truncated, capturedLen = --max-body.
 *
 *   node bench/memory-bench.mjs [--conns 500] [--rate 0] [--duration 20] [--download 1GiB]
 *     [--slow-download 1GiB] [--slow-rate 20MB] [--max-body 64MiB] [--targets sensor,mockttp]
 *     [--phases a,b,c] [--sensor-node-args="--max-semi-space-size=4"] [--out DIR]
 *   --rate: requests/s over all connections in (a) (0: as fast as they go). RSS there grows with
 *   the request rate, so a fixed rate compares runs on a machine whose free CPU varies.
 *   --targets: 'sensor' (sensor/dist/main.js), 'mockttp', or NAME=path/to/main.js for another
 *   build of the sensor (to compare before/after a change: it gets its own name in the table).
 * Results: bench-results/memory-<date-time>/summary.md and results.json. The pieces live in
 * bench/memory/ (origin, processes and RSS sampling, load, proxies, the sensor's flows, report).
 * The origin runs in a child process, the load in this one; both and every proxy stay on loopback.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { download, manyConnections } from './memory/load.mjs';
import { start, stopAll, waitFor } from './memory/processes.mjs';
import { createProxies } from './memory/proxies.mjs';
import { machineLine, summaryOf } from './memory/report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;

const { values: opt } = parseArgs({
  options: {
    conns: { type: 'string', default: '500' },
    rate: { type: 'string', default: '0' },
    duration: { type: 'string', default: '20' },
    download: { type: 'string', default: '1GiB' },
    'slow-download': { type: 'string', default: '1GiB' },
    'slow-rate': { type: 'string', default: '20MB' },
    'max-body': { type: 'string', default: '' },
    targets: { type: 'string', default: 'sensor,mockttp' },
    phases: { type: 'string', default: 'a,b,c' },
    'sensor-node-args': { type: 'string', default: '' },
    out: { type: 'string', default: '' },
  },
});
function bytes(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(|B|KB|MB|GB|KiB|MiB|GiB)$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: MiB, gib: 1024 * MiB };
  return Math.round(Number(m[1]) * unit[m[2].toLowerCase()]);
}
const CONNS = Number(opt.conns);
const DURATION_S = Number(opt.duration);
const RATE = Number(opt.rate);
const DOWNLOAD = bytes(opt.download);
const SLOW_DOWNLOAD = bytes(opt['slow-download']);
const SLOW_RATE = bytes(opt['slow-rate']);
const TARGETS = opt.targets.split(',').filter(Boolean);
const PHASES = new Set(opt.phases.split(',').filter(Boolean));
const NODE_ARGS = opt['sensor-node-args'].split(/\s+/).filter(Boolean);
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const OUT = resolve(opt.out || join(ROOT, 'bench-results', `memory-${stamp}`));
mkdirSync(OUT, { recursive: true });

const log = (...parts) => process.stderr.write(`memory-bench: ${parts.join(' ')}\n`);
const mb = (n) => (n / 1e6).toFixed(0);
const loadAverage = () => os.loadavg()[0].toFixed(1);
const load = { start: loadAverage(), end: '' };

const origin = start('node', [join(ROOT, 'bench/memory/origin.mjs')]);
await waitFor('origin', () => /^\d+\n/.test(origin.output()));
const originPort = Number(origin.output().trim());
log(`origin on 127.0.0.1:${originPort}; results in ${OUT}; load average ${load.start}`);

const work = mkdtempSync(join(os.tmpdir(), 'honeyproxy-memory-bench-'));
const { startProxy, stopProxy } = createProxies({
  root: ROOT,
  work,
  out: OUT,
  originPort,
  maxBody: opt['max-body'],
  nodeArgs: NODE_ARGS,
});
const results = {};

try {
  for (const target of TARGETS) {
    const name = target.split('=')[0];
    const r = {};
    results[name] = r;
    if (PHASES.has('a')) {
      const p = await startProxy(target, 'connections');
      log(`${name}: idle RSS ${mb(p.idle)} MB; ${CONNS} connections for ${DURATION_S} s`);
      const m = await manyConnections({
        proxyPort: p.port,
        pid: p.proxy.pid,
        originPort,
        conns: CONNS,
        seconds: DURATION_S,
        rate: RATE,
      });
      r.connections = { idle: p.idle, ...m, flows: await stopProxy(p) };
      log(
        `${name}: ${m.ok} requests ok, ${m.failed} failed,` +
          ` RSS peak ${mb(m.rssPeak)} MB, steady ${mb(m.rssSteady)} MB`,
      );
    }
    for (const [phase, key, size, rate] of [
      ['b', 'download', DOWNLOAD, 0],
      ['c', 'slowDownload', SLOW_DOWNLOAD, SLOW_RATE],
    ]) {
      if (!PHASES.has(phase)) continue;
      const p = await startProxy(target, key === 'download' ? 'download' : 'slow');
      const d = await download({ proxyPort: p.port, pid: p.proxy.pid, originPort, size, rate });
      r[key] = { ...d, flows: await stopProxy(p) };
      log(
        `${name}: ${mb(size)} MB read at ${d.mbPerSecond} MB/s, RSS` +
          ` ${mb(d.rssBefore)} → peak ${mb(d.rssPeak)} MB (+${mb(d.growth)})`,
      );
    }
  }
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}

load.end = loadAverage();
const machine = machineLine();
const settings =
  `conns=${CONNS} rate=${RATE || 'max'}/s duration=${DURATION_S}s download=${DOWNLOAD} slow-download=${SLOW_DOWNLOAD}` +
  ` slow-rate=${SLOW_RATE}B/s max-body=${opt['max-body'] || 'default'} phases=${[...PHASES]}` +
  (NODE_ARGS.length ? ` sensor-node-args=${NODE_ARGS.join(' ')}` : '');
const summary = summaryOf({ machine, settings, load, results });
writeFileSync(join(OUT, 'summary.md'), summary);
writeFileSync(
  join(OUT, 'results.json'),
  `${JSON.stringify({ machine, load, results }, null, 2)}\n`,
);
process.stdout.write(summary);
