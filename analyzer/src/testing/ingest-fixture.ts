/**
 * A private nats-server + migrated database + NATS connection for ingest tests, with helpers to
 * publish flows the way a sensor does (big bodies into BODIES first, msgID = flowId).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { startNatsServer, type NatsServer } from '@honeyproxy/testkit';
import { flowSubject } from '@honeyproxy/protocol';
import { sql } from 'kysely';
import { createMigratedDatabase, type MigratedDatabase } from './migrated-database.js';
import { putBody } from './put-body.js';
import type { SampleFlow } from '@honeyproxy/testkit';

export interface IngestFixture {
  nats: NatsServer;
  nc: NatsConnection;
  mdb: MigratedDatabase;
  /** Publishes like a sensor: ref bodies to BODIES, then the flow with msgID = flowId. */
  publish(sample: SampleFlow, options?: { subjectSensor?: string; msgID?: string }): Promise<void>;
  publishRaw(subject: string, payload: string | Uint8Array, msgID?: string): Promise<void>;
  count(table: 'flows' | 'bodies' | 'dead_letters' | 'sensors'): Promise<number>;
  close(): Promise<void>;
}

export async function createIngestFixture(): Promise<IngestFixture> {
  const nats = await startNatsServer();
  const mdb = await createMigratedDatabase();
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const publishRaw = async (subject: string, payload: string | Uint8Array, msgID?: string) => {
    await js.publish(subject, payload, msgID ? { msgID } : {});
  };
  return {
    nats,
    nc,
    mdb,
    publishRaw,
    async publish(sample, options = {}) {
      // BODIES exists once ingest (ensureJetStream) has started
      for (const [sha, data] of sample.refBodies) await putBody(js, sha, data);
      await publishRaw(
        flowSubject(options.subjectSensor ?? sample.flow.sensorId),
        JSON.stringify(sample.flow),
        options.msgID ?? sample.flow.flowId,
      );
    },
    async count(table) {
      return Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(mdb.db))
          .rows[0]?.n,
      );
    },
    async close() {
      await nc.close();
      await nats.close();
      await mdb.close();
    },
  };
}
