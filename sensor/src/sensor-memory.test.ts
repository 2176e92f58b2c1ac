/**
 * Bodies bigger than max-body flow through the sensor without being held: the flow keeps the
 * first max-body bytes (hashed), the real length and `truncated`, and the process's memory does
 * not grow with the body. Bound tests, not timing tests: the bounds are a fraction of the body
 * size. Also: hundreds of concurrent keep-alive connections each get every exchange recorded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@honeyproxy/common';
import { startOrigin, suiteResource, waitUntil } from '@honeyproxy/testkit';
import { openBodySpill } from './body-spill.js';
import { byUrl, bytesOf, sha256Hex } from './testing/flow-bytes.js';
import { startTestSensor } from './testing/in-process-sensor.js';

const MiB = 1024 * 1024;
const MAX_BODY = 1 * MiB;
const BIG = 256 * MiB;
/** Growth allowed while 256 MiB flow through: the body itself must not be in it. */
const GROWTH_BOUND = 100 * MiB;

/** A deterministic 64 KiB block: bodies are this block repeated (cut at their length). */
const BLOCK = Buffer.alloc(64 * 1024);
for (let i = 0; i < BLOCK.length; i++) BLOCK[i] = (i * 131 + (i >> 8)) & 0xff;

/** The first `n` bytes of a generated body. */
function patternPrefix(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += BLOCK.length)
    BLOCK.copy(out, at, 0, Math.min(BLOCK.length, n - at));
  return out;
}

/** A generated body of `total` bytes, produced as it is read (backpressure included). */
function generated(total: number): Readable {
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, BLOCK.length);
      left -= n;
      this.push(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n));
    },
  });
}

/** Peak growth of RSS and of array buffers (where Buffers live) while `work` runs. */
async function growthDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; rss: number; arrayBuffers: number }> {
  const before = process.memoryUsage();
  let rss = 0;
  let arrayBuffers = 0;
  const sample = () => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss - before.rss);
    arrayBuffers = Math.max(arrayBuffers, now.arrayBuffers - before.arrayBuffers);
  };
  const timer = setInterval(sample, 25);
  try {
    const result = await work();
    sample();
    return { result, rss, arrayBuffers };
  } finally {
    clearInterval(timer);
  }
}

function viaProxyStream(
  proxyPort: number,
  url: string,
  options: {
    method?: string;
    body?: Readable;
    agent?: Agent;
    headers?: Record<string, string>;
  } = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: url,
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: { host: new URL(url).host, ...options.headers },
      },
      resolve,
    );
    req.once('error', reject);
    if (options.body) options.body.pipe(req);
    else req.end();
  });
}

/** Reads a response to the end, keeping only its length. */
async function discard(res: IncomingMessage): Promise<number> {
  let n = 0;
  for await (const chunk of res) n += (chunk as Buffer).length;
  return n;
}

describe('sensor memory with bodies over max-body', { timeout: 180_000 }, () => {
  const suite = suiteResource(async (cleanup) => {
    const origin = await startOrigin((req, res) => {
      const url = new URL(req.url ?? '/', 'http://origin');
      if (url.pathname === '/download') {
        const total = Number(url.searchParams.get('bytes'));
        const chunked = url.searchParams.has('chunked');
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          ...(!chunked && { 'content-length': String(total) }),
        });
        generated(total).pipe(res);
        return;
      }
      // uploads: read and discarded, the count echoed
      let n = 0;
      req.on('data', (chunk: Buffer) => (n += chunk.length));
      req.on('end', () => res.end(String(n)));
    });
    cleanup.add(() => origin.close());
    const { sensor, sink } = await startTestSensor(cleanup.add, { maxBody: MAX_BODY });
    return { origin, sensor, sink };
  });

  it('records a 256 MiB download by its first max-body bytes, without holding the rest', async () => {
    const { origin, sensor, sink } = suite();
    const url = `${origin.httpUrl}/download?bytes=${BIG}`;
    const measured = await growthDuring(async () =>
      discard(await viaProxyStream(sensor.port, url)),
    );
    assert.equal(measured.result, BIG, 'the client got the whole body');
    const c = await sink.waitFor(byUrl(url));
    const body = c.flow.response?.body;
    assert.equal(body?.len, BIG);
    assert.equal(body?.capturedLen, MAX_BODY);
    assert.equal(body?.truncated, true);
    const prefix = patternPrefix(MAX_BODY);
    assert.equal(body?.sha256, sha256Hex(prefix));
    assert.deepEqual(bytesOf(c, body), prefix);
    assert.ok(
      measured.arrayBuffers < GROWTH_BOUND,
      `array buffers grew by ${measured.arrayBuffers} bytes for a ${BIG}-byte body`,
    );
    assert.ok(measured.rss < GROWTH_BOUND, `RSS grew by ${measured.rss} bytes for ${BIG}`);
  });

  it('records a 256 MiB upload by its first max-body bytes, streaming it to the origin', async () => {
    const { origin, sensor, sink } = suite();
    const url = `${origin.httpUrl}/upload-big`;
    const measured = await growthDuring(async () => {
      const res = await viaProxyStream(sensor.port, url, { method: 'POST', body: generated(BIG) });
      let text = '';
      for await (const chunk of res) text += String(chunk);
      return Number(text);
    });
    assert.equal(measured.result, BIG, 'the origin got the whole body');
    const c = await sink.waitFor(byUrl(url));
    const body = c.flow.request.body;
    assert.equal(body?.len, BIG);
    assert.equal(body?.capturedLen, MAX_BODY);
    assert.equal(body?.truncated, true);
    assert.equal(body?.sha256, sha256Hex(patternPrefix(MAX_BODY)));
    assert.ok(
      measured.arrayBuffers < GROWTH_BOUND,
      `array buffers grew by ${measured.arrayBuffers} bytes for a ${BIG}-byte upload`,
    );
    assert.ok(measured.rss < GROWTH_BOUND, `RSS grew by ${measured.rss} bytes for ${BIG}`);
  });
});

