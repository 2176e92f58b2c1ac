/**
 * Sensors as the analyzer knows them: the last heartbeat of each (upserted on every heartbeat) and
 * the CA certificate their clients must trust, served by /api/ca.pem.
 */
import { sql, type Kysely } from 'kysely';
import type { SensorHeartbeat } from '@honeyproxy/protocol';
import type { Database } from '../db/database.js';
import { sanitizeJson } from './sanitize-json.js';

export interface SensorStore {
  recordHeartbeat(heartbeat: SensorHeartbeat): Promise<void>;
  /** CA PEM of the sensor heard from most recently, if any sent one. */
  latestCaPem(): Promise<string | undefined>;
}

export function createSensorStore(options: { db: Kysely<Database> }): SensorStore {
  const { db } = options;
  return {
    async recordHeartbeat(hb) {
      const heartbeat = sanitizeJson(JSON.stringify(hb));
      await db
        .insertInto('sensors')
        .values({
          id: hb.sensorId,
          last_seen: sql<Date>`now()`,
          heartbeat,
          ca_pem: hb.caPem || null,
          ca_sha256: hb.caSha256,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            last_seen: eb.ref('excluded.last_seen'),
            heartbeat: eb.ref('excluded.heartbeat'),
            ca_pem: eb.ref('excluded.ca_pem'),
            ca_sha256: eb.ref('excluded.ca_sha256'),
          })),
        )
        .execute();
    },
    async latestCaPem() {
      const row = await db
        .selectFrom('sensors')
        .select('ca_pem')
        .where('ca_pem', 'is not', null)
        .orderBy('last_seen', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.ca_pem ?? undefined;
    },
  };
}
