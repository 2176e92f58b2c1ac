/**
 * The sensor's heartbeat on core NATS (honeyproxy.sensors.<id>.heartbeat): at every (re)connection
 * and every 10 s, who the sensor is, its counters and backlog, and the CA its clients must trust —
 * the analyzer serves the CA from it. Heartbeats are skipped, not queued, while NATS is away.
 */
import type { Logger } from 'pino';
import { heartbeatSubject, type SensorHeartbeat } from '@honeyproxy/protocol';
import type { NatsConnector } from './nats-connector.js';

export interface HeartbeatPublisherOptions {
  readonly connector: NatsConnector;
  readonly sensorId: string;
  /** Builds the current heartbeat (sentAt is filled in here). */
  readonly build: () => Omit<SensorHeartbeat, 'sentAt'>;
  readonly log: Logger;
  readonly intervalMs?: number;
}

export interface HeartbeatPublisher {
  close(): void;
}

const encoder = new TextEncoder();

export function startHeartbeat(options: HeartbeatPublisherOptions): HeartbeatPublisher {
  const { connector, sensorId, build, log } = options;
  const subject = heartbeatSubject(sensorId);
  const beat = () => {
    const nc = connector.current();
    if (!nc) return;
    try {
      const heartbeat: SensorHeartbeat = { ...build(), sentAt: Date.now() };
      nc.publish(subject, encoder.encode(JSON.stringify(heartbeat)));
    } catch (err) {
      log.warn({ err }, 'heartbeat not sent');
    }
  };
  const unsubscribe = connector.onConnect(beat);
  const timer = setInterval(beat, options.intervalMs ?? 10_000);
  timer.unref();
  return {
    close() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
