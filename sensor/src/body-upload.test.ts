/**
 * Bodies kept in files on their way to NATS: uploaded to BODIES from the file, byte-exact; the
 * file deleted once the flow is acknowledged; a file gone by upload time costs the body (flagged),
 * never the flow.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { createLogger } from '@honeyproxy/common';
import {
  BODIES_BUCKET,
  bodyMetaSubject,
  FLOWS_STREAM,
  flowMessageCodec,
} from '@honeyproxy/protocol';
import { startNatsServer, waitUntil } from '@honeyproxy/testkit';
import { releaseBodyFiles } from './body-spill.js';
import type { CapturedFlow } from './flow-sink.js';
import { BodyFileGoneError, createBodyStore } from './body-upload.js';
import { createNatsConnector } from './nats-connector.js';
import { createNatsFlowSink } from './nats-flow-sink.js';
import { openSpool } from './spool/spool.js';
import { createAnalyzerStreams } from './testing/analyzer-streams.js';
import { sampleFlow } from './testing/sample-flow.js';

const log = createLogger({ name: 'body-upload-test', level: 'silent' });
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function setup(t: TestContext, running: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'hp-body-upload-'));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 20 }));
  const nats = await startNatsServer();
  t.after(() => nats.close());
  const admin = await connect({ servers: nats.url });
  await createAnalyzerStreams(admin);
  await admin.close();
  if (!running) await nats.stop();
  const connector = await createNatsConnector({
    servers: [nats.url],
    name: 'test',
    log,
    retryMs: 100,
    maxRetryMs: 400,
  });
  t.after(() => connector.close());
  const spool = await openSpool({ dir: join(dir, 'spool'), maxBytes: 1024 ** 3, log });
  const natsSink = createNatsFlowSink({ connector, log, spool, maxBackoffMs: 300 });
  const sink = releaseBodyFiles(natsSink);
  t.after(() => sink.close());
  return { nats, sink, stats: () => natsSink.stats(), bodies: join(dir, 'spool', 'bodies') };
}

/** A flow whose response body is kept in a capture file in `dir`, as the spill leaves it. */
async function flowWithFile(dir: string, body: Buffer): Promise<CapturedFlow> {
  const { flow } = await sampleFlow({ responseBody: body });
  const path = join(dir, `capture-${sha256(body).slice(0, 8)}.part`);
  await writeFile(path, body);
  const file = { path, len: body.length, sha256: sha256(body), ready: Promise.resolve() };
  return { flow, bodies: new Map(), bodyFiles: new Map([[file.sha256, file]]) };
}

async function publishedFlows(url: string) {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const msg = await jsm.streams.getMessage(FLOWS_STREAM, { seq: 1 });
    const flow = flowMessageCodec.decodeJson(msg?.data ?? new Uint8Array());
    const stored = await (await new Objm(nc).open(BODIES_BUCKET)).getBlob(sha256Of(flow));
    return { flow, stored };
  } finally {
    await nc.close();
  }
}

const sha256Of = (flow: { response?: { body: { sha256: string } | null } }) =>
  flow.response?.body?.sha256 ?? '';

