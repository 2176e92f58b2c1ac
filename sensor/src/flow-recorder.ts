/**
 * Records every HTTP exchange mockttp proxies, straight from its request/response objects (no
 * mockttp events: they copy and re-buffer every exchange, which costs a third of the throughput).
 * One listener per request sets up the body taps and the upstream observation, and one close
 * handler turns the outcome — complete, aborted by the client, or failed upstream — into a draft.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { newFlowId } from './flow-id.js';
import { BodyTap } from './body-tap.js';
import type { EpochClock } from './epoch-clock.js';
import { headerValue, pairHeaders, type FlowDraft, type ResponseDraft } from './flow-draft.js';
import {
  asMockttpExchange,
  connectionOf,
  tunnelAddressOf,
  upstreamErrorCode,
  type MockttpRequest,
  type MockttpResponse,
} from './mockttp-internals.js';
import { hostOfAuthority, normalizeIp } from './net-names.js';
import { clientTlsOf, type ClientTls } from './tls-details.js';
import type { UpstreamObservation, UpstreamTracker } from './upstream-tracker.js';

export type FlowMode = FlowDraft['mode'];

export interface FlowRecorderOptions {
  readonly sensorId: string;
  readonly maxBody: number;
  readonly clock: EpochClock;
  readonly tracker: UpstreamTracker;
  readonly log: Logger;
  /** Receives each finished flow (exactly once per exchange), as soon as it is finished. */
  readonly emit: (draft: FlowDraft | Promise<FlowDraft>) => void;
  /** Request headers as received, before mockttp dropped Proxy-* (HTTP/1 only). */
  readonly receivedHeaders: (req: MockttpRequest) => readonly string[] | undefined;
  /** Explicit or transparent: decided per downstream socket (transparent mode tags its sockets). */
  readonly modeOf?: (socket: Socket) => FlowMode;
}

export interface FlowRecorder {
  /** The inner server's 'request' listener (runs after mockttp's own). */
  readonly onRequest: (req: unknown, res: unknown) => void;
  /** Exchanges started and not yet finished. */
  readonly inProgress: () => number;
}

/** Response bodies up to this size are kept from the writes; larger ones via mockttp's buffer. */
const DIRECT_CAPTURE_MAX = 256 * 1024;

function asBytes(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (Buffer.isBuffer(chunk)) return chunk;
  return chunk instanceof Uint8Array
    ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    : undefined;
}

/**
 * Sees every chunk mockttp writes downstream: small bodies are kept straight from the writes;
 * past DIRECT_CAPTURE_MAX the body is handed to mockttp's buffer, which still holds it all (its
 * tracking stream is unread until then) and bounds it at max-body. Returns the byte count, the
 * real length past a truncation.
 */
