/**
 * The analyzer's Prometheus metrics (prom-client, one registry per analyzer so tests and standalone
 * can build several): what ingest did (flows received, stored, duplicates, dead letters, retries,
 * batch sizes and commit times), how far behind it is (the consumer's pending and unacknowledged
 * messages, asked from JetStream at scrape time), fleet state from the heartbeats, and the Node
 * process's own metrics.
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
} from 'prom-client';
import type { SensorList } from '@honeyproxy/protocol';

/** What ingest reports (implemented by the Prometheus metrics; a no-op by default). */
export interface IngestMetrics {
  received(count: number): void;
  stored(count: number): void;
  duplicates(count: number): void;
  deadLettered(count: number): void;
  retried(count: number, why: string): void;
  batch(size: number, seconds: number): void;
}

/** The durable consumer's backlog as JetStream reports it. */
export interface ConsumerLag {
  /** Messages in FLOWS not yet delivered to any analyzer. */
  pending: number;
  /** Delivered, not yet acknowledged. */
  ackPending: number;
  /** Redelivered at least once and not yet acknowledged. */
  redelivered: number;
}

export interface AnalyzerMetricsSources {
  /** Asked at every scrape; undefined while NATS is away (the gauges then keep no value). */
  consumerLag?: () => Promise<ConsumerLag | undefined>;
  sensors?: () => Promise<SensorList>;
}

export interface AnalyzerMetrics {
  readonly registry: Registry;
  readonly ingest: IngestMetrics;
  /** Late sources (NATS connects after the HTTP server is up). */
  setSources(sources: AnalyzerMetricsSources): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const PREFIX = 'honeyproxy_analyzer_';

export function createAnalyzerMetrics(options: { processMetrics?: boolean } = {}): AnalyzerMetrics {
  const registry = new Registry();
  let sources: AnalyzerMetricsSources = {};
  const counter = (name: string, help: string, extra: Partial<CounterConfiguration<string>> = {}) =>
    new Counter({ name: PREFIX + name, help, registers: [registry], ...extra });

  const received = counter('flows_received_total', 'Flow messages pulled from JetStream');
  const stored = counter('flows_stored_total', 'Flows newly stored in PostgreSQL');
  const duplicates = counter(
    'flows_duplicate_total',
    'Flows delivered again that were already stored (replays, redeliveries)',
  );
  const deadLetters = counter(
    'dead_letters_total',
    'Messages written to dead_letters (invalid, impostor, undecodable, refused by the database)',
  );
  const retried = counter(
    'flows_retried_total',
    'Messages handed back for redelivery (database down, body not yet in BODIES, errors)',
    { labelNames: ['reason'] },
  );
  const batchSize = new Histogram({
    name: `${PREFIX}batch_size`,
    help: 'Messages per ingest batch',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: `${PREFIX}batch_duration_seconds`,
    help: 'Time from a batch being pulled to it being committed and acknowledged',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const lagGauge = (name: string, help: string, pick: (l: ConsumerLag) => number) =>
    new Gauge({
      name: PREFIX + name,
      help,
      registers: [registry],
      async collect() {
        const lag = await sources.consumerLag?.().catch(() => undefined);
        if (lag) this.set(pick(lag));
        else this.reset();
      },
    });
  lagGauge(
    'ingest_pending_messages',
    'Flows in FLOWS not yet delivered to an analyzer (consumer num_pending): the ingest lag',
    (l) => l.pending,
  );
  lagGauge(
    'ingest_ack_pending_messages',
    'Flows delivered to analyzers and not yet acknowledged',
    (l) => l.ackPending,
  );
  lagGauge(
    'ingest_redelivered_messages',
    'Unacknowledged flows delivered more than once',
    (l) => l.redelivered,
  );

  new Gauge({
    name: `${PREFIX}sensors`,
    help: 'Sensors by state from their last heartbeat',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const list = await sources.sensors?.().catch(() => undefined);
      this.reset();
      if (!list) return;
      for (const state of ['online', 'stale', 'alarm'] as const)
        this.set({ state }, list.sensors.filter((s) => s.state === state).length);
    },
  });
  new Gauge({
    name: `${PREFIX}sensor_backlog_flows`,
    help: "Flows in each sensor's spool not yet acknowledged by JetStream (last heartbeat)",
    labelNames: ['sensor'],
    registers: [registry],
    async collect() {
      const list = await sources.sensors?.().catch(() => undefined);
      this.reset();
      for (const s of list?.sensors ?? []) this.set({ sensor: s.id }, s.backlog);
    },
  });

  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });

  return {
    registry,
    ingest: {
      received: (n) => received.inc(n),
      stored: (n) => stored.inc(n),
      duplicates: (n) => duplicates.inc(n),
      deadLettered: (n) => deadLetters.inc(n),
      retried: (n, why) => retried.inc({ reason: why }, n),
      batch(size, seconds) {
        batchSize.observe(size);
        batchSeconds.observe(seconds);
      },
    },
    setSources(next) {
      sources = next;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
