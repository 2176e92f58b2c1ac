/**
 * Micro-benchmark of the sensor's disk spool (sensor/dist, build first):
 *
 * 1. append: flows/s appended flat out (serialise once + record encode + batched writev + group
 *    fsync), for a few fsync settings, and the CPU the spool costs per flow (process CPU, all
 *    threads; the flow messages are serialised beforehand, as the sensor does once per flow);
 * 2. paced: the CPU share of the spool at the sensor's benchmark rate (2,250 flows/s for 5 s);
 * 3. replay: N flows spooled while NATS is down, then a private nats-server started: time until
 *    JetStream acknowledged all of them (the analyzer's FLOWS/BODIES topology, no consumer).
 *
 *   node bench/spool-bench.mjs [--flows 200000] [--replay 50000] [--dir /tmp]
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { clearInterval, setImmediate, setInterval, setTimeout } from 'node:timers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { ensureJetStream } from '@honeyproxy/analyzer';
import { createLogger } from '@honeyproxy/common';
import { createNatsConnector, createNatsFlowSink, openSpool } from '@honeyproxy/sensor';
import { startNatsServer } from '@honeyproxy/testkit';

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '200000' },
    replay: { type: 'string', default: '50000' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const FLOWS = Number(args.flows);
const REPLAY = Number(args.replay);
const log = createLogger({ name: 'spool-bench', level: 'warn' });

/** A flow like the HTTP 1 KiB benchmark's: 1 KiB response body inline, ~2 KiB of JSON. */
function flowMessage(i) {
  const now = Date.now();
  const id = `0193${i.toString(16).padStart(4, '0').slice(-4)}-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
  return {
    v: 1,
    flowId: id,
    sensorId: 'spool-bench',
    mode: 'explicit',
    ts: { start: now, requestEnd: now + 0.2, responseStart: now + 0.9, end: now + 1.1 },
    client: { ip: '127.0.0.1', port: 40000 + (i % 20000) },
    server: { ip: '127.0.0.1', port: 18081, host: '127.0.0.1:18081' },
    request: {
      method: 'GET',
      url: `http://127.0.0.1:18081/1k?i=${i}`,
      httpVersion: '1.1',
      headers: [
        ['Host', '127.0.0.1:18081'],
        ['User-Agent', 'loadgen/1.0'],
        ['Accept', '*/*'],
      ],
      body: null,
    },
    response: {
      status: 200,
      reason: 'OK',
      httpVersion: '1.1',
      headers: [
        ['Server', 'nginx/1.22.1'],
        ['Content-Type', 'application/octet-stream'],
        ['Content-Length', '1024'],
        ['Connection', 'keep-alive'],
      ],
      body: {
        len: 1024,
        capturedLen: 1024,
        sha256: 'ab'.repeat(32),
        truncated: false,
        inline: Buffer.alloc(1024, i % 256).toString('base64'),
      },
    },
    anomalies: [],
  };
}