describe('bodies kept in files, published through NATS', { timeout: 60_000 }, () => {
  it('uploads the body from its file byte-exact and deletes the file once acknowledged', async (t) => {
    const { nats, sink, stats, bodies } = await setup(t, true);
    const body = randomBytes(3 * 1024 * 1024 + 11);
    const captured = await flowWithFile(bodies, body);
    await sink.write(captured);
    await waitUntil(() => stats().published === 1, { what: 'publish', timeoutMs: 20_000 });
    const { flow, stored } = await publishedFlows(nats.url);
    assert.deepEqual(flow, captured.flow);
    assert.ok(stored);
    assert.equal(sha256(stored), sha256(body));
    await waitUntil(async () => (await readdir(bodies)).length === 0, {
      what: 'the capture file and the spool file deleted',
    });
  });

  it('publishes the flow without a body whose file is gone by upload time, flagged', async (t) => {
    const { nats, sink, stats, bodies } = await setup(t, false);
    const body = randomBytes(2 * 1024 * 1024);
    const captured = await flowWithFile(bodies, body);
    await sink.write(captured);
    // NATS is away: the flow waits; then its spooled body file disappears
    for (const name of await readdir(bodies)) await unlink(join(bodies, name));
    await nats.start();
    await waitUntil(() => stats().published === 1, { what: 'publish', timeoutMs: 30_000 });
    const nc = await connect({ servers: nats.url });
    t.after(() => nc.close());
    const msg = await (await jetstreamManager(nc)).streams.getMessage(FLOWS_STREAM, { seq: 1 });
    const flow = flowMessageCodec.decodeJson(msg?.data ?? new Uint8Array());
    assert.equal(flow.flowId, captured.flow.flowId, 'the flow is not lost');
    assert.equal(flow.response?.body, null);
    assert.ok(
      flow.anomalies.includes(
        `response-body-dropped:len=${body.length},sha256=${sha256(body)},reason=spool-damaged`,
      ),
      flow.anomalies.join('; '),
    );
  });
});

describe('the body store a sensor writes with publish rights only', { timeout: 60_000 }, () => {
  async function store(t: TestContext) {
    const nats = await startNatsServer();
    t.after(() => nats.close());
    const nc = await connect({ servers: nats.url });
    t.after(() => nc.close());
    await createAnalyzerStreams(nc);
    const dir = await mkdtemp(join(tmpdir(), 'hp-body-store-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const bodies = createBodyStore(nc, jetstream(nc, { checkAPI: false }), 5000);
    return { nc, dir, bodies, os: await new Objm(nc).open(BODIES_BUCKET) };
  }

  it('writes objects nats.js reads byte-exact, without a rollup header', async (t) => {
    const { nc, dir, bodies, os } = await store(t);
    const fromFile = randomBytes(5 * 128 * 1024 + 17);
    const inMemory = randomBytes(200_000);
    const path = join(dir, 'body');
    await writeFile(path, fromFile);
    assert.equal(await bodies.has(sha256(fromFile)), false);
    await bodies.putFile(sha256(fromFile), path);
    await bodies.putBytes(sha256(inMemory), inMemory);
    for (const data of [fromFile, inMemory]) {
      assert.equal(await bodies.has(sha256(data)), true);
      const info = await os.info(sha256(data));
      assert.equal(info?.size, data.length);
      assert.equal(info?.chunks, Math.ceil(data.length / (128 * 1024)));
      assert.equal(info?.options?.max_chunk_size, 128 * 1024);
      assert.equal(sha256((await os.getBlob(sha256(data))) ?? new Uint8Array()), sha256(data));
    }
    const jsm = await jetstreamManager(nc);
    const meta = await jsm.streams.getMessage(`OBJ_${BODIES_BUCKET}`, {
      last_by_subj: bodyMetaSubject(sha256(fromFile)),
    });
    assert.equal(meta?.header?.get('Nats-Rollup') ?? '', '');
  });

  it('writes no meta record for a file that no longer holds the body it names', async (t) => {
    const { dir, bodies, os } = await store(t);
    const body = randomBytes(300_000);
    const path = join(dir, 'body');
    await writeFile(path, randomBytes(300_000));
    await assert.rejects(bodies.putFile(sha256(body), path), BodyFileGoneError);
    await assert.rejects(bodies.putFile(sha256(body), join(dir, 'gone')), BodyFileGoneError);
    assert.equal(await os.info(sha256(body)), null);
    assert.equal(await bodies.has(sha256(body)), false);
  });

  it('does not count a meta record with another digest as stored', async (t) => {
    const { nc, bodies } = await store(t);
    const body = randomBytes(100_000);
    await jetstream(nc).publish(
      bodyMetaSubject(sha256(body)),
      JSON.stringify({ name: sha256(body), digest: 'SHA-256=AAAA', deleted: false }),
    );
    assert.equal(await bodies.has(sha256(body)), false);
  });
});
