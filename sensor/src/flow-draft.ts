/**
 * A flow as the capture code builds it (raw body bytes, unbounded strings) and its one-step
 * conversion into the wire message: bodies hashed and placed inline or out of line, and every
 * attacker-controlled field cut to the protocol's LIMITS with an anomaly saying so — a flow the
 * analyzer would reject as invalid is a flow lost.
 */
import { FLOW_SCHEMA_VERSION, LIMITS, type FlowMessage, type HeaderPairs } from '@honeyproxy/protocol';
import { encodeBody, type RawBody } from './body-encoder.js';
import type { CapturedFlow } from './flow-sink.js';
import { clip } from './tls-details.js';

type WireRequest = FlowMessage['request'];
type WireResponse = NonNullable<FlowMessage['response']>;

export type RequestDraft = Omit<WireRequest, 'body'> & { body: RawBody | null };
export type ResponseDraft = Omit<WireResponse, 'body'> & { body: RawBody | null };

export type FlowDraft = Omit<FlowMessage, 'v' | 'request' | 'response'> & {
  request: RequestDraft;
  response?: ResponseDraft;
};

/** Node's flat raw headers ['Name', 'value', …] as ordered pairs. */
export function pairHeaders(flat: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] ?? '', flat[i + 1] ?? '']);
  return pairs;
}

/** First value of a header (case-insensitive) in ordered pairs. */
export function headerValue(pairs: readonly (readonly [string, string])[], name: string): string | undefined {
  for (const [key, value] of pairs) if (key.length === name.length && key.toLowerCase() === name) return value;
  return undefined;
}

function boundHeaders(pairs: HeaderPairs, side: string, anomalies: string[]): HeaderPairs {
  let result = pairs;
  if (result.length > LIMITS.headerPairs) {
    result = result.slice(0, LIMITS.headerPairs);
    anomalies.push(`${side}-headers-cut:${pairs.length}`);
  }
  let clipped = false;
  for (const pair of result) {
    if (pair[0].length > LIMITS.headerNameLen || pair[1].length > LIMITS.headerValueLen) {
      clipped = true;
      break;
    }
  }
  if (!clipped) return result;
  anomalies.push(`${side}-header-clipped`);
  return result.map(([k, v]) => [clip(k, LIMITS.headerNameLen), clip(v, LIMITS.headerValueLen)]);
}

function boundText(text: string, max: number, what: string, anomalies: string[]): string {
  if (text.length <= max) return text;
  anomalies.push(`${what}-clipped:${text.length}`);
  return text.slice(0, max);
}

/** Hashes and places the bodies, bounds every field, and returns the flow for a sink. */
export async function assembleFlow(draft: FlowDraft): Promise<CapturedFlow> {
  const anomalies = [...draft.anomalies];
  const [reqBody, resBody] = await Promise.all([
    encodeBody(draft.request.body),
    encodeBody(draft.response?.body ?? null),
  ]);
  const bodies = new Map<string, Uint8Array>();
  if (reqBody.outOfLine) bodies.set(reqBody.outOfLine.sha256, reqBody.outOfLine.bytes);
  if (resBody.outOfLine) bodies.set(resBody.outOfLine.sha256, resBody.outOfLine.bytes);

  const { request, response, server } = draft;
  const flow: FlowMessage = {
    v: FLOW_SCHEMA_VERSION,
    flowId: draft.flowId,
    sensorId: draft.sensorId,
    mode: draft.mode,
    ts: draft.ts,
    client: { ip: clip(draft.client.ip, LIMITS.ipLen), port: draft.client.port },
    server: {
      ...(server.ip !== undefined && { ip: clip(server.ip, LIMITS.ipLen) }),
      port: server.port,
      ...(server.host !== undefined && { host: boundText(server.host, LIMITS.hostLen, 'host', anomalies) }),
      ...(server.sni !== undefined && { sni: clip(server.sni, LIMITS.hostLen) }),
      ...(server.hostMismatch !== undefined && { hostMismatch: server.hostMismatch }),
    },
    ...(draft.tls && { tls: draft.tls }),
    request: {
      method: boundText(request.method, LIMITS.methodLen, 'method', anomalies),
      url: boundText(request.url, LIMITS.urlLen, 'url', anomalies),
      httpVersion: clip(request.httpVersion, LIMITS.httpVersionLen),
      headers: boundHeaders(request.headers, 'request', anomalies),
      body: reqBody.body,
    },
    ...(response && {
      response: {
        status: response.status >= 0 && response.status <= 999 ? response.status : 0,
        reason: boundText(response.reason, LIMITS.reasonLen, 'reason', anomalies),
        httpVersion: clip(response.httpVersion, LIMITS.httpVersionLen),
        headers: boundHeaders(response.headers, 'response', anomalies),
        body: resBody.body,
      },
    }),
    ...(draft.error && {
      error: {
        kind: draft.error.kind,
        ...(draft.error.code !== undefined && { code: clip(draft.error.code, LIMITS.tlsFieldLen) }),
        message: clip(draft.error.message, LIMITS.errorMessageLen),
      },
    }),
    anomalies: anomalies.slice(0, LIMITS.anomalies).map((a) => clip(a, LIMITS.anomalyLen)),
  };
  return { flow, bodies };
}
