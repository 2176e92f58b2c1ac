/**
 * Flows for connections that never became a proxied exchange: a client that rejected the sensor's
 * certificate (mockttp 'tls-client-error') and a request the HTTP parser refused ('client-error').
 * Both are evidence on a honeynet (a pinned certificate, a scanner's malformed probe), so they are
 * recorded like any other flow, with what is known of the request.
 */
import type { ClientError, TlsHandshakeFailure } from 'mockttp';
import { newFlowId } from './flow-id.js';
import type { FlowDraft, ResponseDraft } from './flow-draft.js';
import { normalizeIp } from './net-names.js';
import { clip } from './tls-details.js';
import { LIMITS } from '@honeyproxy/protocol';

interface Context {
  readonly sensorId: string;
  /** Epoch offset for performance.now() readings. */
  readonly offset: number;
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

export function tlsFailureDraft(event: TlsHandshakeFailure, ctx: Context): FlowDraft {
  const t = event.timingEvents;
  const meta = event.tlsMetadata ?? {};
  const sni = meta.sniHostname;
  const host = event.destination?.hostname ?? sni;
  const port = event.destination?.port ?? 443;
  const max = LIMITS.tlsFieldLen;
  return {
    flowId: newFlowId(),
    sensorId: ctx.sensorId,
    mode: 'explicit',
    ts: { start: ctx.offset + t.connectTimestamp, end: ctx.offset + t.failureTimestamp },
    client: { ip: normalizeIp(event.remoteIpAddress), port: event.remotePort ?? 0 },
    server: { port, ...(host && { host }), ...(sni && { sni }) },
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
