/**
 * The memory bench's load, all through the proxy to the origin on loopback: (a) many keep-alive
 * connections looping on 1 KiB responses, (b)/(c) one big download read at full speed or at a
 * given rate. Each returns the proxy's RSS before, peak (and steady for (a)).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { cpuSeconds, rss, sampler, sleep } from './processes.mjs';

export function proxyGet(agent, proxyPort, url) {
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

export async function drain(r) {
  let n = 0;
  for await (const chunk of r) n += chunk.length;
  return n;
}

/**
 * (a): `conns` loops on their own keep-alive connections, 1 KiB each, for `seconds`; with `rate`
 * (requests/s over all connections) each loop keeps to its share, so RSS compares between runs
 * on a machine whose free CPU varies (RSS grows with the request rate).
 */
export async function manyConnections({ proxyPort, pid, originPort, conns, seconds, rate = 0 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns, maxFreeSockets: conns });
  const sockets = new Set();
  agent.on('free', (s) => sockets.add(s));
  const url = `http://127.0.0.1:${originPort}/small`;
  let ok = 0;
  let failed = 0;
  const firstError = [];
  const once = async () => {
    const r = await proxyGet(agent, proxyPort, url);
    if ((await drain(r)) === 1024 && r.statusCode === 200) ok++;
    else failed++;
  };
  // open every connection first (one request each), then measure the steady loop
  await Promise.all(
    Array.from({ length: conns }, () =>
      once().catch((err) => {
        failed++;
        firstError.push(String(err));
      }),
    ),
  );
  const before = rss(pid);
  const measured = ok + failed;
  const s = sampler(pid);
  const cpuBefore = cpuSeconds(pid);
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  const periodMs = rate > 0 ? (conns / rate) * 1000 : 0;
  await Promise.all(
    Array.from({ length: conns }, async (_, i) => {
      // each connection's slots are offset so the requests spread evenly over each period
      for (let k = 0; Date.now() < until; k++) {
        if (periodMs > 0) {
          const wait = started + (k + i / conns) * periodMs - Date.now();
          if (wait > 0) await sleep(wait);
          if (Date.now() >= until) break;
        }
        try {
          await once();
        } catch (err) {
          failed++;
          if (firstError.length < 3) firstError.push(String(err));
          await sleep(50);
        }
      }
    }),
  );
  const m = s.stop();
  const cpu = cpuSeconds(pid) - cpuBefore;
  agent.destroy();
  return {
    conns,
    // the proxy's CPU per measured request: what a V8 setting that saves memory costs
    cpuUsPerRequest: Math.round((cpu * 1e6) / Math.max(1, ok + failed - measured)),
    socketsUsed: sockets.size,
    requests: ok + failed,
    ok,
    failed,
    errors: firstError.slice(0, 3),
    perSecond: Math.round((ok + failed - measured) / seconds),
    rssBefore: before,
    rssPeak: m.peak,
    rssSteady: m.steady,
  };
}

/** (b) and (c): one download of `size` read at full speed (rate 0) or at `rate` bytes/s. */
export async function download({ proxyPort, pid, originPort, size, rate }) {
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
