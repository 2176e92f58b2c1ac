/**
 * The sensor's memory against bare mockttp, in one run, one proxy at a time (build first).
 * For each proxy (the real sensor bin publishing to a private nats-server, and the shared harness's
 * mockttp-passthrough.mjs):
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
 *   node bench/memory-bench.mjs [--conns 500] [--duration 20] [--download 1GiB] [--slow-rate 20MB]
 *     [--slow-download 1GiB] [--max-body 64MiB] [--targets sensor,mockttp] [--out DIR]
 *   --targets: 'sensor' (sensor/dist/main.js), 'mockttp', or NAME=path/to/main.js for another
 *   build of the sensor (to compare before/after a change: it gets its own name in the table).
 * Results: bench-results/memory-<date-time>/summary.md and results.json.
 * The origin runs in a child process, the load in this one; both and every proxy stay on 127.0.0.1.
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** 'sensor' is the repository's build; NAME=path/main.js another build of it (before/after). */
function sensorMainOf(target) {
  if (target === 'sensor') return join(ROOT, 'sensor/dist/main.js');
  const eq = target.indexOf('=');
  return eq > 0 ? resolve(target.slice(eq + 1)) : undefined;
}
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- origin (child process mode)
if (process.argv[2] === '--origin') {
  // /small: 1 KiB; /big?bytes=N: N bytes made on the fly from one 64 KiB block, with backpressure
  const small = Buffer.alloc(1024, 'x');
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    if (url.pathname === '/small') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 });
      res.end(small);
      return;
    }
    const total = Number(url.searchParams.get('bytes') ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    let left = total;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!res.write(n === block.length ? block : block.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => process.exit(0));
  await new Promise(() => undefined);
}

// ---------------------------------------------------------------- options
const { values: opt } = parseArgs({
  options: {
    conns: { type: 'string', default: '500' },
    duration: { type: 'string', default: '20' },
    download: { type: 'string', default: '1GiB' },
    'slow-download': { type: 'string', default: '1GiB' },
    'slow-rate': { type: 'string', default: '20MB' },
    'max-body': { type: 'string', default: '' },
    targets: { type: 'string', default: 'sensor,mockttp' },
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
const DOWNLOAD = bytes(opt.download);
const SLOW_DOWNLOAD = bytes(opt['slow-download']);
const SLOW_RATE = bytes(opt['slow-rate']);
const TARGETS = opt.targets.split(',').filter(Boolean);
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const OUT = resolve(opt.out || join(ROOT, 'bench-results', `memory-${stamp}`));
mkdirSync(OUT, { recursive: true });

const log = (...parts) => process.stderr.write(`memory-bench: ${parts.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (n) => (n / 1e6).toFixed(0);

// ---------------------------------------------------------------- processes
const children = new Set();
function start(cmd, args, env, logFile) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const chunks = [];
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => chunks.push(d));
  child.output = () => Buffer.concat(chunks).toString();
  if (logFile) child.once('exit', () => writeFileSync(logFile, child.output()));
  return child;
}
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await once(child, 'exit');
  clearTimeout(timer);
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}
async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}
async function waitFor(what, check, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
async function listening(port) {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

/** VmRSS of a process in bytes (0 once it is gone). */
function rss(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
/** Samples a process's RSS every 100 ms until stopped. */
function sampler(pid) {
  const samples = [];
  const timer = setInterval(() => samples.push(rss(pid)), 100);
  samples.push(rss(pid));
  return {
    stop() {
      clearInterval(timer);
      samples.push(rss(pid));
      const sorted = [...samples.slice(Math.floor(samples.length / 2))].sort((a, b) => a - b);
      return {
        peak: Math.max(...samples),
        steady: sorted[Math.floor(sorted.length / 2)] ?? 0,
        samples: samples.length,
      };
    },
  };
}

// ---------------------------------------------------------------- load
function proxyGet(agent, proxyPort, url) {
  return new Promise((res, rej) => {
    // the client's own loopback address: mockttp takes a client socket whose address and port
    // match one of its upstream sockets' for a request loop, which happens by chance when both
    // sides use 127.0.0.1 with a thousand sockets (a false "Passthrough loop detected")
    const req = http.get(
      { host: '127.0.0.1', port: proxyPort, path: url, agent, localAddress: '127.0.0.2' },
      (r) => res(r),
    );
    req.once('error', rej);
  });
}
async function drain(r) {
  let n = 0;
  for await (const chunk of r) n += chunk.length;
  return n;
}

/** (a): CONNS loops on their own keep-alive connections, 1 KiB each, for DURATION_S. */
async function manyConnections(proxyPort, pid, originPort) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS, maxFreeSockets: CONNS });
  const sockets = new Set();
  agent.on('free', (s) => sockets.add(s));
  const url = `http://127.0.0.1:${originPort}/small`;
  let ok = 0;
  let failed = 0;
  const firstError = [];
  // open every connection first (one request each), then measure the steady loop
  await Promise.all(
    Array.from({ length: CONNS }, async () => {
      try {
        const r = await proxyGet(agent, proxyPort, url);
        if ((await drain(r)) === 1024 && r.statusCode === 200) ok++;
        else failed++;
      } catch (err) {
        failed++;
        firstError.push(String(err));
      }
    }),
  );
  const before = rss(pid);
  const measured = ok + failed;
  const s = sampler(pid);
  const until = Date.now() + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: CONNS }, async () => {
      while (Date.now() < until) {
        try {
          const r = await proxyGet(agent, proxyPort, url);
          if ((await drain(r)) === 1024 && r.statusCode === 200) ok++;
          else failed++;
        } catch (err) {
          failed++;
          if (firstError.length < 3) firstError.push(String(err));
          await sleep(50);
        }
      }
    }),
  );
  const m = s.stop();
  agent.destroy();
  return {
    conns: CONNS,
    socketsUsed: sockets.size,
    requests: ok + failed,
    ok,
    failed,
    errors: firstError.slice(0, 3),
    perSecond: Math.round((ok + failed - measured) / DURATION_S),
    rssBefore: before,
    rssPeak: m.peak,
    rssSteady: m.steady,
  };
}