describe('bodies past the spill threshold', { timeout: 180_000 }, () => {
  const SPILL_MAX_BODY = 64 * MiB;
  /**
   * Growth allowed: under the 64 MiB kept, which must be in a file, not in memory (measured
   * ~40 MB, as with --max-body 1MiB in memory: Node's streaming floor; ~100 MB with the prefix
   * in memory).
   */
  const SPILL_BOUND = 56 * MiB;
  const suite = suiteResource(async (cleanup) => {
    const origin = await startOrigin((req, res) => {
      const url = new URL(req.url ?? '/', 'http://origin');
      if (url.pathname === '/download') {
        const total = Number(url.searchParams.get('bytes'));
        res.writeHead(200, { 'content-length': String(total) });
        generated(total).pipe(res);
        return;
      }
      let n = 0;
      req.on('data', (chunk: Buffer) => (n += chunk.length));
      req.on('end', () => res.end(String(n)));
    });
    cleanup.add(() => origin.close());
    const dir = await mkdtemp(join(tmpdir(), 'hp-spill-sensor-'));
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    const log = createLogger({ name: 'spill-test', level: 'silent' });
    const bodySpill = await openBodySpill({ dir, log });
    const { sensor, sink } = await startTestSensor(cleanup.add, {
      maxBody: SPILL_MAX_BODY,
      bodySpill,
    });
    return { origin, sensor, sink };
  });

  it('keeps the 64 MiB prefix of a 256 MiB download in a file, not in memory', async () => {
    const { origin, sensor, sink } = suite();
    const url = `${origin.httpUrl}/download?bytes=${BIG}`;
    const measured = await growthDuring(async () =>
      discard(await viaProxyStream(sensor.port, url)),
    );
    assert.equal(measured.result, BIG);
    const c = await sink.waitFor(byUrl(url));
    const body = c.flow.response?.body;
    const prefix = patternPrefix(SPILL_MAX_BODY);
    assert.equal(body?.len, BIG);
    assert.equal(body?.capturedLen, SPILL_MAX_BODY);
    assert.equal(body?.sha256, sha256Hex(prefix));
    const file = c.bodyFiles?.get(body?.sha256 ?? '');
    assert.ok(file, 'the body is handed over as a file');
    assert.equal(sha256Hex(await readFile(file.path)), sha256Hex(prefix));
    assert.ok(
      measured.arrayBuffers < SPILL_BOUND,
      `array buffers grew by ${measured.arrayBuffers} bytes with a 64 MiB prefix kept`,
    );
  });

  it('keeps a 16 MiB upload in a file, byte-exact', async () => {
    const { origin, sensor, sink } = suite();
    const url = `${origin.httpUrl}/upload-spilled`;
    const size = 16 * MiB + 5;
    const res = await viaProxyStream(sensor.port, url, {
      method: 'POST',
      body: generated(size),
      headers: { 'content-length': String(size) },
    });
    await discard(res);
    const c = await sink.waitFor(byUrl(url));
    const body = c.flow.request.body;
    assert.equal(body?.len, size);
    assert.equal(body?.truncated, false);
    const file = c.bodyFiles?.get(body?.sha256 ?? '');
    assert.ok(file);
    assert.equal(sha256Hex(await readFile(file.path)), sha256Hex(patternPrefix(size)));
  });
});

