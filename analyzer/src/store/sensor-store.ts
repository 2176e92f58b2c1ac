/**
 * Sensors as the analyzer knows them: the last heartbeat of each (upserted on every heartbeat), the
 * fleet's health derived from it for /api/sensors, and the CA certificate their clients must trust,
 * served by /api/ca.pem.
 */
import { sql, type Kysely } from 'kysely';
import {
  HEARTBEAT_INTERVAL_MS,
  STALE_AFTER_HEARTBEATS,
  sensorHeartbeatCodec,
  type SensorHeartbeat,
  type SensorList,
  type SensorStatus,
} from '@honeyproxy/protocol';
import type { Database } from '../db/database.js';
import { sanitizeJson } from './sanitize-json.js';

export interface SensorStore {
  recordHeartbeat(heartbeat: SensorHeartbeat): Promise<void>;
  /** CA PEM of the sensor heard from most recently, if any sent one. */
  latestCaPem(): Promise<string | undefined>;
  /** Every sensor's state as of `now` (epoch ms), by id. */
  list(now?: number): Promise<SensorList>;
}

export const STALE_AFTER_MS = HEARTBEAT_INTERVAL_MS * STALE_AFTER_HEARTBEATS;

/** online / stale / alarm and lag from a sensor's last heartbeat (pure, for tests). */
export function sensorStatus(
  row: { id: string; lastSeen: number; firstSeen: number; lastFlowAt: number | null },
  hb: SensorHeartbeat,
  now: number,
): SensorStatus {
  const state =
    now - row.lastSeen > STALE_AFTER_MS ? 'stale' : hb.alarms.length > 0 ? 'alarm' : 'online';
  return {
    id: row.id,
    state,
    lastSeen: row.lastSeen,
    firstSeen: row.firstSeen,
    version: hb.version,
    mode: hb.mode,
    uptimeMs: Math.max(0, hb.sentAt - hb.startedAt),
    counters: hb.counters,
    backlog: hb.backlog,
    ...(hb.spoolBytes !== undefined && { spoolBytes: hb.spoolBytes }),
    alarms: hb.alarms,
    caSha256: hb.caSha256,
    lastFlowAt: row.lastFlowAt,
    lagMs:
      hb.backlog === 0 ? 0 : row.lastFlowAt === null ? null : Math.max(0, now - row.lastFlowAt),
  };
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
    async list(now = Date.now()) {
      // The newest flow per sensor is one step down the (sensor_id, started_at DESC) index.
      const rows = await db
        .selectFrom('sensors')
        .select([
          'id',
          'heartbeat',
          sql<number>`extract(epoch from last_seen) * 1000`.as('last_seen_ms'),
          sql<number>`extract(epoch from first_seen) * 1000`.as('first_seen_ms'),
          sql<
            number | null
          >`(SELECT max(f.started_at) FROM flows f WHERE f.sensor_id = sensors.id)`.as(
            'last_flow_at',
          ),
        ])
        .orderBy('id')
        .execute();
      const sensors: SensorStatus[] = [];
      for (const r of rows) {
        // Validated when it arrived; checked again because the database is outside the process.
        if (!sensorHeartbeatCodec.check(r.heartbeat)) continue;
        sensors.push(
          sensorStatus(
            {
              id: r.id,
              lastSeen: Number(r.last_seen_ms),
              firstSeen: Number(r.first_seen_ms),
              lastFlowAt: r.last_flow_at === null ? null : Number(r.last_flow_at),
            },
            r.heartbeat,
            now,
          ),
        );
      }
      return { sensors, now, staleAfterMs: STALE_AFTER_MS };
    },
  };
}
