/**
 * Creates the JetStream stream and object store the way the analyzer does (the sensor never
 * creates them): FLOWS on honeyproxy.flows.v1.*, file storage, work-queue retention, 15 min
 * duplicate window; object store BODIES, rollups refused.
 */
import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { BODIES_BUCKET, FLOW_SUBJECTS, FLOWS_STREAM } from '@honeyproxy/protocol';

export async function createAnalyzerStreams(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: FLOWS_STREAM,
    subjects: [FLOW_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    duplicate_window: 15 * 60 * 1_000_000_000,
  });
  await new Objm(nc).create(BODIES_BUCKET, { storage: StorageType.File });
  // as the analyzer leaves it: no rollups (analyzer/src/ingest/jetstream-setup.ts)
  const { config } = await jsm.streams.info(`OBJ_${BODIES_BUCKET}`);
  await jsm.streams.update(config.name, { ...config, allow_rollup_hdrs: false });
}
