/**
 * Sensor heartbeats (core NATS, every 10 s): who a sensor is, how it is doing, and the CA its
 * clients must trust — so an analyzer can serve the CA and show fleet health without reaching the
 * sensor itself. Counters are cumulative since the sensor started.
 */
import { Type, type Static } from 'typebox';
import { SensorId } from './flow.js';
import { LIMITS } from './limits.js';

const Count = Type.Integer({ minimum: 0 });

/** A sensor's cumulative counters since it started (heartbeats, and the fleet API). */
export const SensorCounters = Type.Object(
  {
    captured: Count,
    published: Count,
    errors: Count,
    spooled: Type.Optional(Count),
    droppedBodies: Type.Optional(Count),
  },
  { additionalProperties: false },
);

export const SensorHeartbeat = Type.Object(
  {
    v: Type.Literal(1),
    sensorId: SensorId,
    version: Type.String({ maxLength: 64 }),
    mode: Type.Union([Type.Literal('explicit'), Type.Literal('transparent'), Type.Literal('both')]),
    startedAt: Type.Number({ minimum: 0 }),
    sentAt: Type.Number({ minimum: 0 }),
    /** PEM of the CA the sensor intercepts TLS with. */
    caPem: Type.String({ maxLength: LIMITS.pemLen }),
    /** SHA-256 fingerprint of the CA certificate (AA:BB:… form). */
    caSha256: Type.String({ pattern: '^[0-9A-F]{2}(:[0-9A-F]{2}){31}$' }),
    counters: SensorCounters,
    /** Flows captured but not yet acknowledged by JetStream. */
    backlog: Count,
    /** Bytes the sensor's disk spool takes (its depth in bytes; backlog is its depth in flows). */
    spoolBytes: Type.Optional(Count),
    alarms: Type.Array(Type.String({ maxLength: 256 }), { maxItems: 16 }),
  },
  { additionalProperties: false },
);
export type SensorHeartbeat = Static<typeof SensorHeartbeat>;
