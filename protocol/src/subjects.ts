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
/** The JetStream stream behind the BODIES object store (nats.js names it OBJ_<bucket>). */
export const BODIES_STREAM = `OBJ_${BODIES_BUCKET}`;
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

/**
 * Padded base64url, as nats.js encodes object names and digests (btoa, not Buffer: this package
 * also runs in the browser).
 */
function base64urlPadded(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_');
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The BODIES object store as sensors write it and the analyzer reads it — the same records
 * nats.js's ObjectStore writes: chunks on a subject of their own, then a meta record (ObjectInfo
 * JSON) on the subject of the object's name, the body's hex sha256.
 */
export function bodyMetaSubject(sha256: string): string {
  return `$O.${BODIES_BUCKET}.M.${base64urlPadded(new TextEncoder().encode(sha256))}`;
}

export function bodyChunkSubject(id: string): string {
  return `$O.${BODIES_BUCKET}.C.${id}`;
}

/** The direct get of a body's last meta record: all a sensor may read (meta, never chunks). */
export function bodyMetaLookupSubject(sha256: string): string {
  return `$JS.API.DIRECT.GET.${BODIES_STREAM}.${bodyMetaSubject(sha256)}`;
}

/** The ObjectInfo `digest` of the body with hex sha256 `sha256`. */
export function bodyDigest(sha256: string): string {
  return `SHA-256=${base64urlPadded(hexBytes(sha256))}`;
}
