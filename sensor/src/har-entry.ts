/**
 * One captured flow as a HAR 1.2 entry. Bodies are the raw bytes as on the wire (a gzip response
 * stays gzip, like the flow itself): text when they are plain UTF-8, base64 otherwise
 * (`content.encoding: "base64"`; request bodies, which HAR gives no encoding field, use
 * `_encoding`). Sensor facts without a HAR field travel as `_`-prefixed custom fields.
 */
import type { Content, Entry, Header, PostData, QueryString, Request, Response } from 'har-format';
import {
  isInline,
  refName,
  type Body,
  type FlowMessage,
  type HeaderPairs,
} from '@honeyproxy/protocol';
import type { CapturedFlow } from './flow-sink.js';
import { headerValue } from './flow-draft.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_QUERY_PARAMS = 1000;

function harHeaders(pairs: HeaderPairs): Header[] {
  return pairs.map(([name, value]) => ({ name, value }));
}

function httpVersion(version: string): string {
  return version ? `HTTP/${version}` : '';
}

function bodyBytes(body: Body, bodies: ReadonlyMap<string, Uint8Array>): Uint8Array | undefined {
  if (body === null) return undefined;
  if (isInline(body)) return Buffer.from(body.inline, 'base64');
  return bodies.get(refName(body));
}

/** The bytes as text when they are plain UTF-8 and not content-encoded; undefined otherwise. */
function asText(bytes: Uint8Array, headers: HeaderPairs): string | undefined {
  const coding = headerValue(headers, 'content-encoding');
  if (coding && coding.toLowerCase() !== 'identity') return undefined;
  if (bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function queryString(url: string): QueryString[] {
  try {
    const params: QueryString[] = [];
    for (const [name, value] of new URL(url).searchParams) {
      if (params.length >= MAX_QUERY_PARAMS) break;
      params.push({ name, value });
    }
    return params;
  } catch {
    return [];
  }
}

function bodyFacts(body: Body): Record<string, unknown> {
  if (body === null) return {};
  return {
    _sha256: body.sha256,
    ...(body.truncated && { _truncated: true, _capturedSize: body.capturedLen }),
  };
}

function harRequest(flow: FlowMessage, bodies: ReadonlyMap<string, Uint8Array>): Request {
  const { request } = flow;
  const bytes = bodyBytes(request.body, bodies);
  let postData: PostData | undefined;
  if (bytes) {
    const text = asText(bytes, request.headers);
    postData = {
      mimeType: headerValue(request.headers, 'content-type') ?? '',
      text: text ?? Buffer.from(bytes).toString('base64'),
      ...(text === undefined && { _encoding: 'base64' }),
      ...bodyFacts(request.body),
    };
  }
  return {
    method: request.method,
    url: request.url,
    httpVersion: httpVersion(request.httpVersion),
    cookies: [],
    headers: harHeaders(request.headers),
    queryString: queryString(request.url),
    ...(postData && { postData }),
    headersSize: -1,
    bodySize: request.body?.len ?? 0,
  };
}

function harResponse(flow: FlowMessage, bodies: ReadonlyMap<string, Uint8Array>): Response {
  const { response } = flow;
  if (!response) {
    // no response (aborted, unreachable, TLS failure): HAR's convention is status 0
    return {
      status: 0,
      statusText: '',
      httpVersion: '',
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: '' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    };
  }
  const bytes = bodyBytes(response.body, bodies);
  const content: Content = {
    size: response.body?.len ?? 0,
    mimeType: headerValue(response.headers, 'content-type') ?? '',
  };
  if (bytes) {
    const text = asText(bytes, response.headers);
    content.text = text ?? Buffer.from(bytes).toString('base64');
    if (text === undefined) content.encoding = 'base64';
    Object.assign(content, bodyFacts(response.body));
  }
  return {
    status: response.status,
    statusText: response.reason,
    httpVersion: httpVersion(response.httpVersion),
    cookies: [],
    headers: harHeaders(response.headers),
    content,
    redirectURL: headerValue(response.headers, 'location') ?? '',
    headersSize: -1,
    bodySize: response.body?.len ?? 0,
  };
}

const span = (from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined && to >= from ? to - from : 0;

export function harEntry({ flow, bodies }: CapturedFlow): Entry {
  const { ts } = flow;
  const requestEnd = ts.requestEnd ?? ts.start;
  const responseStart = ts.responseStart ?? ts.end ?? requestEnd;
  return {
    startedDateTime: new Date(ts.start).toISOString(),
    time: span(ts.start, ts.end),
    request: harRequest(flow, bodies),
    response: harResponse(flow, bodies),
    cache: {},
    timings: {
      send: span(ts.start, requestEnd),
      wait: span(requestEnd, responseStart),
      receive: span(responseStart, ts.end),
    },
    ...(flow.server.ip && { serverIPAddress: flow.server.ip }),
    connection: `${flow.client.ip}:${flow.client.port}`,
    _flowId: flow.flowId,
    _sensorId: flow.sensorId,
    _mode: flow.mode,
    _client: flow.client,
    _server: flow.server,
    ...(flow.tls && { _tls: flow.tls }),
    ...(flow.error && { _error: flow.error }),
    ...(flow.anomalies.length > 0 && { _anomalies: flow.anomalies }),
  };
}
