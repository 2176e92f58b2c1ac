/**
 * The one-line view of a flow: what the traffic table shows and the live feed carries. Derived from a
 * FlowMessage by `summarizeFlow`, the single definition used by the analyzer (list API, live events)
 * and the browser.
 */
import { Type, type Static } from 'typebox';
import type { FlowMessage, FlowRecord } from './flow.js';
import { ErrorKind, FlowId, SensorId } from './flow.js';
import { LIMITS } from './limits.js';

export const FlowSummary = Type.Object(
  {
    id: FlowId,
    sensorId: SensorId,
    mode: Type.Union([Type.Literal('transparent'), Type.Literal('explicit')]),
    start: Type.Number(),
    /** ms from start to end, null while unknown. */
    duration: Type.Union([Type.Number(), Type.Null()]),
    method: Type.String({ maxLength: LIMITS.methodLen }),
    url: Type.String({ maxLength: LIMITS.urlLen }),
    host: Type.String({ maxLength: LIMITS.hostLen }),
    path: Type.String({ maxLength: LIMITS.urlLen }),
    status: Type.Union([Type.Integer(), Type.Null()]),
    /** Declared response Content-Type (without parameters), null when absent. */
    contentType: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
    /** What the response body's bytes are (magic bytes, see sniff-type.ts), null when unknown. */
    sniffedType: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
    /** Response body length on the wire, null when there was no response. */
    size: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    tls: Type.Boolean(),
    clientIp: Type.String({ maxLength: LIMITS.ipLen }),
    serverIp: Type.Union([Type.String({ maxLength: LIMITS.ipLen }), Type.Null()]),
    /** The sensor found the Host name does not resolve to the address connected to (transparent). */
    hostMismatch: Type.Boolean(),
    error: Type.Union([ErrorKind, Type.Null()]),
  },
  { additionalProperties: false },
);
export type FlowSummary = Static<typeof FlowSummary>;

/** First value of a header (case-insensitive), or undefined. */
export function headerValue(
  headers: readonly (readonly [string, string])[],
  name: string,
): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function splitUrl(url: string): { host: string; path: string } {
  try {
    const u = new URL(url);
    return { host: u.host, path: `${u.pathname}${u.search}` };
  } catch {
    return { host: '', path: url };
  }
}

/** A record's body carries the type sniffed at ingest; a sensor's message does not. */
function sniffedTypeOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('sniffedType' in body)) return null;
  return typeof body.sniffedType === 'string' ? body.sniffedType : null;
}

/** The table row for a flow. */
export function summarizeFlow(flow: FlowMessage | FlowRecord): FlowSummary {
  const { host, path } = splitUrl(flow.request.url);
  const contentType = flow.response
    ? headerValue(flow.response.headers, 'content-type')
    : undefined;
  return {
    id: flow.flowId,
    sensorId: flow.sensorId,
    mode: flow.mode,
    start: flow.ts.start,
    duration: flow.ts.end === undefined ? null : Math.max(0, flow.ts.end - flow.ts.start),
    method: flow.request.method,
    url: flow.request.url,
    host: flow.server.host ?? host,
    path,
    status: flow.response?.status ?? null,
    contentType: contentType
      ? (contentType.split(';')[0] ?? '').trim().slice(0, 256) || null
      : null,
    sniffedType: sniffedTypeOf(flow.response?.body),
    size: flow.response ? (flow.response.body?.len ?? 0) : null,
    tls: flow.request.url.startsWith('https:') || flow.tls !== undefined,
    clientIp: flow.client.ip,
    serverIp: flow.server.ip ?? null,
    hostMismatch: flow.server.hostMismatch === true,
    error: flow.error?.kind ?? null,
  };
}