/** (b) and (c): one download read at full speed (rate 0) or at `rate` bytes/s. */
async function download(proxyPort, pid, originPort, size, rate) {
  const before = rss(pid);
  const s = sampler(pid);
  const agent = new http.Agent({ keepAlive: false });
  const started = performance.now();
  const r = await proxyGet(agent, proxyPort, `http://127.0.0.1:${originPort}/big?bytes=${size}`);
  let received = 0;
  await new Promise((res, rej) => {
    r.on('data', (chunk) => {
      received += chunk.length;
      if (rate > 0) {
        // pause until the client is back on its schedule
        const due = started + (received / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 1) {
          r.pause();
          setTimeout(() => r.resume(), wait);
        }
      }
    });
    r.once('end', res);
    r.once('error', rej);
    r.once('aborted', () => rej(new Error('aborted')));
  });
  const seconds = (performance.now() - started) / 1000;
  const m = s.stop();
  agent.destroy();
  return {
    size,
    received,
    status: r.statusCode,
    seconds: Number(seconds.toFixed(1)),
    mbPerSecond: Math.round(received / 1e6 / seconds),
    rssBefore: before,
    rssPeak: m.peak,
    growth: m.peak - before,
  };
}

// ---------------------------------------------------------------- NATS for the sensor
async function startNats(dir) {
  const port = await freePort();
  const nats = start('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]);
  await waitFor('nats-server', () => nats.output().includes('Server is ready'));
  const url = `nats://127.0.0.1:${port}`;
  const setup = start('node', [join(ROOT, 'bench/setup-jetstream.mjs'), url]);
  const [code] = await once(setup, 'exit');
  if (code !== 0) throw new Error(`setup-jetstream failed: ${setup.output()}`);
  return { nats, url };
}

/** The sensor's flows in FLOWS: count, and the download flows' response bodies. */
async function sensorFlows(natsUrl, sensorId) {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  const { FLOW_SUBJECT_PREFIX, FLOWS_STREAM, INGEST_CONSUMER, flowMessageCodec } =
    await import('@honeyproxy/protocol');
  const nc = await connect({ servers: natsUrl, name: 'honeyproxy-memory-bench' });
  try {
    const subject = `${FLOW_SUBJECT_PREFIX}${sensorId}`;
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(FLOWS_STREAM, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return { count, small: 0, downloads: [] };
    // the stream holds only this run's flows (its own nats-server), read once through the
    // analyzer's durable consumer like bench/audit-flows.mjs does (Debian's nats-server is 2.9)
    const total = info.state.messages;
    const consumer = await jetstream(nc).consumers.get(FLOWS_STREAM, INGEST_CONSUMER);
    const downloads = [];
    let small = 0;
    let seen = 0;
    let done = false;
    const messages = await consumer.consume({ max_messages: 1000 });
    for await (const m of messages) {
      m.ack();
      if (++seen >= total || m.info.pending === 0) done = true;
      if (m.subject !== subject) {
        if (done) break;
        continue;
      }
      const flow = flowMessageCodec.decodeJson(m.data);
      if (flow.request.url.includes('/big?')) {
        const b = flow.response?.body;
        downloads.push({
          url: flow.request.url,
          status: flow.response?.status,
          len: b?.len,
          capturedLen: b?.capturedLen,
          truncated: b?.truncated,
          error: flow.error?.kind,
        });
      } else if (flow.response?.status === 200 && flow.response.body?.len === 1024) small++;
      if (done) break;
    }
    await messages.close();
    return { count, small, downloads };
  } finally {
    await nc.close();
  }
}

// ---------------------------------------------------------------- run
const origin = start('node', [fileURLToPath(import.meta.url), '--origin']);
await waitFor('origin', () => /^\d+\n/.test(origin.output()));
const originPort = Number(origin.output().trim());
log(`origin on 127.0.0.1:${originPort}; results in ${OUT}`);

const work = mkdtempSync(join(os.tmpdir(), 'honeyproxy-memory-bench-'));
const results = {};
let natsRun;

/** Starts a fresh proxy process: each phase measures growth from its own idle state. */
async function startProxy(target, phase) {
  const port = await freePort();
  let proxy;
  let sensorId;
  const sensorMain = sensorMainOf(target);
  if (sensorMain) {
    natsRun ??= await startNats(join(work, 'nats'));
    sensorId = `membench-${phase}-${Date.now()}`;
    const env = {
      HONEYPROXY_PROXY_PORT: String(port),
      HONEYPROXY_DATA_DIR: join(work, 'sensor-data'),
      HONEYPROXY_NATS_URL: natsRun.url,
      HONEYPROXY_SENSOR_ID: sensorId,
      HONEYPROXY_LOG_LEVEL: 'warn',
      ...(opt['max-body'] && { HONEYPROXY_MAX_BODY: opt['max-body'] }),
    };
    // loopback origins: allowed explicitly where the sensor contains its destinations
    const help = start('node', [sensorMain, '--help']);
    await once(help, 'exit');
    if (help.output().includes('HONEYPROXY_ALLOW_DESTINATIONS'))
      env.HONEYPROXY_ALLOW_DESTINATIONS = '127.0.0.0/8';
    const logFile = join(OUT, `${target.split('=')[0]}-${phase}.log`);
    proxy = start('node', [sensorMain], env, logFile);
  } else if (target === 'mockttp') {
    // from a folder where 'mockttp' resolves to the repository's pinned 4.6.5
    const script = join(ROOT, 'node_modules/.cache/honeyproxy-bench/mockttp-passthrough.mjs');
    mkdirSync(dirname(script), { recursive: true });
    cpSync(join(ROOT, '../shared/bench/mockttp-passthrough.mjs'), script);
    proxy = start('node', [script, String(port)], {}, join(OUT, `mockttp-${phase}.log`));
  } else {
    throw new Error(`unknown target ${target} (sensor, NAME=path/to/sensor/main.js, mockttp)`);
  }
  await waitFor(`${target} on port ${port}`, () => listening(port));
  // warm up (JIT, first upstream connection), then settle
  const agent = new http.Agent({ keepAlive: false });
  for (let i = 0; i < 20; i++) {
    await drain(await proxyGet(agent, port, `http://127.0.0.1:${originPort}/small`));
  }
  await sleep(1500);
  return { proxy, port, sensorId, idle: rss(proxy.pid) };
}

/** Stops a proxy; for the sensor, reads back what it published. */
async function stopProxy(target, p) {
  await stop(p.proxy);
  return p.sensorId ? sensorFlows(natsRun.url, p.sensorId) : undefined;
}

try {
  for (const target of TARGETS) {
    const name = target.split('=')[0];
    const r = {};
    let p = await startProxy(target, 'connections');
    log(`${name}: idle RSS ${mb(p.idle)} MB; ${CONNS} connections for ${DURATION_S} s`);
    r.connections = { idle: p.idle, ...(await manyConnections(p.port, p.proxy.pid, originPort)) };
    r.connections.flows = await stopProxy(target, p);
    log(
      `${name}: ${r.connections.ok} requests ok, ${r.connections.failed} failed,` +
        ` RSS peak ${mb(r.connections.rssPeak)} MB, steady ${mb(r.connections.rssSteady)} MB`,
    );
    p = await startProxy(target, 'download');
    r.download = await download(p.port, p.proxy.pid, originPort, DOWNLOAD, 0);
    r.download.flows = await stopProxy(target, p);
    log(
      `${name}: ${mb(DOWNLOAD)} MB at ${r.download.mbPerSecond} MB/s, RSS` +
        ` ${mb(r.download.rssBefore)} → peak ${mb(r.download.rssPeak)} MB (+${mb(r.download.growth)})`,
    );
    p = await startProxy(target, 'slow');
    r.slowDownload = await download(p.port, p.proxy.pid, originPort, SLOW_DOWNLOAD, SLOW_RATE);
    r.slowDownload.flows = await stopProxy(target, p);
    log(
      `${name}: ${mb(SLOW_DOWNLOAD)} MB read at ${r.slowDownload.mbPerSecond} MB/s, RSS` +
        ` ${mb(r.slowDownload.rssBefore)} → peak ${mb(r.slowDownload.rssPeak)} MB` +
        ` (+${mb(r.slowDownload.growth)})`,
    );
    results[name] = r;
  }
} finally {
  for (const c of [...children]) await stop(c);
  rmSync(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------- report
const cpu = os.cpus();
const machine =
  `${os.hostname()}: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB,` +
  ` ${os.type()} ${os.release()}, Node ${process.version}`;
const lines = [
  `# Sensor memory (${new Date().toISOString()})`,
  '',
  `machine: ${machine}`,
  `settings: conns=${CONNS} duration=${DURATION_S}s download=${DOWNLOAD} slow-download=${SLOW_DOWNLOAD}` +
    ` slow-rate=${SLOW_RATE}B/s max-body=${opt['max-body'] || 'default'}`,
  '',
  '| proxy | idle RSS | (a) RSS peak | (a) RSS steady | (a) req/s (ok / failed) | (b) MB/s | (b) RSS growth (before → peak) | (c) MB/s | (c) RSS growth (before → peak) |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const [name, r] of Object.entries(results)) {
  const c = r.connections;
  const d = r.download;
  const s = r.slowDownload;
  lines.push(
    `| ${name} | ${mb(c.idle)} MB | ${mb(c.rssPeak)} MB | ${mb(c.rssSteady)} MB | ${c.perSecond} (${c.ok} / ${c.failed}) |` +
      ` ${d.mbPerSecond} | +${mb(d.growth)} MB (${mb(d.rssBefore)} → ${mb(d.rssPeak)}) |` +
      ` ${s.mbPerSecond} | +${mb(s.growth)} MB (${mb(s.rssBefore)} → ${mb(s.rssPeak)}) |`,
  );
}
for (const [name, sensor] of Object.entries(results)) {
  if (!sensor.connections.flows) continue;
  const c = sensor.connections;
  const sent = c.requests + 20;
  lines.push(
    '',
    `${name}: flows published (FLOWS stream, one sensor id per phase):`,
    `- (a): ${c.flows?.count} flows for ${sent} requests sent (${c.requests} measured + 20 warm-up),` +
      ` ${c.flows?.small} complete 1 KiB flows; ${c.socketsUsed} client connections used`,
  );
  for (const phase of ['download', 'slowDownload']) {
    for (const d of sensor[phase].flows?.downloads ?? [])
      lines.push(`- ${phase === 'download' ? '(b)' : '(c)'}: ${JSON.stringify(d)}`);
  }
}
const summary = `${lines.join('\n')}\n`;
writeFileSync(join(OUT, 'summary.md'), summary);
writeFileSync(join(OUT, 'results.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
process.stdout.write(summary);
