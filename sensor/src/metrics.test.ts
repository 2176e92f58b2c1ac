/** The sensor's /metrics endpoint: Prometheus text with the spool and publishing figures. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@honeyproxy/common';
import { loadSensorConfig } from './config.js';
import { createSensorMetrics, startMetricsServer } from './metrics.js';
import type { PublisherStats } from './publisher-stats.js';

const log = createLogger({ name: 'metrics-test', level: 'silent' });

const publisher: PublisherStats = {
  spooled: 120,
  published: 100,
  droppedBodies: 3,
  dropped: 1,
  publishErrors: 7,
  backlog: 20,
  spoolBytes: 5_000_000,
  spoolMaxBytes: 10 * 1024 ** 3,
  spoolSyncs: 42,
  spoolSkipped: 0,
  problem: 'NATS unreachable',
  alarms: ['NATS unreachable', '3 flows kept without bodies: spool full'],
};

describe('sensor metrics', { timeout: 30_000 }, () => {
  it('serves counters, spool depth and publish latency in Prometheus text format', async (t) => {
    let captured = 118;
    const metrics = createSensorMetrics({
      sensor: () => ({ captured, failedFlows: 2, errors: 1, inProgress: 4 }),
      publisher: () => publisher,
      natsConnected: () => false,
    });
    metrics.observePublish(0.003);
    metrics.observePublish(0.2);
    const server = await startMetricsServer({
      listen: { host: '127.0.0.1', port: 0 },
      metrics,
      log,
    });
    t.after(() => server.close());
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (name: string) => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      assert.ok(m, `${name} in:\n${text}`);
      return Number(m[1]);
    };
    assert.equal(value('honeyproxy_sensor_flows_captured_total'), 118);
    assert.equal(value('honeyproxy_sensor_flows_spooled_total'), 120);
    assert.equal(value('honeyproxy_sensor_flows_published_total'), 100);
    assert.equal(value('honeyproxy_sensor_flows_dropped_bodies_total'), 3);
    assert.equal(value('honeyproxy_sensor_flows_dropped_total'), 1);
    assert.equal(value('honeyproxy_sensor_errors_total'), 1);
    assert.equal(value('honeyproxy_sensor_publish_errors_total'), 7);
    assert.equal(value('honeyproxy_sensor_spool_records'), 20);
    assert.equal(value('honeyproxy_sensor_spool_bytes'), 5_000_000);
    assert.equal(value('honeyproxy_sensor_spool_max_bytes'), 10 * 1024 ** 3);
    assert.equal(value('honeyproxy_sensor_alarms'), 2);
    assert.equal(value('honeyproxy_sensor_nats_connected'), 0);
    assert.equal(value('honeyproxy_sensor_publish_latency_seconds_count'), 2);
    assert.equal(value('honeyproxy_sensor_publish_latency_seconds_bucket\\{le="0.005"\\}'), 1);
    assert.ok(value('process_resident_memory_bytes') > 0);
    assert.match(text, /^# TYPE honeyproxy_sensor_flows_captured_total counter$/m);

    captured = 130; // read when scraped, not when counted
    const again = await (await fetch(server.url)).text();
    assert.match(again, /^honeyproxy_sensor_flows_captured_total 130$/m);

    assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
  });

  it('is off unless --metrics-listen names an address', () => {
    assert.equal(loadSensorConfig([], {}).config.metricsListen, undefined);
    const { config } = loadSensorConfig(['--metrics-listen', '127.0.0.1:9464'], {
      HONEYPROXY_SPOOL_MAX: '512MiB',
    });
    assert.deepEqual(config.metricsListen, { host: '127.0.0.1', port: 9464 });
    assert.equal(config.spoolMax, 512 * 1024 * 1024);
    assert.equal(config.spoolDir, `${config.dataDir}/spool`);
    assert.deepEqual(
      loadSensorConfig(['--metrics-listen', '[::1]:9100'], {}).config.metricsListen,
      { host: '::1', port: 9100 },
    );
    assert.throws(() => loadSensorConfig(['--metrics-listen', 'nowhere'], {}), /metrics-listen/);
    assert.throws(() => loadSensorConfig(['--spool-max', '10k'], {}), /spool-max/);
  });
});
