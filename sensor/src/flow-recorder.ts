/**
 * Records every HTTP exchange mockttp proxies, straight from its request/response objects (no
 * mockttp events: they copy and re-buffer every exchange, which costs a third of the throughput).
 * One listener per request sets up the body taps and the upstream observation, and one close
 * handler turns the outcome — complete, aborted by the client, or failed upstream — into a draft.
 */
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { newFlowId } from './flow-id.js';
import type { BodySpill } from './body-spill.js';
import { BodyTap, mockttpBodyLimit } from './body-tap.js';
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
import type { HostResolver } from './host-resolver.js';
import { hostMismatchOf } from './host-mismatch.js';
import { hostOfAuthority, normalizeIp } from './net-names.js';
import type { ResponseHold } from './response-hold.js';
import type { ResponseHolds } from './response-holds.js';
import type { Endpoint } from './original-destination.js';
import type { RouteFacts } from './request-router.js';
import { clientTlsOf, type ClientTls } from './tls-details.js';
import type { UpstreamObservation, UpstreamTracker } from './upstream-tracker.js';

export type FlowMode = FlowDraft['mode'];

export interface FlowRecorderOptions {
  readonly sensorId: string;
  readonly maxBody: number;
  /** Where kept bytes past its threshold go instead of memory. */
  readonly bodySpill?: BodySpill;
  readonly clock: EpochClock;
  readonly tracker: UpstreamTracker;
  readonly log: Logger;
  /**
   * Receives each finished flow (exactly once per exchange), as soon as it is finished; returns
   * what settles once the flow is stored, when responses are held for it (`holds`).
   */
  readonly emit: (draft: FlowDraft | Promise<FlowDraft>) => Promise<void> | undefined;
  /** Holds each complete response's last bytes until emit's promise settles (write-before-last-byte). */
  readonly holds?: ResponseHolds;
  /** Request headers as received, before mockttp dropped Proxy-* (HTTP/1 only). */
  readonly receivedHeaders: (req: MockttpRequest) => readonly string[] | undefined;
  /** The original destination of a transparent connection (undefined: explicit). */
  readonly transparentOf?: (socket: Socket) => Endpoint | undefined;
  /** What routing decided for a request (connected address, or refusal). */
  readonly routeOf?: (req: MockttpRequest) => RouteFacts | undefined;
  /** The request target as the client sent it, when routing rewrote it. */
  readonly originalTargetOf?: (req: MockttpRequest) => string | undefined;
  /** Resolves Host/SNI names to flag hostMismatch; without it the flag is not set. */
  readonly resolver?: HostResolver;
  /** Longest wait at the end of a flow for a name still resolving (default 200 ms). */
  readonly mismatchWaitMs?: number;
}

export interface FlowRecorder {
  /** The inner server's 'request' listener (runs after mockttp's own). */
  readonly onRequest: (req: unknown, res: unknown) => void;
  /** Exchanges started and not yet finished. */
  readonly inProgress: () => number;
}

function asBytes(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (Buffer.isBuffer(chunk)) return chunk;
  return chunk instanceof Uint8Array
    ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    : undefined;
}

/** Where the end of a response is, for holding it until its flow is stored. */
interface EndHooks {
  /** Before the last bytes go out: the write that completes the Content-Length, else end(). */
  readonly beforeLast: () => void;
  /** After mockttp's end(): the response is complete as far as the sensor is concerned. */
  readonly afterEnd: () => void;
}

/**
 * Sees every chunk mockttp writes downstream and keeps the body in the tap (first max-body bytes,
 * the rest counted). mockttp also queues every write in its own tracking stream, unread unless
 * someone asks for the body (mockttp issue #209: it would queue a whole download): past its
 * maxBodySize (mockttpBodyLimit) the sensor asks, so mockttp reads it, drops its copy at the
 * limit and lets the rest flow by. Returns the byte count.
 */
function captureWrites(
  res: MockttpResponse,
  tap: BodyTap,
  maxBody: number,
  hooks: EndHooks | undefined,
): () => number {
  const drainAt = mockttpBodyLimit(maxBody);
  let written = 0;
  let draining = false;
  // Content-Length, when the response has one: a client is answered by its last byte, not by end()
  let expected = -1;
  let last = false;
  const seen = (chunk: unknown, encoding: unknown) => {
    const bytes = asBytes(chunk, encoding);
    if (!bytes || bytes.length === 0) return;
    if (written === 0) {
      const headers = res.getRawHeaders();
      expected = Number(headerValue(headers, 'content-length') ?? -1);
      tap.expect(expected);
      if (headerValue(headers, 'transfer-encoding') !== undefined) expected = -1;
    }
    written += bytes.length;
    tap.add(bytes);
    if (!draining && written > drainAt) {
      draining = true;
      res.body.asBuffer().catch(() => undefined); // aborts are recorded from the response
    }
    if (hooks && !last && expected >= 0 && written >= expected) {
      last = true;
      hooks.beforeLast();
    }
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
    if (!hooks || this.writableEnded) {
      return (end as (...args: unknown[]) => MockttpResponse).call(this, chunk, ...rest);
    }
    if (!last) {
      last = true;
      hooks.beforeLast();
    }
    const result = (end as (...args: unknown[]) => MockttpResponse).call(this, chunk, ...rest);
    hooks.afterEnd();
    return result;
  } as typeof res.end;
  return () => written;
}

