/**
 * A flow whose body by reference could not be read back from BODIES as the bytes it names (a
 * bogus or damaged object, e.g. a malicious sensor's meta record): the flow is stored without that
 * body — it becomes null and an anomaly names what was lost, in the form the sensor uses for
 * bodies it had to drop (`response-body-dropped:len=…,sha256=…,reason=…`) — rather than retried
 * forever or dead-lettered, so one bad object never costs a flow or stalls ingest.
 */
import { LIMITS, type Body, type FlowMessage } from '@honeyproxy/protocol';

export function dropBadBodies(
  flow: FlowMessage,
  bad: ReadonlySet<string>,
  reason: string,
): FlowMessage {
  const notes: string[] = [];
  const drop = (side: string, body: Body): Body => {
    if (body === null || !bad.has(body.sha256)) return body;
    notes.push(`${side}-body-dropped:len=${body.len},sha256=${body.sha256},reason=${reason}`);
    return null;
  };
  const request = { ...flow.request, body: drop('request', flow.request.body) };
  const response = flow.response && {
    ...flow.response,
    body: drop('response', flow.response.body),
  };
  const anomalies = [...flow.anomalies.slice(0, LIMITS.anomalies - notes.length), ...notes];
  return { ...flow, request, ...(response && { response }), anomalies };
}
