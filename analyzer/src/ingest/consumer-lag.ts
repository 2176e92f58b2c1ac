/**
 * The ingest consumer's backlog for /metrics, asked from JetStream at scrape time (bounded by a
 * short timeout, so a scrape during a NATS outage answers without these gauges instead of hanging).
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { FLOWS_STREAM, INGEST_CONSUMER } from '@honeyproxy/protocol';
import type { ConsumerLag } from '../metrics/analyzer-metrics.js';

export function consumerLag(nc: NatsConnection): () => Promise<ConsumerLag | undefined> {
  let jsm: JetStreamManager | undefined;
  return async () => {
    try {
      jsm ??= await jetstreamManager(nc, { timeout: 2000 });
      const info = await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER);
      return {
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    } catch {
      return undefined;
    }
  };
}
