/** The disk spool on its own: order, restarts, damage, fsync batching, the budget, cleanup. */
import { describe, it, type TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '@honeyproxy/common';
import { waitUntil } from '@honeyproxy/testkit';
import { newFlowId } from '../flow-id.js';
import type { RecordInput } from './record-codec.js';
import {
  openSpool,
  spoolSegments,
  type Spool,
  type SpoolOptions,
  type SpoolRecord,
} from './spool.js';

const silent = createLogger({ name: 'spool-test', level: 'silent' });

async function spoolDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-spool-'));
  // hooks run in order: a spool opened later may still be closing (writing its cursor)
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 20 }));
  return dir;
}

/** A logger whose lines the test can read. */
function capturedLog() {
  const stream = new PassThrough();
  const lines: { msg?: string; level?: number; [k: string]: unknown }[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line) lines.push(JSON.parse(line) as (typeof lines)[number]);
    }
  });
  return { log: createLogger({ name: 'spool-test', level: 'debug', destination: stream }), lines };
}

function record(i: number, blob?: Buffer): RecordInput {
  const flowId = newFlowId();
  const json = Buffer.from(JSON.stringify({ flowId, i, pad: 'x'.repeat(200) }));
  const blobs = blob
    ? [{ sha256: createHash('sha256').update(blob).digest('hex'), bytes: blob }]
    : [];
  return { flowId, sensorId: 'spool-test', json, blobs };
}

async function open(
  t: TestContext,
  dir: string,
  options: Partial<SpoolOptions> = {},
): Promise<Spool> {
  const spool = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent, ...options });
  t.after(() => spool.close());
  return spool;
}

/** Takes `count` records, waiting for disk reads as needed. */
async function takeAll(spool: Spool, count: number): Promise<SpoolRecord[]> {
  const out: SpoolRecord[] = [];
  await waitUntil(
    () => {
      for (let r = spool.take(); r; r = spool.take()) out.push(r);
      return out.length >= count;
    },
    { what: `${count} records from the spool`, timeoutMs: 20_000, intervalMs: 5 },
  );
  return out;
}

const ids = (records: readonly { flowId: string }[]) => records.map((r) => r.flowId);

