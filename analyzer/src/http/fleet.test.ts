/** Fleet health, dead letters and metrics over HTTP: states from heartbeats, admin-only letters. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { deadLetterPageCodec, sensorListCodec, type SensorHeartbeat } from '@honeyproxy/protocol';
import { sampleFlow } from '@honeyproxy/testkit';
import { ADMIN, apiError, basic, httpFixtureSuite, VIEWER } from '../testing/http-fixture.js';
import { createDeadLetterStore } from '../store/dead-letter-store.js';
import { createAnalyzerMetrics } from '../metrics/analyzer-metrics.js';
import { STALE_AFTER_MS } from '../store/sensor-store.js';

function heartbeat(sensorId: string, extra: Partial<SensorHeartbeat> = {}): SensorHeartbeat {
  const now = Date.now();
  return {
    v: 1,
    sensorId,
    version: '1.2.3',
    mode: 'transparent',
    startedAt: now - 60_000,
    sentAt: now,
    caPem: 'PEM',
    caSha256: Array(32).fill('AB').join(':'),
    counters: { captured: 10, published: 8, errors: 1, spooled: 10, droppedBodies: 0 },
    backlog: 0,
    alarms: [],
    ...extra,
  };
}

describe('fleet API', { timeout: 60_000 }, () => {
  const flowStart = Date.now() - 5000;
  const fx = httpFixtureSuite(async ({ sensors, store, mdb }) => {
    await sensors.recordHeartbeat(heartbeat('gw-online'));
    await sensors.recordHeartbeat(heartbeat('gw-alarm', { alarms: ['spool budget reached'] }));
    await sensors.recordHeartbeat(heartbeat('gw-behind', { backlog: 1200, spoolBytes: 5_000_000 }));
    await sensors.recordHeartbeat(heartbeat('gw-gone'));
    await sql`UPDATE sensors SET last_seen = now() - make_interval(secs => ${(STALE_AFTER_MS + 5000) / 1000}) WHERE id = 'gw-gone'`.execute(
      mdb.db,
    );
    const flow = sampleFlow({ sensorId: 'gw-behind', start: flowStart });
    await store.insertBatch([{ sensorId: 'gw-behind', flow: flow.flow, bodies: flow.refBodies }]);
    await store.insertDeadLetters([
      {
        subject: 'honeyproxy.flows.v1.gw-online',
        reason: 'payload sensorId "gw-x" differs from subject sensor "gw-online"',
        payload: new Uint8Array(10_000).fill(0x41),
        streamSeq: 7,
        deliveryCount: 1,
      },
      { subject: 'honeyproxy.flows.v1.gw-online', reason: 'not JSON', payload: Buffer.from('{x') },
    ]);
  });

  it('reports every sensor as online, stale or alarm, with its counters and lag', async () => {
    const res = await fx().app.inject({
      url: '/api/sensors',
      headers: { authorization: basic(VIEWER) },
    });
    assert.equal(res.statusCode, 200);
    const list = sensorListCodec.decode(res.json());
    const byId = new Map(list.sensors.map((s) => [s.id, s]));
    assert.deepEqual(
      list.sensors.map((s) => [s.id, s.state]),
      [
        ['gw-alarm', 'alarm'],
        ['gw-behind', 'online'],
        ['gw-gone', 'stale'],
        ['gw-online', 'online'],
      ],
    );
    assert.equal(list.staleAfterMs, 30_000);
    const online = byId.get('gw-online')!;
    assert.equal(online.version, '1.2.3');
    assert.equal(online.mode, 'transparent');
    assert.equal(online.uptimeMs, 60_000);
    assert.deepEqual(online.counters, {
      captured: 10,
      published: 8,
      errors: 1,
      spooled: 10,
      droppedBodies: 0,
    });
    assert.equal(online.caSha256, Array(32).fill('AB').join(':'));
    assert.equal(online.lagMs, 0);
    assert.equal(online.lastFlowAt, null);
    assert.deepEqual(byId.get('gw-alarm')!.alarms, ['spool budget reached']);
    const behind = byId.get('gw-behind')!;
    assert.equal(behind.backlog, 1200);
    assert.equal(behind.spoolBytes, 5_000_000);
    assert.equal(online.spoolBytes, undefined);
    assert.equal(behind.lastFlowAt, flowStart);
    assert.ok(behind.lagMs !== null && behind.lagMs >= 5000 && behind.lagMs < 60_000);
  });

  it('shows dead letters to admins only, newest first, with the whole payload as a download', async () => {
    const app = await fx().build({ deadLetters: createDeadLetterStore({ db: fx().mdb.db }) });
    const asViewer = await app.inject({
      url: '/api/dead-letters',
      headers: { authorization: basic(VIEWER) },
    });
    assert.equal(asViewer.statusCode, 403);
    assert.equal(apiError(asViewer).error, 'forbidden');

    const res = await app.inject({
      url: '/api/dead-letters?limit=1',
      headers: { authorization: basic(ADMIN) },
    });
    assert.equal(res.statusCode, 200);
    const page = deadLetterPageCodec.decode(res.json());
    assert.equal(page.total, 2);
    assert.equal(page.deadLetters[0]?.reason, 'not JSON');
    assert.ok(page.next !== null);
    const older = deadLetterPageCodec.decode(
      (
        await app.inject({
          url: `/api/dead-letters?limit=1&before=${page.next}`,
          headers: { authorization: basic(ADMIN) },
        })
      ).json(),
    );
    const letter = older.deadLetters[0]!;
    assert.match(letter.reason, /differs from subject sensor/);
    assert.equal(letter.streamSeq, 7);
    assert.equal(letter.payloadLen, 10_000);
    assert.equal(Buffer.from(letter.payloadPreview, 'base64').length, 4096);
    assert.equal(older.next, null);

    const download = await app.inject({
      url: `/api/dead-letters/${letter.id}/payload`,
      headers: { authorization: basic(ADMIN) },
    });
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/octet-stream');
    assert.match(String(download.headers['content-disposition']), /^attachment/);
    assert.equal(download.rawPayload.length, 10_000);
    const viewerDownload = await app.inject({
      url: `/api/dead-letters/${letter.id}/payload`,
      headers: { authorization: basic(VIEWER) },
    });
    assert.equal(viewerDownload.statusCode, 403);
  });

  it('serves Prometheus metrics behind the API credentials', async () => {
    const metrics = createAnalyzerMetrics();
    metrics.setSources({
      sensors: () => fx().sensors.list(),
      consumerLag: () => Promise.resolve({ pending: 42, ackPending: 3, redelivered: 1 }),
    });
    metrics.ingest.received(500);
    metrics.ingest.stored(498);
    metrics.ingest.deadLettered(2);
    metrics.ingest.retried(5, 'database');
    metrics.ingest.batch(500, 0.04);
    const app = await fx().build({ metrics });
    assert.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
    const res = await app.inject({ url: '/metrics', headers: { authorization: basic(VIEWER) } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const text = res.body;
    for (const line of [
      'honeyproxy_analyzer_flows_received_total 500',
      'honeyproxy_analyzer_flows_stored_total 498',
      'honeyproxy_analyzer_dead_letters_total 2',
      'honeyproxy_analyzer_flows_retried_total{reason="database"} 5',
      'honeyproxy_analyzer_batch_size_count 1',
      'honeyproxy_analyzer_ingest_pending_messages 42',
      'honeyproxy_analyzer_ingest_ack_pending_messages 3',
      'honeyproxy_analyzer_sensors{state="stale"} 1',
      'honeyproxy_analyzer_sensors{state="online"} 2',
      'honeyproxy_analyzer_sensor_backlog_flows{sensor="gw-behind"} 1200',
    ]) {
      assert.ok(text.includes(`\n${line}\n`), `${line} in\n${text.slice(0, 3000)}`);
    }
    assert.match(text, /honeyproxy_analyzer_process_resident_memory_bytes \d+/);
  });
});
