/**
 * Where each request goes, decided before mockttp dials: a transparent connection's requests go to
 * its original destination (mockttp's tunnel address, set by the connection gate); an explicit
 * request's host is resolved once and its address checked by containment, then mockttp connects
 * to that address (the Host header and SNI are kept for the server). A refused destination gets a
 * 403 from the sensor and nothing is connected; a CONNECT to one is refused before the tunnel.
 * What was decided is kept per request for the flow recorder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { Socket } from 'node:net';
import type { BlockReason } from './containment.js';
import type { Route, DestinationGuard } from './destination-guard.js';
import { transparentDestinationOf } from './connection-gate.js';
import { parseTunnelAddress, type MockttpRequest, type StepHandle } from './mockttp-internals.js';

/** What routing decided for a request (kept for its flow). */
export interface RouteFacts {
  /** The address connected to, or refused. */
  ip?: string;
  port?: number;
  blocked?: { reason: BlockReason | 'connect-on-transparent'; message: string };
}

/** The refused request: Node's CONNECT request, or mockttp's upgrade request. */
export interface RefusedRequest {
  readonly method?: string | undefined;
  readonly httpVersion: string;
  readonly rawHeaders: readonly unknown[];
  readonly socket?: unknown;
}

export interface RefusedTunnel {
  req: RefusedRequest;
  target: string;
  host: string;
  port: number;
  ip?: string;
  reason: BlockReason | 'connect-on-transparent';
  message: string;
  transparent: boolean;
}

export interface RequestRouterOptions {
  readonly guard: DestinationGuard;
  /** A CONNECT (or WebSocket upgrade) was refused: record it. */
  readonly onRefused: (refusal: RefusedTunnel) => void;
  /** Counts refusals (requests, tunnels, upgrades). */
  readonly onBlocked?: () => void;
}

export interface RequestRouter {
  readonly wrapRequestStep: (original: StepHandle) => StepHandle;
  readonly wrapWebSocketStep: (original: StepHandle) => StepHandle;
  /** mockttp's CONNECT gate (see gateConnect). */
  readonly gateConnect: (req: IncomingMessage, target: unknown, proceed: () => void) => void;
  /** 'http.server.request.start': absolute-form on a transparent socket becomes origin-form. */
  readonly onRequestStart: (request: IncomingMessage) => void;
  readonly routeOf: (req: object) => RouteFacts | undefined;
  /** The request target as sent, when routing rewrote it. */
  readonly originalTargetOf: (req: object) => string | undefined;
}

const routes = new WeakMap<object, RouteFacts>();
const originalTargets = new WeakMap<object, string>();

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

function forbidden(res: ServerResponse | Http2ServerResponse, message: string): void {
  const body = `${message}\n`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  (res as ServerResponse).writeHead(403, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function createRequestRouter(options: RequestRouterOptions): RequestRouter {
  const { guard, onRefused } = options;
  const counted = () => options.onBlocked?.();

  /** Sends the request where routing says, or answers it; returns false when answered. */
  const apply = (req: MockttpRequest, route: Route, facts: RouteFacts): boolean => {
    if (route.kind === 'unresolved') {
      // as mockttp does for an upstream that cannot be reached: reset, tagged with the cause
      req.tags.push(`passthrough-error:${route.code}`);
      return false;
    }
    facts.ip = route.ip;
    facts.port = route.port;
    if (route.kind === 'blocked') {
      facts.blocked = { reason: route.reason, message: route.message };
      counted();
      return false;
    }
    req.destination = { hostname: route.ip, port: route.port };
    return true;
  };

  const decide = (req: MockttpRequest): Route | Promise<Route> => {
    const transparent = transparentDestinationOf(req.socket);
    if (transparent) return guard.route(transparent.address, transparent.port);
    return guard.route(req.destination.hostname, req.destination.port);
  };

  const wrapRequestStep = (original: StepHandle): StepHandle =>
    // not async: most routes are decided at once (an address, or a cached name), and this runs
    // for every request
    function (this: unknown, ...args: unknown[]) {
      const [req, res] = args as [MockttpRequest, ServerResponse];
      const facts: RouteFacts = {};
      routes.set(req, facts);
      const go = (route: Route): Promise<unknown> => {
        if (apply(req, route, facts)) return original.apply(this, args);
        if (facts.blocked) forbidden(res, facts.blocked.message);
        else res.destroy();
        return Promise.resolve(undefined);
      };
      const decided = decide(req);
      return isPromise(decided) ? decided.then(go) : go(decided);
    };

  const wrapWebSocketStep = (original: StepHandle): StepHandle =>
    async function (this: unknown, ...args: unknown[]) {
      const [req, socket] = args as [MockttpRequest, Socket];
      const facts: RouteFacts = {};
      routes.set(req, facts);
      const decided = decide(req);
      const route = isPromise(decided) ? await decided : decided;
      if (apply(req, route, facts)) return original.apply(this, args);
      if (facts.blocked) {
        const body = `${facts.blocked.message}\n`;
        socket.end(
          `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
        onRefused({
          req,
          target: req.url,
          host: req.destination.hostname,
          port: route.port,
          ...(facts.ip !== undefined && { ip: facts.ip }),
          reason: facts.blocked.reason,
          message: facts.blocked.message,
          transparent: !!transparentDestinationOf(req.socket),
        });
      } else {
        socket.destroy();
      }
      return undefined;
    };

  const refuseTunnel = (
    req: IncomingMessage,
    target: unknown,
    refusal: Omit<RefusedTunnel, 'req' | 'target'>,
  ) => {
    counted();
    const body = `${refusal.message}\n`;
    if (target instanceof Socket) {
      target.end(
        `HTTP/${req.httpVersion} 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    } else {
      const res = target as Http2ServerResponse;
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    }
    onRefused({ req, target: req.url ?? '', ...refusal });
  };

  const gateConnect = (req: IncomingMessage, target: unknown, proceed: () => void) => {
    const authority = req.url || req.headers[':authority'] || req.headers.host || '';
    const { hostname, port } = parseTunnelAddress(String(authority));
    if (transparentDestinationOf(req.socket)) {
      // a redirected connection must not choose its own destination
      refuseTunnel(req, target, {
        host: hostname,
        port,
        reason: 'connect-on-transparent',
        message: 'containment: CONNECT on a redirected (transparent) connection; not forwarded',
        transparent: true,
      });
      return;
    }
    const settle = (route: Route) => {
      if (route.kind !== 'blocked') {
        // an unresolvable name fails when the first request tries it, as an upstream error
        proceed();
        return;
      }
      refuseTunnel(req, target, {
        host: hostname,
        port,
        ip: route.ip,
        reason: route.reason,
        message: route.message,
        transparent: false,
      });
    };
    const decided = guard.route(hostname, port);
    if (isPromise(decided)) {
      decided.then(settle, () => proceed());
    } else {
      settle(decided);
    }
  };

  const onRequestStart = (request: IncomingMessage) => {
    const url = request.url;
    if (!url || url.startsWith('/') || url === '*') return;
    if (!transparentDestinationOf(request.socket)) return;
    // absolute-form on a redirected connection: the original destination still decides; the
    // target as sent is kept for the flow
    originalTargets.set(request, url);
    try {
      const parsed = new URL(url);
      request.url = `${parsed.pathname || '/'}${parsed.search}`;
    } catch {
      request.url = '/';
    }
  };

  return {
    wrapRequestStep,
    wrapWebSocketStep,
    gateConnect,
    onRequestStart,
    routeOf: (req) => routes.get(req),
    originalTargetOf: (req) => originalTargets.get(req),
  };
}
