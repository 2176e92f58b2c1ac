/**
 * Creates (idempotently) what ingest relies on: the FLOWS work-queue stream, the BODIES object store
 * and the durable pull consumer shared by every analyzer instance. Safe to run from any number of
 * analyzers (and sensors) at once: existing resources are kept, and a stream created elsewhere with
 * different settings is used as it is, with a warning naming the difference.
 */
import {
  AckPolicy,
  DiscardPolicy,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@honeyproxy/common';
import {
  BODIES_BUCKET,
  BODIES_STREAM,
  FLOW_SUBJECTS,
  FLOWS_STREAM,
  INGEST_CONSUMER,
} from '@honeyproxy/protocol';

export interface JetStreamHandles {
  js: JetStreamClient;
  jsm: JetStreamManager;
  bodies: ObjectStore;
}

export interface JetStreamSetupOptions {
  /** How long a delivered, unacknowledged message waits before redelivery (default 60 s). */
  ackWaitMs?: number;
  /** Unacknowledged messages across all analyzers (default 20 000). */
  maxAckPending?: number;
}

const DUPLICATE_WINDOW_MS = 15 * 60_000;

function isNotFound(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamNotFound ||
      err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

/**
 * nats.js creates object store streams accepting the rollup header (its meta records use it), but
 * sensors publish into BODIES, and one `Nats-Rollup: all` from a sensor would wipe every body:
 * the stream refuses rollups (sensors write meta records without it, sensor/src/body-upload.ts).
 * Applied to a stream created earlier too. Sensors look meta records up by direct get, so the
 * stream must allow those (nats.js turns it on).
 */
async function lockBodiesStream(jsm: JetStreamManager, log: Logger): Promise<void> {
  const stream = BODIES_STREAM;
  const { config } = await jsm.streams.info(stream);
  if (config.allow_rollup_hdrs || !config.allow_direct) {
    await jsm.streams.update(stream, { ...config, allow_rollup_hdrs: false, allow_direct: true });
    log.info({ stream }, 'object store stream updated: rollups refused, direct gets allowed');
  }
}

export async function ensureJetStream(
  nc: NatsConnection,
  log: Logger,
  options: JetStreamSetupOptions = {},
): Promise<JetStreamHandles> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);

  try {
    const info = await jsm.streams.info(FLOWS_STREAM);
    const c = info.config;
    const differences = [
      c.retention !== RetentionPolicy.Workqueue && 'retention',
      c.discard !== DiscardPolicy.New && 'discard',
      c.storage !== StorageType.File && 'storage',
      !c.subjects?.includes(FLOW_SUBJECTS) && 'subjects',
    ].filter(Boolean);
    if (differences.length > 0)
      log.warn({ stream: FLOWS_STREAM, differences }, 'stream exists with unexpected settings');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add({
      name: FLOWS_STREAM,
      subjects: [FLOW_SUBJECTS],
      storage: StorageType.File,
      retention: RetentionPolicy.Workqueue,
      discard: DiscardPolicy.New,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
    log.info({ stream: FLOWS_STREAM }, 'stream created');
  }

  const bodies = await new Objm(js).create(BODIES_BUCKET, { storage: StorageType.File });
  await lockBodiesStream(jsm, log);

  const ackWait = options.ackWaitMs ?? 60_000;
  const consumer = {
    durable_name: INGEST_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWait),
    // Never give up on a message: a long Postgres outage must not turn into lost flows. Poison
    // messages become dead letters instead. (The server refuses a `backoff` list without a finite
    // max_deliver, so back-off comes from the delays ingest gives its naks.)
    max_deliver: -1,
    max_ack_pending: options.maxAckPending ?? 20_000,
  };
  try {
    await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.consumers.add(FLOWS_STREAM, consumer);
      log.info({ consumer: INGEST_CONSUMER }, 'consumer created');
    } catch (addErr) {
      // Another analyzer created it in the meantime: fine if it now exists.
      await jsm.consumers.info(FLOWS_STREAM, INGEST_CONSUMER).catch(() => {
        throw addErr;
      });
    }
  }
  return { js, jsm, bodies };
}
