/**
 * Sensor heartbeats (core NATS) → the sensors table: validated, and only when the subject's sensor
 * id matches the payload's. Each sensor is written at most once a second, whatever it sends.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from '@honeyproxy/common';
import { heartbeatSubject, sensorHeartbeatCodec } from '@honeyproxy/protocol';
import type { SensorStore } from '../store/sensor-store.js';

/** Every sensor's heartbeat subject (the id token wildcarded). */
export const HEARTBEAT_SUBJECTS = heartbeatSubject('*');

export function startHeartbeatListener(
  nc: NatsConnection,
  sensors: SensorStore,
  log: Logger,
): Subscription {
  const lastWrite = new Map<string, number>();
  return nc.subscribe(HEARTBEAT_SUBJECTS, {
    callback: (err, msg) => {
      if (err) return log.warn({ error: err.message }, 'heartbeat subscription failed');
      let heartbeat;
      try {
        heartbeat = sensorHeartbeatCodec.decodeJson(msg.data);
      } catch (decodeErr) {
        return log.warn(
          { subject: msg.subject, reason: (decodeErr as Error).message.slice(0, 200) },
          'invalid heartbeat ignored',
        );
      }
      if (heartbeatSubject(heartbeat.sensorId) !== msg.subject) {
        return log.warn(
          { subject: msg.subject },
          'heartbeat sensorId differs from its subject; ignored',
        );
      }
      const now = Date.now();
      if (now - (lastWrite.get(heartbeat.sensorId) ?? 0) < 1000) return;
      if (lastWrite.size > 10_000) lastWrite.clear();
      lastWrite.set(heartbeat.sensorId, now);
      sensors.recordHeartbeat(heartbeat).catch((dbErr: unknown) => {
        log.warn(
          { sensorId: heartbeat.sensorId, error: (dbErr as Error).message },
          'heartbeat not recorded',
        );
      });
    },
  });
}
