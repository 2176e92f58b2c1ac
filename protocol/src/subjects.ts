/**
 * NATS names of the wire contract: subjects, stream, object store, consumer. The only place these
 * strings exist; everything else imports them.
 */

import { SENSOR_ID_PATTERN } from './limits.js';

const sensorIdPattern = new RegExp(SENSOR_ID_PATTERN);

export const FLOWS_STREAM = 'FLOWS';
export const FLOW_SUBJECT_PREFIX = 'honeyproxy.flows.v1.';
/** Every sensor's flow subject (the FLOWS stream's subject filter). */
export const FLOW_SUBJECTS = `${FLOW_SUBJECT_PREFIX}*`;
export const BODIES_BUCKET = 'BODIES';
/** Durable pull consumer shared by every analyzer instance. */
export const INGEST_CONSUMER = 'ingest';
/** Core NATS: a summary of every flow after it is committed to Postgres. */
export const LIVE_SUBJECT = 'honeyproxy.live';

/** Subject a sensor publishes its flows to. */
export function flowSubject(sensorId: string): string {
  return `${FLOW_SUBJECT_PREFIX}${sensorId}`;
}

/** Subject a sensor publishes its heartbeats to. */
export function heartbeatSubject(sensorId: string): string {
  return `honeyproxy.sensors.${sensorId}.heartbeat`;
}

/**
 * The sensor identity a flow subject carries. The analyzer trusts this (NATS permissions bind it to
 * the sensor's credentials), never the payload. Returns null for any other subject.
 */
export function sensorIdFromSubject(subject: string): string | null {
  if (!subject.startsWith(FLOW_SUBJECT_PREFIX)) return null;
  const id = subject.slice(FLOW_SUBJECT_PREFIX.length);
  return sensorIdPattern.test(id) ? id : null;
}