describe('disk spool', { timeout: 60_000 }, () => {
  it('hands records out in append order, only once they are written to a segment file', async (t) => {
    const dir = await spoolDir(t);
    const spool = await open(t, dir);
    const inputs = Array.from({ length: 500 }, (_, i) => record(i));
    for (const input of inputs) assert.equal(spool.append(input, false), 'spooled');
    assert.equal(spool.take(), undefined, 'nothing is published before it is on disk');
    const out = await takeAll(spool, 500);
    assert.deepEqual(ids(out), ids(inputs));
    assert.deepEqual(Buffer.from(out[7]?.json ?? []), inputs[7]?.json);
    const [segment] = await spoolSegments(dir);
    assert.ok(segment);
    assert.equal((await stat(segment)).size, spool.stats().bytes);
  });

  it('after a restart publishes what was not acknowledged, from the cursor on', async (t) => {
    const dir = await spoolDir(t);
    const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    const blob = randomBytes(200 * 1024);
    const inputs = Array.from({ length: 300 }, (_, i) =>
      record(i, i % 50 === 0 ? blob : undefined),
    );
    for (const input of inputs) first.append(input, false);
    const out = await takeAll(first, 300);
    for (const r of out.slice(0, 120)) first.ack(r);
    await first.close();

    const second = await open(t, dir);
    const again = await takeAll(second, 180);
    assert.deepEqual(ids(again), ids(inputs.slice(120)));
    const withBlob = again.find((r) => r.blobs.length > 0);
    assert.ok(withBlob, 'blobs come back from disk');
    assert.ok(Buffer.from(withBlob.blobs[0]?.bytes ?? []).equals(blob));
    assert.equal(second.stats().records, 180);
  });

  it('skips a torn last record with a log line and keeps everything before it', async (t) => {
    const dir = await spoolDir(t);
    const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    const inputs = Array.from({ length: 50 }, (_, i) => record(i));
    for (const input of inputs) first.append(input, false);
    await first.close();
    const [segment] = await spoolSegments(dir);
    assert.ok(segment);
    await truncate(segment, (await stat(segment)).size - 5); // as if killed mid-write

    const { log, lines } = capturedLog();
    const second = await open(t, dir, { log });
    const out = await takeAll(second, 49);
    assert.deepEqual(ids(out), ids(inputs.slice(0, 49)));
    await waitUntil(() => lines.some((l) => /torn record/.test(l.msg ?? '')), {
      what: 'a log line about the torn record',
      timeoutMs: 5000,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(second.take(), undefined, 'the torn record is not handed out');
    assert.equal(second.stats().skippedRecords, 1);
  });

  it('steps over a damaged record in the middle of a segment', async (t) => {
    const dir = await spoolDir(t);
    const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    const inputs = Array.from({ length: 20 }, (_, i) => record(i));
    for (const input of inputs) first.append(input, false);
    await first.close();
    const [segment] = await spoolSegments(dir);
    assert.ok(segment);
    const bytes = await readFile(segment);
    const size = bytes.length / 20;
    const at = 10 * size + 100; // inside the 11th record's JSON
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await writeFile(segment, bytes);

    const { log, lines } = capturedLog();
    const second = await open(t, dir, { log });
    const out = await takeAll(second, 19);
    assert.deepEqual(ids(out), ids([...inputs.slice(0, 10), ...inputs.slice(11)]));
    await waitUntil(() => lines.some((l) => /damaged bytes/.test(l.msg ?? '')), {
      what: 'a log line about the damaged record',
      timeoutMs: 5000,
    });
  });

  it('batches fsyncs: thousands of records share a few, and flush() syncs at once', async (t) => {
    const dir = await spoolDir(t);
    const spool = await open(t, dir, { fsyncMs: 200, fsyncRecords: 1_000_000 });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 250; i++) spool.append(record(i), false);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitUntil(() => spool.stats().written === 5000, {
      what: 'all written',
      timeoutMs: 10_000,
    });
    assert.ok(spool.stats().syncs <= 3, `${spool.stats().syncs} fsyncs for 5000 records`);
    const before = spool.stats().syncs;
    for (let i = 0; i < 10; i++) spool.append(record(i), false);
    await spool.flush();
    assert.ok(spool.stats().syncs > before, 'flush() fsyncs');

    const eager = await open(t, await spoolDir(t), { fsyncMs: 0 });
    for (let round = 0; round < 5; round++) {
      eager.append(record(round), false);
      await eager.flush();
    }
    assert.ok(eager.stats().syncs >= 5, 'with --spool-fsync 0 every write is synced');
  });

  it('keeps to its budget: past the body limit only flows without bodies, past the max none', async (t) => {
    const dir = await spoolDir(t);
    const spool = await open(t, dir, { maxBytes: 2 * 1024 * 1024, bodyFraction: 0.5 });
    const blob = randomBytes(300 * 1024);
    let withBodies = 0;
    while (spool.append(record(withBodies, blob), true) === 'spooled') withBodies++;
    assert.ok(
      withBodies >= 2 && withBodies <= 4,
      `${withBodies} flows with bodies fit in half of 2 MiB`,
    );
    assert.equal(spool.append(record(0, blob), true), 'bodies');
    let metadataOnly = 0;
    while (spool.append(record(metadataOnly), false) === 'spooled') metadataOnly++;
    assert.ok(metadataOnly > 1000, `${metadataOnly} small flows fit in the rest`);
    assert.equal(spool.append(record(0), false), 'full');
    assert.ok(spool.stats().bytes <= 2 * 1024 * 1024);
  });

  it('rotates segments and deletes those whose records are all acknowledged', async (t) => {
    const dir = await spoolDir(t);
    const spool = await open(t, dir, { segmentBytes: 64 * 1024, cursorIntervalMs: 20 });
    const inputs = Array.from({ length: 2000 }, (_, i) => record(i));
    for (const [i, input] of inputs.entries()) {
      spool.append(input, false);
      if (i % 50 === 49) await spool.flush(); // 50 records (~16 KiB) per write
    }
    const out = await takeAll(spool, 2000);
    assert.deepEqual(ids(out), ids(inputs));
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.seg'));
    assert.ok(segments.length > 5, `${segments.length} segments`);
    for (const r of out) spool.ack(r);
    await waitUntil(
      async () => (await readdir(dir)).filter((n) => n.endsWith('.seg')).length === 1,
      { what: 'acknowledged segments deleted', timeoutMs: 10_000 },
    );
    assert.equal(spool.stats().records, 0);
  });

  it('reads back from disk what no longer fits in memory, still in order', async (t) => {
    const dir = await spoolDir(t);
    const spool = await open(t, dir, { memoryBytes: 16 * 1024, readChunkBytes: 8 * 1024 });
    const inputs = Array.from({ length: 1000 }, (_, i) => record(i));
    for (const input of inputs) spool.append(input, false);
    await spool.flush();
    const out = await takeAll(spool, 1000);
    assert.deepEqual(ids(out), ids(inputs));
  });

  it('hands a failed record out again before newer ones, and the cursor waits for it', async (t) => {
    const dir = await spoolDir(t);
    const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent, cursorIntervalMs: 10 });
    const inputs = Array.from({ length: 10 }, (_, i) => record(i));
    for (const input of inputs) first.append(input, false);
    const out = await takeAll(first, 5);
    const [a, b, ...rest] = out;
    assert.ok(a && b);
    for (const r of rest) first.ack(r);
    first.ack(a);
    first.release(b);
    assert.equal(first.take()?.flowId, b.flowId);
    await first.close(); // b never acknowledged

    const second = await open(t, dir);
    const again = await takeAll(second, 9);
    assert.deepEqual(ids(again), ids(inputs.slice(1)), 'resumes at the first unacknowledged');
  });

  it('leaves a body found damaged on disk out and says which', async (t) => {
    const dir = await spoolDir(t);
    const first = await openSpool({ dir, maxBytes: 1024 ** 3, log: silent });
    const blob = randomBytes(100 * 1024);
    const input = record(0, blob);
    first.append(input, true);
    await first.close();
    const [segment] = await spoolSegments(dir);
    assert.ok(segment);
    const bytes = await readFile(segment);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff; // inside the blob
    await writeFile(segment, bytes);
    const second = await open(t, dir);
    const [r] = await takeAll(second, 1);
    assert.equal(r?.blobs.length, 0);
    assert.deepEqual(r?.damaged, [input.blobs[0]?.sha256]);
  });

  it("refuses a spool dir another live process holds, and takes over a dead one's", async (t) => {
    const dir = await spoolDir(t);
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    t.after(() => void other.kill('SIGKILL'));
    await writeFile(join(dir, 'lock'), `${other.pid}\n`);
    await assert.rejects(openSpool({ dir, maxBytes: 1024 ** 3, log: silent }), /in use by process/);
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;
    const spool = await open(t, dir);
    assert.equal(spool.append(record(0), false), 'spooled');
  });
});
