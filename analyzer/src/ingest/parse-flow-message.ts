/**
 * The first look at a message off the FLOWS stream: the sensor comes from the subject token (NATS
 * permissions bind it to the sensor's credentials), the payload must decode as a FlowMessage and
 * must name that same sensor. Anything else is a reason for a dead letter, never an exception.
 */
import type { JsMsg } from '@nats-io/jetstream';
import {
  flowMessageCodec,
  isRef,
  sensorIdFromSubject,
  type FlowMessage,
} from '@honeyproxy/protocol';
import type { IngestItem } from '../store/ingest-item.js';

/** sha256 of the bodies a flow sends by reference. */
export function refsOf(flow: FlowMessage): string[] {
  return [flow.request.body, flow.response?.body].flatMap((b) => (b && isRef(b) ? [b.sha256] : []));
}

/** The ingest item a message carries, or why it cannot be stored (→ dead letter). */
export function parseFlowMessage(
  msg: Pick<JsMsg, 'subject' | 'data'>,
): { item: IngestItem } | { reason: string } {
  const sensorId = sensorIdFromSubject(msg.subject);
  if (sensorId === null) return { reason: `subject "${msg.subject}" is not a sensor flow subject` };
  let flow: FlowMessage;
  try {
    flow = flowMessageCodec.decodeJson(msg.data);
  } catch (err) {
    return { reason: err instanceof Error ? err.message : 'undecodable message' };
  }
  if (flow.sensorId !== sensorId) {
    return {
      reason: `payload sensorId "${flow.sensorId}" differs from subject sensor "${sensorId}"`,
    };
  }
  return { item: { sensorId, flow, bodies: new Map() } };
}