describe('bodies between mockttp’s buffer and max-body', { timeout: 60_000 }, () => {
  const maxBody = 4 * MiB;
  const suite = suiteResource(async (cleanup) => {
    const origin = await startOrigin((req, res) => {
      const url = new URL(req.url ?? '/', 'http://origin');
      const total = Number(url.searchParams.get('bytes') ?? 0);
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      req.on('end', () => {
        res.writeHead(200, {
          'x-request-sha256': hash.digest('hex'),
          ...(!url.searchParams.has('chunked') && { 'content-length': String(total) }),
        });
        generated(total).pipe(res);
      });
    });
    cleanup.add(() => origin.close());
    const { sensor, sink } = await startTestSensor(cleanup.add, { maxBody });
    return { origin, sensor, sink };
  });

  for (const [size, mode] of [
    [3 * MiB, ''],
    [3 * MiB, 'chunked'],
    [6 * MiB, ''],
    [6 * MiB, 'chunked'],
  ] as const) {
    it(`keeps ${size / MiB} MiB request and response bodies exactly (${mode || 'with length'})`, async () => {
      const { origin, sensor, sink } = suite();
      const url = `${origin.httpUrl}/echo?bytes=${size}${mode ? '&chunked' : ''}`;
      const res = await viaProxyStream(sensor.port, url, {
        method: 'POST',
        body: generated(size),
        ...(!mode && { headers: { 'content-length': String(size) } }),
      });
      assert.equal(await discard(res), size);
      assert.equal(res.headers['x-request-sha256'], sha256Hex(patternPrefix(size)));
      const c = await sink.waitFor(byUrl(url));
      const kept = patternPrefix(Math.min(size, maxBody));
      for (const body of [c.flow.request.body, c.flow.response?.body]) {
        assert.equal(body?.len, size);
        assert.equal(body?.capturedLen, kept.length);
        assert.equal(body?.truncated, size > maxBody);
        assert.equal(body?.sha256, sha256Hex(kept));
        assert.deepEqual(bytesOf(c, body), kept);
      }
    });
  }
});

describe('many concurrent connections', { timeout: 120_000 }, () => {
  const CONNECTIONS = 500;
  const PER_CONNECTION = 3;
  const suite = suiteResource(async (cleanup) => {
    const small = Buffer.alloc(1024, 'k');
    const origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-length': String(small.length) });
      res.end(small);
    });
    cleanup.add(() => origin.close());
    const { sensor, sink } = await startTestSensor(cleanup.add);
    return { origin, sensor, sink };
  });

  it(`records every exchange of ${CONNECTIONS} keep-alive connections at once`, async () => {
    const { origin, sensor, sink } = suite();
    // From 127.0.0.2: with client and upstream connections all on 127.0.0.1, mockttp 4.6.5 takes a
    // client port that equals one of its own upstream ports for a loop and answers 500.
    const agent = new Agent({
      keepAlive: true,
      maxSockets: CONNECTIONS,
      localAddress: '127.0.0.2',
    });
    const sockets = new Set<Socket>();
    agent.on('free', (socket: Socket) => sockets.add(socket));
    const prefix = `${origin.httpUrl}/many/`;
    try {
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async (_, conn) => {
          for (let i = 0; i < PER_CONNECTION; i++) {
            const res = await viaProxyStream(sensor.port, `${prefix}${conn}/${i}`, { agent });
            assert.equal(res.statusCode, 200);
            assert.equal(await discard(res), 1024);
          }
        }),
      );
    } finally {
      agent.destroy();
    }
    assert.equal(sockets.size, CONNECTIONS, 'each loop had its own connection');
    const total = CONNECTIONS * PER_CONNECTION;
    const ours = () => sink.flows.filter((c) => c.flow.request.url.startsWith(prefix));
    await waitUntil(() => ours().length >= total, {
      what: () => `${total} flows (${ours().length} so far)`,
    });
    const flows = ours();
    assert.equal(flows.length, total);
    assert.equal(new Set(flows.map((c) => c.flow.flowId)).size, total, 'distinct flow ids');
    assert.equal(new Set(flows.map((c) => c.flow.request.url)).size, total, 'every request once');
    for (const c of flows) {
      assert.equal(c.flow.error, undefined);
      assert.equal(c.flow.response?.status, 200);
      assert.equal(c.flow.response?.body?.len, 1024);
    }
  });
});
