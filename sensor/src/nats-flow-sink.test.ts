/**
 * The NATS sink against a real nats-server: flows go through the disk spool, bodies are stored
 * once, flows deduplicated, nothing lost in outages or restarts, and a full spool degrades loudly.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '@honeyproxy/common';
import {
  BODIES_BUCKET,
  FLOWS_STREAM,
  flowMessageCodec,
  flowSubject,
  isRef,
  refName,
  sensorHeartbeatCodec,
  heartbeatSubject,
} from '@honeyproxy/protocol';
import { startNatsServer, waitUntil, type NatsServer } from '@honeyproxy/testkit';
import { startHeartbeat } from './heartbeat-publisher.js';
import { createNatsConnector, type NatsConnector } from './nats-connector.js';
import { createNatsFlowSink, SpoolFullError, type NatsFlowSink } from './nats-flow-sink.js';
import { openSpool, type SpoolOptions } from './spool/spool.js';
import { createAnalyzerStreams } from './testing/analyzer-streams.js';
import { sampleFlow } from './testing/sample-flow.js';

const log = createLogger({ name: 'nats-sink-test', level: 'silent' });

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-sink-spool-'));
  // hooks run in order: the sink registered later may still be closing its spool
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 20 }));
  return dir;
}

async function setup(
  t: TestContext,
  options: { streams: boolean; running?: boolean; spool?: Partial<SpoolOptions> },
) {
  const nats: NatsServer = await startNatsServer();
  t.after(() => nats.close());
  const admin: NatsConnection = await connect({ servers: nats.url });
  if (options.streams) await createAnalyzerStreams(admin);
  if (options.running === false) {
    await admin.close();
    await nats.stop();
  } else {
    t.after(() => admin.close());
  }
  const connector: NatsConnector = await createNatsConnector({
    servers: [nats.url],
    name: 'test',
    log,
    retryMs: 100,
    maxRetryMs: 400,
  });
  t.after(() => connector.close());
  const spoolDir = options.spool?.dir ?? (await tempDir(t));
  const spool = await openSpool({ dir: spoolDir, maxBytes: 1024 ** 3, log, ...options.spool });
  const sink: NatsFlowSink = createNatsFlowSink({
    connector,
    log,
    spool,
    maxBackoffMs: 300,
    publishTimeoutMs: 3000,
  });
  t.after(() => sink.close());
  return { nats, admin, connector, sink, spoolDir };
}

async function streamMessages(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(FLOWS_STREAM)).state.messages;
}

describe('NATS flow sink', { timeout: 60_000 }, () => {
  it('publishes a flow with msgID = flowId after storing its large body in BODIES', async (t) => {
    const { admin, sink } = await setup(t, { streams: true });
    const big = randomBytes(300 * 1024);
    const captured = await sampleFlow({ responseBody: big });
    await sink.write(captured);
    await waitUntil(() => sink.stats().published === 1, { what: 'publish', timeoutMs: 15_000 });

    const jsm = await jetstreamManager(admin);
    const msg = await jsm.streams.getMessage(FLOWS_STREAM, { seq: 1 });
    assert.ok(msg);
    assert.equal(msg.subject, flowSubject('test-sensor'));
    assert.equal(msg.header?.get('Nats-Msg-Id'), captured.flow.flowId);
    const flow = flowMessageCodec.decodeJson(msg.data);
    assert.deepEqual(flow, captured.flow);
    const body = flow.response?.body ?? null;
    assert.ok(isRef(body));
    const os = await new Objm(admin).open(BODIES_BUCKET);
    const stored = await os.getBlob(refName(body));
    assert.ok(stored && Buffer.from(stored).equals(big));
    assert.equal(sink.stats().backlog, 0);
  });

  it('stores a repeated body once, and deduplicates a re-published flow', async (t) => {
    const { admin, sink } = await setup(t, { streams: true });
    const big = randomBytes(200 * 1024);
    const first = await sampleFlow({ responseBody: big });
    const second = await sampleFlow({ requestBody: big });
    await sink.write(first);
    await waitUntil(() => sink.stats().published === 1, {
      what: 'first publish',
      timeoutMs: 15_000,
    });
    const os = await new Objm(admin).open(BODIES_BUCKET);
    const sha = [...first.bodies.keys()][0] ?? '';
    const before = await os.info(sha);
    await sink.write(second);
    await sink.write(first); // the same flow again, as after a lost ack
    await waitUntil(() => sink.stats().published === 3, {
      what: 'later publishes',
      timeoutMs: 15_000,
    });
    const after = await os.info(sha);
    assert.equal(after?.nuid, before?.nuid, 'the object was not written again');
    assert.equal(after?.revision, before?.revision);
    assert.equal(await streamMessages(admin), 2, 'the duplicate flow was dropped by JetStream');
  });

  it('creates nothing itself and waits for the analyzer to create FLOWS and BODIES', async (t) => {
    const { admin, sink } = await setup(t, { streams: false });
    await sink.write(await sampleFlow({ responseBody: randomBytes(100 * 1024) }));
    await sink.write(await sampleFlow());
    await waitUntil(() => /FLOWS|BODIES|JetStream/.test(sink.stats().problem ?? ''), {
      what: 'a reported problem',
      timeoutMs: 15_000,
    });
    const jsm = await jetstreamManager(admin);
    const streams = await jsm.streams.names().next();
    assert.deepEqual(streams, [], 'no stream or bucket created by the sensor');
    assert.equal(sink.stats().backlog, 2);

    await createAnalyzerStreams(admin);
    await waitUntil(() => sink.stats().published === 2, {
      what: 'publish once the streams exist',
      timeoutMs: 20_000,
    });
    assert.equal(await streamMessages(admin), 2);
    assert.equal(sink.stats().problem, undefined);
  });

  it('keeps flows while NATS is down and publishes them once it is up', async (t) => {
    const { nats, sink } = await setup(t, { streams: true, running: false });
    const flows = await Promise.all([
      sampleFlow(),
      sampleFlow(),
      sampleFlow({ responseBody: randomBytes(70 * 1024) }),
    ]);
    for (const f of flows) await sink.write(f);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(sink.stats().backlog, 3);
    assert.equal(sink.stats().problem, 'NATS unreachable');
    assert.ok(sink.stats().alarms.includes('NATS unreachable'));

    await nats.start();
    await waitUntil(() => sink.stats().published === 3, {
      what: 'publish after NATS starts',
      timeoutMs: 30_000,
    });
    const admin = await connect({ servers: nats.url });
    t.after(() => admin.close());
    assert.equal(await streamMessages(admin), 3);
  });

  it('replays spooled flows in order after NATS returns', async (t) => {
    const { nats, sink } = await setup(t, { streams: true, running: false });
    const flows = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        sampleFlow({
          url: `http://malware.example/replay/${i}`,
          ...(i % 200 === 0 && { responseBody: randomBytes(1100 * 1024) }),
        }),
      ),
    );
    for (const f of flows) await sink.write(f);
    await waitUntil(() => sink.stats().spooled === 2000, { what: 'spooled', timeoutMs: 10_000 });
    assert.equal(sink.stats().published, 0);
    assert.equal(sink.stats().backlog, 2000);
    assert.ok(sink.stats().spoolBytes > 10 * 1024 * 1024, 'the flows and their bodies are on disk');

    await nats.start();
    await waitUntil(() => sink.stats().published === 2000, {
      what: 'publish after NATS starts',
      timeoutMs: 60_000,
    });
    const admin = await connect({ servers: nats.url });
    t.after(() => admin.close());
    const jsm = await jetstreamManager(admin);
    const urls: string[] = [];
    for (let seq = 1; seq <= 2000; seq++) {
      const msg = await jsm.streams.getMessage(FLOWS_STREAM, { seq });
      urls.push(flowMessageCodec.decodeJson(msg?.data ?? new Uint8Array()).request.url);
    }
    assert.deepEqual(
      urls,
      flows.map((f) => f.flow.request.url),
      'stream order = capture order',
    );
    await waitUntil(() => sink.stats().backlog === 0, { what: 'empty backlog', timeoutMs: 5000 });
  });

  it('publishes at its next start what a closed sink still held, and nothing twice', async (t) => {
    const { nats, sink, spoolDir } = await setup(t, { streams: true, running: false });
    const flows = await Promise.all(Array.from({ length: 300 }, () => sampleFlow()));
    for (const f of flows) await sink.write(f);
    await sink.close(); // NATS away: everything stays in the spool

    await nats.start();
    const connector = await createNatsConnector({ servers: [nats.url], name: 'again', log });
    t.after(() => connector.close());
    const spool = await openSpool({ dir: spoolDir, maxBytes: 1024 ** 3, log });
    const again = createNatsFlowSink({ connector, log, spool });
    t.after(() => again.close());
    await waitUntil(() => again.stats().published === 300, {
      what: 'publish after the restart',
      timeoutMs: 30_000,
    });
    const admin = await connect({ servers: nats.url });
    t.after(() => admin.close());
    assert.equal(await streamMessages(admin), 300);
  });

  it('drops bodies first when the spool budget runs short, then refuses loudly', async (t) => {
    const { sink } = await setup(t, {
      streams: true,
      running: false,
      spool: { maxBytes: 4 * 1024 * 1024, bodyFraction: 0.75 },
    });
    const big = () => sampleFlow({ responseBody: randomBytes(600 * 1024) });
    let kept = 0;
    for (let i = 0; i < 20; i++) await sink.write(await big()).then(() => kept++);
    const stats = sink.stats();
    assert.ok(stats.droppedBodies > 0, 'some flows lost their bodies');
    assert.equal(kept, 20, 'every flow was kept');
    assert.equal(stats.dropped, 0);
    assert.ok(
      stats.alarms.some((a) => /spool nearly full/.test(a)),
      stats.alarms.join('; '),
    );
    assert.ok(stats.alarms.some((a) => /kept without bodies/.test(a)));

    // now fill it with flows that cannot lose anything: the spool refuses them, and says so
    let refused: unknown;
    for (let i = 0; i < 20_000 && !refused; i++) {
      await sink.write(await sampleFlow()).catch((err: unknown) => (refused = err));
    }
    assert.ok(refused instanceof SpoolFullError);
    assert.equal(sink.stats().dropped, 1);
    assert.ok(sink.stats().alarms.some((a) => /1 flows dropped/.test(a)));
  });

  it('marks a flow kept without its body so the analyst sees what was lost', async (t) => {
    const { nats, sink } = await setup(t, {
      streams: true,
      running: false,
      spool: { maxBytes: 2 * 1024 * 1024, bodyFraction: 0.25 },
    });
    const flow = await sampleFlow({ responseBody: randomBytes(800 * 1024) });
    await sink.write(flow);
    assert.equal(sink.stats().droppedBodies, 1);
    await nats.start();
    await waitUntil(() => sink.stats().published === 1, { what: 'publish', timeoutMs: 30_000 });
    const admin = await connect({ servers: nats.url });
    t.after(() => admin.close());
    const jsm = await jetstreamManager(admin);
    const msg = await jsm.streams.getMessage(FLOWS_STREAM, { seq: 1 });
    const stored = flowMessageCodec.decodeJson(msg?.data ?? new Uint8Array());
    assert.equal(stored.flowId, flow.flow.flowId);
    assert.equal(stored.response?.body, null);
    const sha = [...flow.bodies.keys()][0];
    assert.ok(
      stored.anomalies.includes(
        `response-body-dropped:len=${800 * 1024},sha256=${sha},reason=spool-full`,
      ),
      stored.anomalies.join('; '),
    );
  });

  it('sends a heartbeat with the CA, counters and backlog', async (t) => {
    const { admin, connector } = await setup(t, { streams: false });
    const sub = admin.subscribe(heartbeatSubject('test-sensor'), { max: 1 });
    await admin.flush();
    const heartbeat = startHeartbeat({
      connector,
      sensorId: 'test-sensor',
      log,
      intervalMs: 200,
      build: () => ({
        v: 1,
        sensorId: 'test-sensor',
        version: '0.1.0',
        mode: 'explicit',
        startedAt: Date.now(),
        caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        caSha256: Array.from({ length: 32 }, () => 'AB').join(':'),
        counters: { captured: 3, published: 2, errors: 0 },
        backlog: 1,
        alarms: [],
      }),
    });
    t.after(() => heartbeat.close());
    for await (const msg of sub) {
      const beat = sensorHeartbeatCodec.decodeJson(msg.data);
      assert.equal(beat.sensorId, 'test-sensor');
      assert.equal(beat.backlog, 1);
      assert.ok(beat.sentAt >= beat.startedAt);
    }
  });
});
