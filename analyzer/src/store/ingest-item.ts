/**
 * What the store ingests: a decoded flow, the sensor it came from (from the NATS subject or the
 * embedded sensor, never from the payload) and the out-of-line body bytes fetched for it.
 */
import type { FlowMessage } from '@honeyproxy/protocol';

export interface IngestItem {
  /** The sensor identity established by the transport (subject token, or standalone's own id). */
  sensorId: string;
  flow: FlowMessage;
  /** Bytes of `ref` bodies by sha256; inline bodies are decoded from the message itself. */
  bodies: ReadonlyMap<string, Uint8Array>;
}

/** A message that could not be stored, kept whole for an operator. */
export interface DeadLetter {
  subject: string;
  reason: string;
  payload: Uint8Array;
  streamSeq?: number;
  deliveryCount?: number;
}
