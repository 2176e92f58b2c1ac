/**
 * Flows for connections that never became a proxied exchange: a client that rejected the sensor's
 * certificate (mockttp 'tls-client-error') and a request the HTTP parser refused ('client-error').
 * Both are evidence on a honeynet (a pinned certificate, a scanner's malformed probe), so they are
 * recorded like any other flow, with what is known of the request.
 */
import type { ClientError, TlsHandshakeFailure } from 'mockttp';
import { newFlowId } from './flow-id.js';
import { pairHeaders, type FlowDraft, type ResponseDraft } from './flow-draft.js';
import { normalizeIp } from './net-names.js';
import { clip } from './tls-details.js';
import { LIMITS } from '@honeyproxy/protocol';
import type { Endpoint } from './original-destination.js';
import type { RefusedTunnel } from './request-router.js';

interface Context {
  readonly sensorId: string;
  /** Epoch offset for performance.now() readings. */
  readonly offset: number;
}

interface TlsFailureContext extends Context {
  /** The original destination, when the connection was redirected (transparent). */
  readonly transparent?: Endpoint | undefined;
}

const TLS_FAILURE_TEXT: Record<TlsHandshakeFailure['failureCause'], string> = {
  closed:
    'client closed the connection during or right after the TLS handshake (certificate not trusted?)',
  reset: 'client reset the connection during the TLS handshake',
  'cert-rejected': 'client rejected the sensor certificate',
  'no-shared-cipher': 'no cipher shared with the client',
  'handshake-timeout': 'TLS handshake timed out',
  unknown: 'TLS handshake failed',
};

export function tlsFailureDraft(event: TlsHandshakeFailure, ctx: TlsFailureContext): FlowDraft {
  const t = event.timingEvents;
  const meta = event.tlsMetadata ?? {};
  const sni = meta.sniHostname;
  const original = ctx.transparent;
  // transparent: the original destination is where it went; the name is the SNI
  const host = original ? (sni ?? original.address) : (event.destination?.hostname ?? sni);
  const port = original?.port ?? event.destination?.port ?? 443;
  const max = LIMITS.tlsFieldLen;
  return {
    flowId: newFlowId(),
    sensorId: ctx.sensorId,
    mode: original ? 'transparent' : 'explicit',
    ts: { start: ctx.offset + t.connectTimestamp, end: ctx.offset + t.failureTimestamp },
    client: { ip: normalizeIp(event.remoteIpAddress), port: event.remotePort ?? 0 },
    server: {
      port,
      ...(original && { ip: original.address }),
      ...(host && { host }),
      ...(sni && { sni }),
    },
    tls: {
      ...(meta.clientAlpn?.length && { alpn: clip(meta.clientAlpn.join(','), max) }),
      ...(meta.ja3Fingerprint && { ja3: clip(meta.ja3Fingerprint, max) }),
      ...(meta.ja4Fingerprint && { ja4: clip(meta.ja4Fingerprint, max) }),
    },
    // no HTTP request was ever read: the tunnel target stands in for it
    request: {
      method: 'CONNECT',
      url: `${host?.includes(':') ? `[${host}]` : (host ?? '')}:${port}`,
      httpVersion: '',
      headers: [],
      body: null,
    },
    error: {
      kind: 'tls-failure',
      code: event.failureCause,
      message: TLS_FAILURE_TEXT[event.failureCause] ?? 'TLS handshake failed',
    },
    anomalies: [],
  };
}

export function clientErrorDraft(event: ClientError, ctx: Context): FlowDraft {
  const { request } = event;
  const t = request.timingEvents;
  const end = t.responseSentTimestamp ?? t.abortedTimestamp ?? t.startTimestamp;
  let response: ResponseDraft | undefined;
  if (event.response !== 'aborted') {
    response = {
      status: event.response.statusCode,
      reason: event.response.statusMessage,
      httpVersion: '1.1',
      headers: event.response.rawHeaders,
      body: null,
    };
  }
  const code = event.errorCode ?? 'UNKNOWN';
  return {
    flowId: newFlowId(),
    sensorId: ctx.sensorId,
    mode: 'explicit',
    ts: { start: ctx.offset + t.startTimestamp, end: ctx.offset + end },
    client: { ip: normalizeIp(request.remoteIpAddress), port: request.remotePort ?? 0 },
    server: {
      port: request.destination?.port ?? 0,
      ...(request.destination?.hostname && { host: request.destination.hostname }),
    },
    request: {
      method: request.method ?? '',
      url: request.url ?? request.path ?? '',
      httpVersion: request.httpVersion,
      headers: request.rawHeaders,
      body: null,
    },
    ...(response && { response }),
    error: {
      kind: 'protocol',
      code,
      message: `the client sent a request the HTTP parser rejected (${code})`,
    },
    anomalies: response ? ['response-from-sensor'] : [],
  };
}

/**
 * A CONNECT (or WebSocket upgrade) containment refused: answered 403 by the sensor, nothing
 * connected upstream. The request line stands for the request.
 */
export function blockedTunnelDraft(refusal: RefusedTunnel, ctx: Context): FlowDraft {
  const { req } = refusal;
  const now = ctx.offset + performance.now();
  const socket = req.socket as { remoteAddress?: string; remotePort?: number } | undefined;
  return {
    flowId: newFlowId(),
    sensorId: ctx.sensorId,
    mode: refusal.transparent ? 'transparent' : 'explicit',
    ts: { start: now, end: now },
    client: { ip: normalizeIp(socket?.remoteAddress), port: socket?.remotePort ?? 0 },
    server: {
      port: refusal.port,
      ...(refusal.ip !== undefined && { ip: refusal.ip }),
      ...(refusal.host && { host: refusal.host }),
    },
    request: {
      method: req.method ?? 'CONNECT',
      url: refusal.target,
      httpVersion: req.httpVersion,
      // an upgrade's request comes from mockttp with paired headers, a CONNECT's from Node, flat
      headers: Array.isArray(req.rawHeaders[0])
        ? (req.rawHeaders as unknown as [string, string][])
        : pairHeaders(req.rawHeaders as string[]),
      body: null,
    },
    error: { kind: 'blocked', code: refusal.reason, message: refusal.message },
    anomalies: [],
  };
}
