/**
 * A flow without (some of) its bodies — the sensor's spool had no room for them or found one
 * damaged on disk, or the analyzer could not read one back from BODIES as the bytes it names: each
 * dropped body becomes null and an anomaly names what was lost
 * (`response-body-dropped:len=…,sha256=…,reason=spool-full`), so the analyst sees that the
 * exchange carried a body and which one — the flow itself is never lost. One function on both
 * sides, so the anomaly reads the same whoever dropped the body.
 */
import type { Body } from './body.js';
import type { FlowMessage } from './flow.js';
import { LIMITS } from './limits.js';

/** True when the flow carries any body bytes (inline or by reference). */
export function hasBodies(flow: FlowMessage): boolean {
  return flow.request.body !== null || (flow.response?.body ?? null) !== null;
}

/**
 * Drops every body, or only those whose sha256 is in `only`. `reason` ends up in the anomaly.
 */
export function dropBodies(
  flow: FlowMessage,
  reason: string,
  only?: ReadonlySet<string>,
): FlowMessage {
  const notes: string[] = [];
  const drop = (side: string, body: Body): Body => {
    if (body === null || (only && !only.has(body.sha256))) return body;
    notes.push(`${side}-body-dropped:len=${body.len},sha256=${body.sha256},reason=${reason}`);
    return null;
  };
  const request = { ...flow.request, body: drop('request', flow.request.body) };
  const response = flow.response && {
    ...flow.response,
    body: drop('response', flow.response.body),
  };
  // stay within the schema's bound: the note about the lost body matters more than the last ones
  const anomalies = [...flow.anomalies.slice(0, LIMITS.anomalies - notes.length), ...notes];
  return { ...flow, request, ...(response && { response }), anomalies };
}
