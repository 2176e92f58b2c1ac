/** Ingest from a real JetStream into real PostgreSQL: bodies, poison messages, replays, live events. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { putBody } from '../testing/put-body.js';
import {
  flowSubject,
  heartbeatSubject,
  summarizeFlow,
  type FlowSummary,
} from '@honeyproxy/protocol';
import { createFlowStore } from '../store/flow-store.js';
import { createSensorStore } from '../store/sensor-store.js';
import { createLiveHub } from '../live/live-hub.js';
import { createIngestFixture } from '../testing/ingest-fixture.js';
import { silentLogger } from '../testing/migrated-database.js';
import { sampleFlow, waitUntil } from '@honeyproxy/testkit';
import { createIngest } from './ingest.js';
import { createAnalyzerMetrics } from '../metrics/analyzer-metrics.js';
import { createLivePublisher, startLiveRelay } from './live-relay.js';
import { startHeartbeatListener } from './heartbeat-listener.js';
import { deferrer } from '../testing/defer.js';
import { TEST_PG_URL } from '@honeyproxy/testkit';
import pg from 'pg';

const log = silentLogger();

describe('ingest', { timeout: 60_000 }, () => {
  it('stores published flows with inline and BODIES bodies, once, and announces them live', async (t) => {
    const defer = deferrer(t);
    const fx = await createIngestFixture();
    defer(() => fx.close());
    const store = createFlowStore({ db: fx.mdb.db, log });
    const hub = createLiveHub();
    const heard: FlowSummary[] = [];
    hub.add({
      bufferedAmount: 0,
      send: (d) => void heard.push((JSON.parse(d) as { flow: FlowSummary }).flow),
      close: () => undefined,
    });
    const relayConnection = await connect({ servers: fx.nats.url });
    defer(() => relayConnection.close());
    startLiveRelay(relayConnection, hub, log);
    await relayConnection.flush();
    const ingest = createIngest({ nc: fx.nc, store, log, live: createLivePublisher(fx.nc, log) });
    defer(() => ingest.stop());
    await ingest.start();

    const small = sampleFlow({ responseBody: Buffer.from('hello') });
    const big = sampleFlow({ responseBody: new Uint8Array(3 * 1024 * 1024).fill(0x41) });
    await fx.publish(small);
    await fx.publish(big);
    await waitUntil(async () => (await fx.count('flows')) === 2, { what: 'two flows stored' });
    const body = await store.body(big.flow.flowId, 'response');
    assert.equal(body?.data?.byteLength, 3 * 1024 * 1024);
    await waitUntil(() => heard.length === 2, { what: 'live events' });
    assert.deepEqual(heard.map((f) => f.id).sort(), [small.flow.flowId, big.flow.flowId].sort());
    assert.deepEqual(
      heard.find((f) => f.id === small.flow.flowId),
      { ...summarizeFlow(small.flow), sniffedType: 'text/plain' }, // sniffed by the analyzer
    );

    // A replay after the duplicate window (new msgID) changes nothing and announces nothing.
    await fx.publish(small, { msgID: `replay-${small.flow.flowId}` });
    await waitUntil(() => ingest.stats.duplicates === 1, { what: 'replay processed' });
    assert.equal(await fx.count('flows'), 2);
    assert.equal(await fx.count('bodies'), 2);
    assert.equal(heard.length, 2);
  });

  it('stores a flow whose BODIES object is bogus without that body, flagged', async (t) => {
    const defer = deferrer(t);
    const fx = await createIngestFixture();
    defer(() => fx.close());
    const store = createFlowStore({ db: fx.mdb.db, log });
    const ingest = createIngest({ nc: fx.nc, store, log });
    defer(() => ingest.stop());
    await ingest.start();
    const big = sampleFlow({ responseBody: new Uint8Array(200_000).fill(0x42) });
    // a malicious sensor's meta record: the name's digest over other bytes
    const [sha] = [...big.refBodies.keys()];
    const digest = Buffer.from(sha!, 'hex')
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    await putBody(jetstream(fx.nc), sha!, new Uint8Array(200_000), { digest: `SHA-256=${digest}` });
    await fx.publishRaw(flowSubject(big.flow.sensorId), JSON.stringify(big.flow), big.flow.flowId);
    await waitUntil(async () => (await fx.count('flows')) === 1, { what: 'flow stored' });
    assert.equal(await fx.count('dead_letters'), 0);
    assert.equal(await fx.count('bodies'), 0);
    const row = await sql<Record<string, unknown>>`SELECT * FROM flows`.execute(fx.mdb.db);
    assert.ok(
      JSON.stringify(row.rows[0]).includes(
        `response-body-dropped:len=200000,sha256=${sha},reason=object-store-bad`,
      ),
      JSON.stringify(row.rows[0]),
    );
  });

  it('dead-letters poison messages with their reason and keeps going', async (t) => {
    const defer = deferrer(t);
    const fx = await createIngestFixture();
    defer(() => fx.close());
    const store = createFlowStore({ db: fx.mdb.db, log });
    const metrics = createAnalyzerMetrics({ processMetrics: false });
    const ingest = createIngest({
      nc: fx.nc,
      store,
      log,
      metrics: metrics.ingest,
      options: { missingBodyDeliveries: 1 },
    });
    defer(() => ingest.stop());
    await ingest.start();

    const impostor = sampleFlow({ sensorId: 'gw-2' });
    const lying = sampleFlow({ responseBody: Buffer.from('abc') });
    lying.flow.response!.body = { ...lying.flow.response!.body!, sha256: '0'.repeat(64) };
    const noBody = sampleFlow({ responseBody: new Uint8Array(100_000) });
    await fx.publishRaw(flowSubject('gw-1'), '{not json');
    await fx.publishRaw(flowSubject('gw-1'), JSON.stringify({ v: 1, flowId: 'x' }));
    await fx.publish(impostor, { subjectSensor: 'gw-1' });
    await fx.publish(lying);
    await fx.publishRaw('honeyproxy.flows.v1.bad$id', JSON.stringify(sampleFlow().flow));
    await fx.publishRaw(flowSubject(noBody.flow.sensorId), JSON.stringify(noBody.flow)); // body never uploaded
    const good = sampleFlow();
    await fx.publish(good);

    await waitUntil(async () => (await fx.count('dead_letters')) === 6, { what: '6 dead letters' });
    await waitUntil(async () => (await store.get(good.flow.flowId)) !== undefined, {
      what: 'the good flow',
    });
    const { rows } = await sql<{
      subject: string;
      reason: string;
      payload: Buffer;
    }>`SELECT subject, reason, payload FROM dead_letters ORDER BY id`.execute(fx.mdb.db);
    const reasons = rows.map((r) => r.reason).join('\n');
    assert.match(reasons, /not valid UTF-8 JSON/);
    assert.match(reasons, /invalid flow message at \//);
    assert.match(reasons, /payload sensorId "gw-2" differs from subject sensor "gw-1"/);
    assert.match(reasons, /do not match its sha256/);
    assert.match(reasons, /not a sensor flow subject/);
    assert.match(reasons, /missing from the object store/);
    assert.ok(
      rows.some((r) => r.payload.toString() === '{not json'),
      'payload kept whole',
    );
    assert.equal(await fx.count('flows'), 1);
    assert.equal(await store.get(impostor.flow.flowId), undefined);
    const exposition = (await metrics.render()).body;
    assert.match(exposition, /^honeyproxy_analyzer_dead_letters_total 6$/m);
    assert.match(exposition, /^honeyproxy_analyzer_flows_stored_total 1$/m);
    assert.match(exposition, /^honeyproxy_analyzer_flows_received_total \d+$/m);
    const jsm = await jetstreamManager(fx.nc);
    await waitUntil(async () => (await jsm.streams.info('FLOWS')).state.messages === 0, {
      what: 'terminated messages leave the work queue',
    });
  });

  it('shares one consumer between two analyzers: every flow stored exactly once', async (t) => {
    const defer = deferrer(t);
    const fx = await createIngestFixture();
    defer(() => fx.close());
    const second = await connect({ servers: fx.nats.url });
    defer(() => second.close());
    const a = createIngest({
      nc: fx.nc,
      store: createFlowStore({ db: fx.mdb.db, log }),
      log,
      options: { batchSize: 50 },
    });
    const b = createIngest({
      nc: second,
      store: createFlowStore({ db: fx.mdb.db, log }),
      log,
      options: { batchSize: 50 },
    });
    defer(() => Promise.all([a.stop(), b.stop()]));
    await Promise.all([a.start(), b.start()]);

    const n = 1000;
    await Promise.all(
      Array.from({ length: n }, () =>
        fx.publish(sampleFlow({ responseBody: Buffer.from(String(Math.random())) })),
      ),
    );
    await waitUntil(async () => (await fx.count('flows')) === n, {
      what: `${n} flows`,
      timeoutMs: 40_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await fx.count('flows'), n);
    assert.equal(a.stats.stored + b.stats.stored, n, `a ${a.stats.stored} + b ${b.stats.stored}`);
    assert.equal(a.stats.duplicates + b.stats.duplicates, 0);
  });

  it('keeps messages unacknowledged while Postgres is unavailable and stores them afterwards', async (t) => {
    const defer = deferrer(t);
    const fx = await createIngestFixture();
    defer(() => fx.close());
    // The store points at a database that does not exist yet (as if Postgres were down).
    const missingUrl = fx.mdb.url.replace(/\/([^/]+)$/, '/$1_later');
    const { createDatabase, ensureDatabaseExists } = await import('../db/create-database.js');
    const { migrateToLatest } = await import('../db/migrate.js');
    const db = createDatabase(missingUrl, { max: 2 });
    defer(async () => {
      await db.destroy();
      const admin = new pg.Client({ connectionString: TEST_PG_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${missingUrl.split('/').at(-1)!}" WITH (FORCE)`);
      await admin.end();
    });
    const ingest = createIngest({
      nc: fx.nc,
      store: createFlowStore({ db, log }),
      log,
      options: { nakBaseMs: 100, nakMaxMs: 300 },
    });
    defer(() => ingest.stop());
    await ingest.start();

    const flows = Array.from({ length: 20 }, () => sampleFlow({ responseBody: Buffer.from('x') }));
    for (const f of flows) await fx.publish(f);
    await waitUntil(() => ingest.stats.retried >= 40, { what: 'redeliveries' });
    const jsm = await jetstreamManager(fx.nc);
    assert.equal((await jsm.streams.info('FLOWS')).state.messages, 20, 'nothing acknowledged');

    assert.equal(await ensureDatabaseExists(missingUrl, log), true);
    await migrateToLatest(db, log);
    await waitUntil(() => ingest.stats.stored === 20, { what: 'all flows stored after recovery' });
    const stored = await sql<{ n: string }>`SELECT count(*) AS n FROM flows`.execute(db);
    assert.equal(Number(stored.rows[0]?.n), 20);
    await waitUntil(async () => (await jsm.streams.info('FLOWS')).state.messages === 0, {
      what: 'stream drained',
    });
  });

  it('records heartbeats whose subject matches the sensor, and ignores others', async (t) => {
    const defer = deferrer(t);
    const fx = await createIngestFixture();
    defer(() => fx.close());
    const sensors = createSensorStore({ db: fx.mdb.db });
    startHeartbeatListener(fx.nc, sensors, log);
    await fx.nc.flush();
    const hb = (sensorId: string, caPem: string) =>
      JSON.stringify({
        v: 1,
        sensorId,
        version: '0.1.0',
        mode: 'both',
        startedAt: 1,
        sentAt: Date.now(),
        caPem,
        caSha256: Array(32).fill('AA').join(':'),
        counters: { captured: 3, published: 3, errors: 0 },
        backlog: 0,
        alarms: [],
      });
    fx.nc.publish(heartbeatSubject('gw-9'), hb('gw-8', 'SPOOFED'));
    fx.nc.publish(heartbeatSubject('gw-9'), '{"v":1}');
    fx.nc.publish(heartbeatSubject('gw-9'), hb('gw-9', 'REAL CA'));
    await waitUntil(async () => (await fx.count('sensors')) === 1, { what: 'sensor row' });
    assert.equal(await sensors.latestCaPem(), 'REAL CA');
  });
});
