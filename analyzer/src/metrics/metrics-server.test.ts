/** The unauthenticated metrics listener (--metrics-listen) and its setting. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '@honeyproxy/testkit';
import { loadAnalyzerConfig } from '../config.js';
import { createAnalyzerMetrics } from './analyzer-metrics.js';
import { startMetricsServer } from './metrics-server.js';

describe('metrics listener', { timeout: 20_000 }, () => {
  it('serves /metrics without credentials and nothing else', async (t) => {
    const metrics = createAnalyzerMetrics({ processMetrics: false });
    metrics.ingest.stored(3);
    const port = await freePort();
    const server = await startMetricsServer(metrics, { host: '127.0.0.1', port });
    t.after(() => server.close());
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await res.text(), /^honeyproxy_analyzer_flows_stored_total 3$/m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/flows`)).status, 404);
  });

  it('reads --metrics-listen as host:port or off', () => {
    const on = loadAnalyzerConfig(['--metrics-listen', '127.0.0.1:9464'], {}).config;
    assert.deepEqual(on.metricsListen, { host: '127.0.0.1', port: 9464 });
    assert.equal(loadAnalyzerConfig([], {}).config.metricsListen, undefined);
    assert.equal(
      loadAnalyzerConfig([], { HONEYPROXY_METRICS_LISTEN: 'off' }).config.metricsListen,
      undefined,
    );
    assert.throws(() => loadAnalyzerConfig(['--metrics-listen', '9464'], {}), /metrics-listen/);
  });
});