export function createFlowRecorder(options: FlowRecorderOptions): FlowRecorder {
  const { sensorId, maxBody, clock, tracker, log, emit, receivedHeaders } = options;
  const transparentOf = options.transparentOf ?? (() => undefined);
  const { routeOf, originalTargetOf, resolver, holds } = options;
  const mismatchWaitMs = options.mismatchWaitMs ?? 200;
  let inProgress = 0;

  const start = (req: MockttpRequest, res: MockttpResponse) => {
    const flowId = newFlowId();
    const socket = req.socket as Socket | undefined;
    const original = socket ? transparentOf(socket) : undefined;
    const connection: ConnectionFacts = {
      clientTls: clientTlsOf(socket),
      tunnel: tunnelAddressOf(socket),
      mode: original ? 'transparent' : 'explicit',
      original,
    };
    // the Host name resolves while the exchange runs: its answer is usually there at the end
    if (resolver) {
      const name =
        hostOfAuthority(headerValue(req.rawHeaders, 'host')) ?? connection.clientTls?.sni;
      if (name && isIP(name) === 0) void resolver.resolve(name);
    }
    const conn = connectionOf(req);
    const obs = conn
      ? tracker.expect(conn, req.method ?? '', (req as { path?: string }).path ?? '')
      : undefined;
    const requestTap = new BodyTap(maxBody, options.bodySpill);
    requestTap.expect(Number(req.headers['content-length']));
    const responseTap = new BodyTap(maxBody, options.bodySpill);

    // Follow mockttp's request buffering from the moment passthrough starts it (starting it
    // earlier would change when the body is read).
    const body = req.body;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(body) below
    const asBuffer = body.asBuffer;
    body.asBuffer = () => {
      const buffer = asBuffer.call(body);
      requestTap.attach(buffer, (add) => req.on('data', add));
      return buffer;
    };
    inProgress++;
    let finished = false;
    // write-before-last-byte: the response's end waits until the sink has stored its flow
    let hold: ResponseHold | undefined;
    const hooks: EndHooks | undefined = holds && {
      beforeLast: () => {
        hold ??= holds.hold(req, res);
      },
      afterEnd: () => {
        let stored: Promise<void> | undefined;
        try {
          stored = finish(true);
        } catch (err) {
          log.error({ err, flowId }, 'could not record flow');
        }
        if (!hold) return;
        if (stored) holds.releaseWhen(hold, stored);
        else holds.release(hold);
      },
    };
    const written = captureWrites(res, responseTap, maxBody, hooks);

    /** Records the flow; returns what the sink's storing of it settles with, if anything. */
    const finish = (complete: boolean): Promise<void> | undefined => {
      if (finished) return undefined;
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
      try {
        if (!complete || (responseTap.settledNow && !waitRequest)) {
          return emit(withMismatch(draftOf(req, res, outcome)));
        }
        // mockttp's buffers settle on a later tick
        return emit(
          Promise.all([responseTap.settled(), waitRequest ? requestTap.settled() : undefined]).then(
            () => withMismatch(draftOf(req, res, outcome)),
          ),
        );
      } catch (err) {
        // a bug here must cost one flow, not the process
        log.error({ err, flowId }, 'could not record flow');
        return undefined;
      }
    };
    // 'close' follows 'finish' (a tick later) for complete responses and comes alone for aborted
    // ones; with holds, a complete response was recorded at its end() already
    res.once('close', () => {
      if (hold) holds?.release(hold);
      try {
        // an unheld flow (failed, aborted, or no holds): nothing waits for its storing
        void finish(res.writableFinished);
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
    original: Endpoint | undefined;
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
    const route = routeOf?.(req);
    if (route?.blocked) {
      error = { kind: 'blocked', code: route.blocked.reason, message: route.blocked.message };
    }
    const sentTarget = originalTargetOf?.(req);
    if (sentTarget !== undefined) anomalies.push('absolute-form-on-transparent');

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
    const original = o.connection.original;
    const server: FlowDraft['server'] = {
      port: obs?.port ?? route?.port ?? original?.port ?? req.destination.port,
    };
    const ip = obs?.ip ?? route?.ip ?? original?.address;
    if (ip !== undefined) server.ip = ip;
    if (host) server.host = host;
    if (clientTls?.sni !== undefined) {
      server.sni = clientTls.sni;
      if (host && host.toLowerCase() !== clientTls.sni.toLowerCase() && isIP(host) === 0) {
        anomalies.push('host-sni-differ');
      }
    }
    const draft: FlowDraft = {
      flowId: o.flowId,
      sensorId,
      mode,
      ts,
      client: { ip: normalizeIp(req.remoteIpAddress), port: req.remotePort ?? 0 },
      server,
      request: {
        method: req.method ?? '',
        url: sentTarget ?? req.url,
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

  /** Sets hostMismatch from the (usually cached) answer for the Host name, waiting a little at most. */
  const withMismatch = (draft: FlowDraft): FlowDraft | Promise<FlowDraft> => {
    if (!resolver) return draft;
    const check = hostMismatchOf(draft, resolver, mismatchWaitMs);
    return check instanceof Promise ? check.then(() => draft) : draft;
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
