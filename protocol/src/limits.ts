/**
 * Bounds on every attacker-controlled field of the wire contract. Captured traffic is hostile: a
 * schema without bounds is a memory and storage exhaustion hole, so every string and array has one.
 */

/** Bodies up to this size travel inline (base64) in the flow message; larger ones via BODIES. */
export const INLINE_BODY_MAX = 64 * 1024;

/** Sensor ids are NATS subject tokens: no dots, wildcards or spaces. */
export const SENSOR_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

export const LIMITS = {
  idLen: 64,
  ipLen: 64,
  hostLen: 1024,
  methodLen: 64,
  urlLen: 65536,
  httpVersionLen: 16,
  headerPairs: 1024,
  headerNameLen: 8192,
  headerValueLen: 65536,
  reasonLen: 1024,
  errorMessageLen: 4096,
  anomalies: 64,
  anomalyLen: 256,
  certs: 16,
  certTextLen: 8192,
  certSans: 1024,
  pemLen: 65536,
  tlsFieldLen: 512,
  /** base64 of INLINE_BODY_MAX bytes */
  inlineLen: Math.ceil(INLINE_BODY_MAX / 3) * 4,
} as const;