const flows = Array.from({ length: Math.max(FLOWS, REPLAY) }, (_, i) => flowMessage(i));
// serialised once, as the sensor does before it appends: what is measured is the spool's own cost
const jsons = flows.map((f) => Buffer.from(JSON.stringify(f)));
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const cpuSplit = () => process.cpuUsage();
const ms = (ns) => Number(ns) / 1e6;
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function withDir(fn) {
  const dir = await mkdtemp(join(args.dir, 'hp-spool-bench-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A publisher that keeps up: takes and acknowledges every record as soon as it is written. */
function drainAsWritten(spool) {
  spool.onReadable(() => {
    for (let r = spool.take(); r; r = spool.take()) spool.ack(r);
  });
}

async function appendFlatOut(label, options) {
  return withDir(async (dir) => {
    const spool = await openSpool({ dir, maxBytes: 64 * 1024 ** 3, log, ...options });
    drainAsWritten(spool);
    const c0 = cpuSplit();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < FLOWS; i++) {
      const f = flows[i];
      spool.append({ flowId: f.flowId, sensorId: f.sensorId, json: jsons[i], blobs: [] }, true);
      // let writes complete as a live sensor would (appends arrive between I/O callbacks)
      if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
    }
    await spool.flush();
    const wall = ms(process.hrtime.bigint() - t0);
    const { user, system } = process.cpuUsage(c0);
    const { syncs, bytes, writes } = spool.stats();
    await spool.close();
    return { label, wall, user: user / 1000, system: system / 1000, syncs, bytes, writes };
  });
}

async function paced(label, rate, seconds, options) {
  return withDir(async (dir) => {
    const spool = await openSpool({ dir, maxBytes: 64 * 1024 ** 3, log, ...options });
    drainAsWritten(spool);
    const total = rate * seconds;
    const c0 = cpuMs();
    const t0 = Date.now();
    let i = 0;
    await new Promise((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
        for (; i < due; i++) {
          const f = flows[i % flows.length];
          spool.append(
            { flowId: f.flowId, sensorId: f.sensorId, json: jsons[i % jsons.length], blobs: [] },
            true,
          );
        }
        if (i >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    await spool.flush();
    const cpu = cpuMs() - c0;
    const { syncs, writes } = spool.stats();
    await spool.close();
    return { label, total, cpu, syncs, writes, wall: Date.now() - t0 };
  });
}

/** Baseline for the paced run: the same 1 ms interval, without the spool. */
async function pacedBaseline(rate, seconds) {
  const total = rate * seconds;
  const c0 = cpuMs();
  const t0 = Date.now();
  let i = 0;
  let sink = 0;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
      for (; i < due; i++) sink += jsons[i % jsons.length].length;
      if (i >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  return { cpu: cpuMs() - c0, sink };
}

async function replay() {
  const nats = await startNatsServer();
  try {
    // first the topology, then NATS away while the flows are spooled
    const admin = await connect({ servers: nats.url });
    await ensureJetStream(admin, log);
    await admin.close();
    await nats.stop();
    return await withDir(async (dir) => {
      const connector = await createNatsConnector({
        servers: [nats.url],
        name: 'spool-bench',
        log,
        retryMs: 50,
        maxRetryMs: 100,
      });
      const spool = await openSpool({ dir, maxBytes: 64 * 1024 ** 3, log });
      const sink = createNatsFlowSink({ connector, spool, log });
      for (let i = 0; i < REPLAY; i++) {
        await sink.write({ flow: flows[i], bodies: new Map() });
        if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
      }
      await spool.flush();
      const spooled = sink.stats();
      const c0 = cpuMs();
      const t0 = process.hrtime.bigint();
      await nats.start();
      const connectedAt = await new Promise((resolve) => {
        const off = connector.onConnect(() => resolve(process.hrtime.bigint()));
        void off;
      });
      while (sink.stats().published < REPLAY) await new Promise((r) => setTimeout(r, 5));
      const wall = ms(process.hrtime.bigint() - t0);
      const fromConnect = ms(process.hrtime.bigint() - connectedAt);
      const cpu = cpuMs() - c0;
      await sink.close();
      await connector.close();
      return { wall, fromConnect, cpu, bytes: spooled.spoolBytes };
    });
  } finally {
    await nats.close();
  }
}

// ------------------------------------------------------------------------------------------------
process.stdout.write(
  `spool bench: node ${process.version}, ${FLOWS} flows appended, ${REPLAY} replayed, dir ${args.dir}\n\n`,
);
// warm up the JIT on the same code paths
await appendFlatOut('warm-up', {});
const rows = [];
for (const [label, options] of [
  ['fsync every 100 ms (default)', {}],
  ['fsync every 10 ms', { fsyncMs: 10 }],
  ['fsync after every write', { fsyncMs: 0 }],
  ['no write delay', { flushDelayMs: 0 }],
  ['writes on the thread pool (syncWriteMax 0)', { syncWriteMax: 0 }],
]) {
  rows.push(await appendFlatOut(label, options));
}
const avg = jsons.reduce((n, j) => n + j.length, 0) / jsons.length;
process.stdout.write(
  `flow messages of ${fmt(avg)} bytes (1 KiB body inline), serialised beforehand; a consumer takes and acknowledges each record once written\n\n`,
);
process.stdout.write(
  '| append, flat out | flows/s | CPU µs/flow user | CPU µs/flow system | writes | fsyncs |\n|---|---|---|---|---|---|\n',
);
for (const r of rows) {
  process.stdout.write(
    `| ${r.label} | ${fmt((FLOWS / r.wall) * 1000)} | ${fmt((r.user * 1000) / FLOWS, 2)} | ${fmt((r.system * 1000) / FLOWS, 2)} | ${fmt(r.writes)} | ${r.syncs} |\n`,
  );
}

const RATE = 2250;
const SECONDS = 4;
const REPS = 3;
const variants = [
  ['default (5 ms write delay, fsync 100 ms)', {}],
  ['no write delay', { flushDelayMs: 0 }],
  ['2 ms write delay', { flushDelayMs: 2 }],
  ['writes on the thread pool (syncWriteMax 0)', { syncWriteMax: 0 }],
];
// interleaved repetitions against a run without the spool, medians: the machine is shared
const runs = variants.map(() => []);
const idles = [];
for (let rep = 0; rep < REPS; rep++) {
  idles.push((await pacedBaseline(RATE, SECONDS)).cpu);
  for (const [v, [label, options]] of variants.entries()) {
    runs[v].push(await paced(label, RATE, SECONDS, options));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const idleCpu = median(idles);
process.stdout.write(
  `\n| paced at ${fmt(RATE)} flows/s for ${SECONDS} s, median of ${REPS} | spool CPU µs/flow (minus the run without spool) | CPU % of one core for the spool | writes/s | fsyncs/s |\n|---|---|---|---|---|\n`,
);
for (const [v, [label]] of variants.entries()) {
  const extra = median(runs[v].map((r) => r.cpu)) - idleCpu;
  const r = runs[v][0];
  process.stdout.write(
    `| ${label} | ${fmt((extra * 1000) / r.total, 2)} | ${fmt((extra / (SECONDS * 1000)) * 100, 2)} % | ${fmt(median(runs[v].map((x) => x.writes)) / SECONDS)} | ${fmt(median(runs[v].map((x) => x.syncs)) / SECONDS)} |\n`,
  );
}

const rep = await replay();
process.stdout.write(
  `\nreplay: ${fmt(REPLAY)} flows (${fmt(rep.bytes / 1024 ** 2, 1)} MiB spooled while NATS was down) all acknowledged ${fmt(rep.wall)} ms after nats-server started (${fmt(rep.fromConnect)} ms after the sensor reconnected): ${fmt((REPLAY / rep.fromConnect) * 1000)} flows/s, ${fmt((rep.cpu * 1000) / REPLAY, 1)} µs CPU/flow (sensor process)\n`,
);
