/**
 * The sensor's Prometheus endpoint (`--metrics-listen`, GET /metrics): flows captured, spooled,
 * published, dropped; spool depth and bytes; publish latency; errors; and the process's CPU and
 * memory. Counters are read from the components' own statistics when scraped, so capturing costs
 * nothing extra per flow; only the publish-latency histogram is fed as acks arrive.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ListenAddress } from '@honeyproxy/common';
import type { PublisherStats } from './publisher-stats.js';
import type { SensorStats } from './sensor.js';

export interface MetricsSources {
  readonly sensor: () =>
    Pick<SensorStats, 'captured' | 'failedFlows' | 'errors' | 'inProgress'> | undefined;
  readonly publisher: () => PublisherStats | undefined;
  readonly natsConnected: () => boolean;
}

export interface SensorMetrics {
  readonly registry: Registry;
  /** Feed with each acknowledged publish's latency in seconds. */
  readonly observePublish: (seconds: number) => void;
}

type Read = () => number | undefined;

export function createSensorMetrics(sources: MetricsSources): SensorMetrics {
  const registry = new Registry();
  const counter = (name: string, help: string, read: Read) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const value = read();
        this.reset();
        if (value !== undefined) this.inc(value);
      },
    });
  const gauge = (name: string, help: string, read: Read) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const value = read();
        if (value !== undefined) this.set(value);
      },
    });
  const s = sources.sensor;
  const p = sources.publisher;
  const prefix = 'honeyproxy_sensor_';
  counter(
    `${prefix}flows_captured_total`,
    'Flows captured and handed to the spool',
    () => s()?.captured,
  );
  counter(
    `${prefix}flows_failed_total`,
    'Captured flows that carry an error (aborts, unreachable servers, TLS failures)',
    () => s()?.failedFlows,
  );
  counter(
    `${prefix}errors_total`,
    'Flows that could not be built or were refused (each logged)',
    () => s()?.errors,
  );
  gauge(
    `${prefix}exchanges_in_progress`,
    'Exchanges started and not yet finished',
    () => s()?.inProgress,
  );
  counter(`${prefix}flows_spooled_total`, 'Flows appended to the disk spool', () => p()?.spooled);
  counter(
    `${prefix}flows_published_total`,
    'Flows acknowledged by JetStream',
    () => p()?.published,
  );
  counter(
    `${prefix}flows_dropped_bodies_total`,
    'Flows kept without their bodies because the spool was nearly full',
    () => p()?.droppedBodies,
  );
  counter(
    `${prefix}flows_dropped_total`,
    'Flows refused (spool full) or unpublishable (over NATS max_payload)',
    () => p()?.dropped,
  );
  counter(
    `${prefix}publish_errors_total`,
    'Failed publish attempts (retried)',
    () => p()?.publishErrors,
  );
  gauge(
    `${prefix}spool_records`,
    'Flows in the spool not yet acknowledged by JetStream',
    () => p()?.backlog,
  );
  gauge(`${prefix}spool_bytes`, 'Bytes the spool takes on disk', () => p()?.spoolBytes);
  gauge(
    `${prefix}spool_max_bytes`,
    'Disk budget of the spool (--spool-max)',
    () => p()?.spoolMaxBytes,
  );
  counter(`${prefix}spool_fsyncs_total`, 'fsyncs of the spool (batched)', () => p()?.spoolSyncs);
  counter(
    `${prefix}spool_skipped_records_total`,
    'Damaged or torn spool records skipped',
    () => p()?.spoolSkipped,
  );
  gauge(`${prefix}alarms`, 'Alarms the heartbeat reports', () => p()?.alarms.length);
  gauge(`${prefix}nats_connected`, '1 while connected to NATS', () =>
    sources.natsConnected() ? 1 : 0,
  );
  counter('process_cpu_seconds_total', 'User and system CPU time of the process', () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  });
  gauge('process_resident_memory_bytes', 'Resident set size', () => process.memoryUsage.rss());
  gauge('nodejs_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed);
  const latency = new Histogram({
    name: `${prefix}publish_latency_seconds`,
    help: 'Time from publishing a flow to its JetStream acknowledgement',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, observePublish: (seconds) => latency.observe(seconds) };
}

export interface MetricsServer {
  /** http://host:port/metrics */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics on `listen`; rejects if the address cannot be bound. */
export async function startMetricsServer(options: {
  readonly listen: ListenAddress;
  readonly metrics: SensorMetrics;
  readonly log: Logger;
}): Promise<MetricsServer> {
  const { listen, metrics, log } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
