/**
 * A flow as the capture code builds it (raw body bytes, unbounded strings) and its one-step
 * conversion into the wire message: bodies hashed and placed inline or out of line, and every
 * attacker-controlled field cut to the protocol's LIMITS with an anomaly saying so — a flow the
 * analyzer would reject as invalid is a flow lost.
 */
import {
  FLOW_SCHEMA_VERSION,
  LIMITS,
  type FlowMessage,
  type HeaderPairs,
} from '@honeyproxy/protocol';
import {
  encodeBody,
  encodeBodySync,
  encodesSync,
  type EncodedBody,
  type RawBody,
} from './body-encoder.js';
import type { BodyFile } from './body-spill.js';
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

/** Shared by every flow without out-of-line bodies (most of them). */
const NO_BODIES: ReadonlyMap<string, Uint8Array> = new Map();

/** Node's flat raw headers ['Name', 'value', …] as ordered pairs. */
export function pairHeaders(flat: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] ?? '', flat[i + 1] ?? '']);
  return pairs;
}

/** First value of a header (case-insensitive) in ordered pairs. */
export function headerValue(
  pairs: readonly (readonly [string, string])[],
  name: string,
): string | undefined {
  for (const [key, value] of pairs)
    if (key.length === name.length && key.toLowerCase() === name) return value;
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

/**
 * Hashes and places the bodies, bounds every field, and returns the flow for a sink — right away
 * when its bodies are small (the common case: no promise, no thread-pool trip), else a promise.
 */
export function assembleFlow(draft: FlowDraft): CapturedFlow | Promise<CapturedFlow> {
  const requestBody = draft.request.body;
  const responseBody = draft.response?.body ?? null;
  if (encodesSync(requestBody) && encodesSync(responseBody)) {
    return wireFlow(draft, encodeBodySync(requestBody), encodeBodySync(responseBody));
  }
  return Promise.all([encodeBody(requestBody), encodeBody(responseBody)]).then(([req, res]) =>
    wireFlow(draft, req, res),
  );
}

function wireFlow(draft: FlowDraft, reqBody: EncodedBody, resBody: EncodedBody): CapturedFlow {
  const anomalies = [...draft.anomalies];
  let bodies: ReadonlyMap<string, Uint8Array> = NO_BODIES;
  let bodyFiles: Map<string, BodyFile> | undefined;
  if (reqBody.outOfLine || resBody.outOfLine) {
    const map = new Map<string, Uint8Array>();
    for (const { outOfLine } of [reqBody, resBody]) {
      if (outOfLine?.file) (bodyFiles ??= new Map()).set(outOfLine.sha256, outOfLine.file);
      else if (outOfLine) map.set(outOfLine.sha256, outOfLine.bytes);
    }
    bodies = map;
  }
  if (reqBody.lost) anomalies.push(`request-body-dropped:${reqBody.lost}`);
  if (resBody.lost) anomalies.push(`response-body-dropped:${resBody.lost}`);

  const { request, response, server } = draft;
  // built by assignment, not spreads: this runs for every flow
  const wireServer: FlowMessage['server'] = { port: server.port };
  if (server.ip !== undefined) wireServer.ip = clip(server.ip, LIMITS.ipLen);
  if (server.host !== undefined)
    wireServer.host = boundText(server.host, LIMITS.hostLen, 'host', anomalies);
  if (server.sni !== undefined) wireServer.sni = clip(server.sni, LIMITS.hostLen);
  if (server.hostMismatch !== undefined) wireServer.hostMismatch = server.hostMismatch;
  const flow: FlowMessage = {
    v: FLOW_SCHEMA_VERSION,
    flowId: draft.flowId,
    sensorId: draft.sensorId,
    mode: draft.mode,
    ts: draft.ts,
    client: { ip: clip(draft.client.ip, LIMITS.ipLen), port: draft.client.port },
    server: wireServer,
    request: {
      method: boundText(request.method, LIMITS.methodLen, 'method', anomalies),
      url: boundText(request.url, LIMITS.urlLen, 'url', anomalies),
      httpVersion: clip(request.httpVersion, LIMITS.httpVersionLen),
      headers: boundHeaders(request.headers, 'request', anomalies),
      body: reqBody.body,
    },
    anomalies,
  };
  if (draft.tls) flow.tls = draft.tls;
  if (response) {
    flow.response = {
      status: response.status >= 0 && response.status <= 999 ? response.status : 0,
      reason: boundText(response.reason, LIMITS.reasonLen, 'reason', anomalies),
      httpVersion: clip(response.httpVersion, LIMITS.httpVersionLen),
      headers: boundHeaders(response.headers, 'response', anomalies),
      body: resBody.body,
    };
  }
  if (draft.error) {
    const error: NonNullable<FlowMessage['error']> = {
      kind: draft.error.kind,
      message: clip(draft.error.message, LIMITS.errorMessageLen),
    };
    if (draft.error.code !== undefined) error.code = clip(draft.error.code, LIMITS.tlsFieldLen);
    flow.error = error;
  }
  if (anomalies.length > LIMITS.anomalies || anomalies.some((a) => a.length > LIMITS.anomalyLen)) {
    flow.anomalies = anomalies.slice(0, LIMITS.anomalies).map((a) => clip(a, LIMITS.anomalyLen));
  }
  return bodyFiles ? { flow, bodies, bodyFiles } : { flow, bodies };
}