function captureWrites(res: MockttpResponse, tap: BodyTap, maxBody: number): () => number {
  const handOverAt = Math.min(maxBody, DIRECT_CAPTURE_MAX);
  let written = 0;
  const seen = (chunk: unknown, encoding: unknown) => {
    const bytes = asBytes(chunk, encoding);
    if (!bytes || bytes.length === 0) return;
    written += bytes.length;
    if (tap.attached) return;
    if (written > handOverAt) tap.attach(res.body.asBuffer(), () => undefined);
    else tap.collect(bytes);
  };
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
  const write = res.write;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
  const end = res.end;
  res.write = function (this: MockttpResponse, chunk: unknown, ...rest: unknown[]) {
    seen(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: MockttpResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') seen(chunk, rest[0]);
    return (end as (...args: unknown[]) => MockttpResponse).call(this, chunk, ...rest);
  } as typeof res.end;
  return () => written;
}

export function createFlowRecorder(options: FlowRecorderOptions): FlowRecorder {
  const { sensorId, maxBody, clock, tracker, log, emit, receivedHeaders } = options;
  const modeOf = options.modeOf ?? (() => 'explicit' as const);
  let inProgress = 0;

  const start = (req: MockttpRequest, res: MockttpResponse) => {
    const flowId = newFlowId();
    const socket = req.socket as Socket | undefined;
    const connection: ConnectionFacts = {
      clientTls: clientTlsOf(socket),
      tunnel: tunnelAddressOf(socket),
      mode: socket ? modeOf(socket) : 'explicit',
    };
    const conn = connectionOf(req);
    const obs = conn
      ? tracker.expect(conn, req.method ?? '', (req as { path?: string }).path ?? '')
      : undefined;
    const requestTap = new BodyTap(maxBody);
    const responseTap = new BodyTap(maxBody);

    // Follow mockttp's request buffering from the moment passthrough starts it (starting it
    // earlier would change when the body is read).
    const body = req.body;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(body) below
    const asBuffer = body.asBuffer;
    body.asBuffer = () => {
      const buffer = asBuffer.call(body);
      requestTap.attach(buffer, (add) => req.on('data', (chunk: Buffer) => add(chunk.length)));
      return buffer;
    };
    const written = captureWrites(res, responseTap, maxBody);

    inProgress++;
    let finished = false;
    const finish = (complete: boolean) => {
      if (finished) return;
      finished = true;
      inProgress--;
      const endPerf = performance.now();
      if (conn && obs) tracker.settle(conn, obs);
      const requestComplete = req.complete;
      const outcome = {
        connection,
        flowId,
        complete,
        requestComplete,
        endPerf,
        obs,
        requestTap,
        responseTap,
        written,
      };
      const waitRequest = requestComplete && !requestTap.settledNow;
      if (!complete || (responseTap.settledNow && !waitRequest)) {
        emit(draftOf(req, res, outcome));
      } else {
        // mockttp's buffers settle on a later tick
        emit(
          Promise.all([responseTap.settled(), waitRequest ? requestTap.settled() : undefined]).then(
            () => draftOf(req, res, outcome),
          ),
        );
      }
    };
    // 'close' follows 'finish' (a tick later) for complete responses and comes alone for aborted ones
    res.once('close', () => {
      try {
        finish(res.writableFinished);
      } catch (err) {
        // a bug here must cost one flow, not the process
        log.error({ err, flowId }, 'could not record flow');
      }
    });
  };

  /** Facts of the downstream connection, read at the start (an HTTP/2 stream loses its socket). */
  interface ConnectionFacts {
    clientTls: ClientTls | null;
    tunnel: string | undefined;
    mode: FlowMode;
  }

  interface Outcome {
    connection: ConnectionFacts;
    flowId: string;
    complete: boolean;
    requestComplete: boolean;
    endPerf: number;
    obs: UpstreamObservation | undefined;
    requestTap: BodyTap;
    responseTap: BodyTap;
    written: () => number;
  }

  const draftOf = (req: MockttpRequest, res: MockttpResponse, o: Outcome): FlowDraft => {
    const { obs } = o;
    const anomalies: string[] = [];
    const t = req.timingEvents;
    const offset = clock.offset();
    const { clientTls, tunnel, mode } = o.connection;
    const received = receivedHeaders(req);
    const requestHeaders = received ? pairHeaders(received) : req.rawHeaders;
    const authority =
      headerValue(requestHeaders, 'host') ?? headerValue(requestHeaders, ':authority');
    const host = hostOfAuthority(authority) ?? hostOfAuthority(tunnel) ?? req.destination.hostname;

    let response: ResponseDraft | undefined;
    if (obs?.response) {
      response = {
        status: obs.response.status,
        reason: obs.response.reason,
        httpVersion: obs.response.httpVersion,
        headers: pairHeaders(obs.response.rawHeaders),
        body: null,
      };
    } else if (res.headersSent) {
      // no upstream response seen: mockttp answered itself (or the upstream was HTTP/2)
      response = {
        status: res.statusCode,
        reason: res.statusMessage ?? '',
        httpVersion: req.httpVersion,
        headers: res.getRawHeaders(),
        body: null,
      };
      if (!obs?.matched) anomalies.push('response-from-sensor');
    }
    if (response) {
      const captured = o.responseTap.snapshot();
      // past a truncation the tap only knows the prefix: the byte count comes from the writes
      response.body = captured?.truncated
        ? { ...captured, len: Math.max(captured.len, o.written()) }
        : captured;
    }

    let error: FlowDraft['error'];
    if (!o.complete) {
      const code = obs?.error?.code ?? upstreamErrorCode(req.tags);
      if (obs?.error || code) {
        error = {
          kind: 'upstream-unreachable',
          ...(code && { code }),
          message: obs?.error?.message ?? `upstream connection failed (${code ?? 'unknown'})`,
        };
        if (res.headersSent) anomalies.push('upstream-aborted-mid-response');
      } else {
        error = {
          kind: 'client-abort',
          message: 'client closed the connection before the response was complete',
        };
      }
    } else if (!o.requestComplete) {
      anomalies.push('request-body-incomplete');
    }

    // built by assignment, not spreads: this runs for every flow
    const upstreamTls = obs?.tls;
    let tls: FlowDraft['tls'];
    if (clientTls || upstreamTls) {
      tls = clientTls ? { ...clientTls.tls } : {};
      if (upstreamTls) tls.upstream = upstreamTls;
    }
    const ts: FlowDraft['ts'] = { start: offset + t.startTimestamp };
    if (t.bodyReceivedTimestamp !== undefined) ts.requestEnd = offset + t.bodyReceivedTimestamp;
    if (t.headersSentTimestamp !== undefined) ts.responseStart = offset + t.headersSentTimestamp;
    ts.end = offset + o.endPerf;
    const server: FlowDraft['server'] = { port: obs?.port ?? req.destination.port };
    if (obs?.ip !== undefined) server.ip = obs.ip;
    if (host) server.host = host;
    if (clientTls?.sni !== undefined) server.sni = clientTls.sni;
    const draft: FlowDraft = {
      flowId: o.flowId,
      sensorId,
      mode,
      ts,
      client: { ip: normalizeIp(req.remoteIpAddress), port: req.remotePort ?? 0 },
      server,
      request: {
        method: req.method ?? '',
        url: req.url,
        httpVersion: req.httpVersion,
        headers: requestHeaders,
        body: o.requestTap.snapshot(),
      },
      anomalies,
    };
    if (tls) draft.tls = tls;
    if (response) draft.response = response;
    if (error) draft.error = error;
    return draft;
  };

  return {
    onRequest: (rawReq, rawRes) => {
      try {
        const [req, res] = asMockttpExchange(rawReq, rawRes);
        start(req, res);
      } catch (err) {
        log.error({ err }, 'could not follow a request');
      }
    },
    inProgress: () => inProgress,
  };
}
