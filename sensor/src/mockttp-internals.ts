/**
 * The one place that touches mockttp 4.6.5 internals: the private `server` field, httpolyglot's
 * HTTP/1 sub-server, the socket symbols, the extra fields mockttp puts on requests and responses,
 * and its error tags. mockttp is pinned exactly; mockttp-internals.test.ts fails if an upgrade
 * moves any of these. Each accessor checks its shape and throws MockttpInternalsError instead of
 * misbehaving quietly.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Http2Session } from 'node:http2';
import { createRequire } from 'node:module';
import { isIP, type Server as NetServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Mockttp } from 'mockttp';
import {
  LastTunnelAddress,
  TlsMetadata,
  UpstreamConnectionAgents,
} from 'mockttp/dist/util/socket-extensions';

export class MockttpInternalsError extends Error {
  override readonly name = 'MockttpInternalsError';
  constructor(what: string) {
    super(`mockttp internals changed (${what}); the sensor supports mockttp 4.6.5 exactly`);
  }
}

/** streamToBuffer's promise: resolves with the whole body, or empty after 'truncate'. */
export interface BufferInProgress extends Promise<Buffer> {
  /** Chunks received so far (reset to [] when the body goes over maxBodySize). */
  currentChunks: Buffer[];
  /** Emits 'truncate' with the chunks so far when the body goes over maxBodySize. */
  events: EventEmitter;
}

export interface OngoingBody {
  asBuffer(): BufferInProgress;
}

export interface TimingEvents {
  startTime: number;
  startTimestamp: number;
  bodyReceivedTimestamp?: number;
  headersSentTimestamp?: number;
  responseSentTimestamp?: number;
  abortedTimestamp?: number;
}

/** An IncomingMessage (or Http2ServerRequest) after mockttp's preprocessing. */
export interface MockttpRequest extends Omit<IncomingMessage, 'rawHeaders'> {
  id: string;
  /** Absolute URL. */
  url: string;
  /** Paired raw headers (mockttp drops Proxy-* from absolute-form requests). */
  rawHeaders: [string, string][];
  destination: { hostname: string; port: number };
  remoteIpAddress?: string;
  remotePort?: number;
  timingEvents: TimingEvents;
  /** Shared with the response: mockttp pushes 'passthrough-error:<code>' here. */
  tags: string[];
  body: OngoingBody;
  /** Set on HTTP/2 requests. */
  stream?: { session?: Http2Session };
}

export interface MockttpResponse extends ServerResponse {
  body: OngoingBody;
  getRawHeaders(): [string, string][];
}

export interface TlsSocketMetadata {
  sniHostname?: string;
  clientAlpn?: string[];
  ja3Fingerprint?: string;
  ja4Fingerprint?: string;
}

/** A downstream connection as mockttp keys upstream agents: socket, or HTTP/2 session. */
export type Connection = Socket | Http2Session;

type WithSymbols = Record<symbol, unknown>;

/** mockttp's listening server (httpolyglot), available after start(). */
export function innerServer(proxy: Mockttp): NetServer {
  const server = (proxy as unknown as { server?: unknown }).server;
  if (!server || typeof (server as NetServer).address !== 'function') {
    throw new MockttpInternalsError('Mockttp#server');
  }
  return server as NetServer;
}

/** httpolyglot's HTTP/1 sub-server, where 'http.server.request.start' comes from. */
export function http1Server(inner: NetServer): HttpServer {
  const server = (inner as unknown as { _httpServer?: unknown })._httpServer;
  if (!server || typeof (server as HttpServer).setTimeout !== 'function') {
    throw new MockttpInternalsError('httpolyglot _httpServer');
  }
  return server as HttpServer;
}

/** Checks that a 'request' event carries mockttp's preprocessed request and tracked response. */
export function asMockttpExchange(req: unknown, res: unknown): [MockttpRequest, MockttpResponse] {
  const r = req as Partial<MockttpRequest>;
  const s = res as Partial<MockttpResponse>;
  if (
    typeof r.id !== 'string' ||
    typeof r.timingEvents?.startTimestamp !== 'number' ||
    !Array.isArray(r.tags) ||
    typeof r.body?.asBuffer !== 'function' ||
    typeof s.body?.asBuffer !== 'function' ||
    typeof s.getRawHeaders !== 'function'
  ) {
    throw new MockttpInternalsError('preprocessed request/response shape');
  }
  return [req as MockttpRequest, res as MockttpResponse];
}

/** The connection mockttp links this request's upstream agents to (its getConnection()). */
export function connectionOf(req: MockttpRequest): Connection | undefined {
  if (req.httpVersion.startsWith('2')) return req.stream?.session;
  return req.socket;
}

/** Upstream agents mockttp created for a downstream connection. */
export function connectionAgents(conn: Connection): Map<string, unknown> | undefined {
  const agents = (conn as unknown as WithSymbols)[UpstreamConnectionAgents];
  return agents instanceof Map ? (agents as Map<string, unknown>) : undefined;
}

/** A symbol mockttp set on a socket or (for a TLS socket) on the raw socket beneath it. */
function socketMark(socket: Socket | undefined, symbol: symbol): unknown {
  if (!socket) return undefined;
  const own = (socket as unknown as WithSymbols)[symbol];
  if (own !== undefined) return own;
  const parent = (socket as unknown as { _parent?: unknown })._parent;
  return parent && typeof parent === 'object' ? (parent as WithSymbols)[symbol] : undefined;
}

/** ClientHello facts mockttp parsed for a TLS socket (SNI, offered ALPN, JA3, JA4). */
export function tlsMetadataOf(socket: Socket | undefined): TlsSocketMetadata | undefined {
  const meta = socketMark(socket, TlsMetadata);
  return meta && typeof meta === 'object' ? meta : undefined;
}

/** The CONNECT target ("host:port") a socket was tunnelled to, if it was. */
export function tunnelAddressOf(socket: Socket | undefined): string | undefined {
  const address = socketMark(socket, LastTunnelAddress);
  return typeof address === 'string' ? address : undefined;
}

/** 'host:port' / '[v6]:port' → destination (port 443 when absent: CONNECT targets of TLS). */
export function parseTunnelAddress(address: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  if (!match) return { hostname: address, port: 443 };
  return { hostname: match[1] ?? match[2] ?? address, port: Number(match[3]) };
}

/**
 * mockttp's 'tls-client-error' events carry no destination for CONNECT tunnels, but the failing
 * socket knows it. Wraps the (private) announcer, before start() binds it, to add it to the event.
 */
export function addTunnelToTlsFailures(
  proxy: Mockttp,
  annotate?: (socket: Socket, failure: object) => void,
): void {
  const target = proxy as unknown as { announceTlsErrorAsync?: unknown };
  const announce = target.announceTlsErrorAsync;
  if (typeof announce !== 'function')
    throw new MockttpInternalsError('MockttpServer#announceTlsErrorAsync');
  target.announceTlsErrorAsync = function (
    this: unknown,
    socket: Socket,
    failure: { destination?: unknown },
  ) {
    const tunnel = tunnelAddressOf(socket);
    if (tunnel && failure && typeof failure === 'object' && !failure.destination) {
      failure.destination = parseTunnelAddress(tunnel);
    }
    if (failure && typeof failure === 'object') annotate?.(socket, failure);
    return (announce as (...args: unknown[]) => unknown).call(this, socket, failure);
  };
}

/** The upstream error code mockttp tagged on a request ('passthrough-error:ECONNREFUSED'). */
export function upstreamErrorCode(tags: readonly string[]): string | undefined {
  for (const tag of tags) {
    if (tag.startsWith('passthrough-error:')) return tag.slice('passthrough-error:'.length);
  }
  return undefined;
}

/** Makes mockttp treat a socket as tunnelled to `address` ('ip:port'): requests go there. */
export function setTunnelAddress(socket: Socket, address: string): void {
  (socket as unknown as WithSymbols)[LastTunnelAddress] = address;
}

/** A passthrough step's handler: (request, response, options) or, for WebSockets, (request, socket, head, options). */
export type StepHandle = (this: unknown, ...args: unknown[]) => Promise<unknown>;

interface StepHolder {
  steps?: unknown;
}

function passThroughSteps(
  proxy: Mockttp,
  ruleSets: string,
  stepType: string,
): { handle: StepHandle }[] {
  const sets = (proxy as unknown as Record<string, unknown>)[ruleSets];
  if (!sets || typeof sets !== 'object')
    throw new MockttpInternalsError(`MockttpServer#${ruleSets}`);
  const steps: { handle: StepHandle }[] = [];
  for (const rules of Object.values(sets as Record<string, unknown>)) {
    if (!Array.isArray(rules)) throw new MockttpInternalsError(`MockttpServer#${ruleSets} shape`);
    for (const rule of rules as StepHolder[]) {
      if (!Array.isArray(rule.steps)) throw new MockttpInternalsError('Rule#steps');
      for (const step of rule.steps as { type?: unknown; handle?: unknown }[]) {
        if (step.type === stepType && typeof step.handle === 'function') {
          steps.push(step as { handle: StepHandle });
        }
      }
    }
  }
  if (steps.length === 0) throw new MockttpInternalsError(`no passthrough step in ${ruleSets}`);
  return steps;
}

/**
 * Wraps the handler of every passthrough step of the proxy's HTTP rules (`requests`) and
 * WebSocket rules (`webSockets`): the wrapper runs before mockttp dials, and may answer instead.
 */
export function wrapPassThroughSteps(
  proxy: Mockttp,
  wrap: {
    requests: (original: StepHandle) => StepHandle;
    webSockets: (original: StepHandle) => StepHandle;
  },
): void {
  for (const step of passThroughSteps(proxy, 'requestRuleSets', 'passthrough'))
    step.handle = wrap.requests(step.handle);
  for (const step of passThroughSteps(proxy, 'webSocketRuleSets', 'ws-passthrough'))
    step.handle = wrap.webSockets(step.handle);
}

/** httpolyglot's HTTP/2 sub-server (where HTTP/2 CONNECT arrives). */
export function http2Server(inner: NetServer): EventEmitter {
  const server = (inner as unknown as { _http2Server?: unknown })._http2Server;
  if (!server || typeof (server as EventEmitter).listeners !== 'function') {
    throw new MockttpInternalsError('httpolyglot _http2Server');
  }
  return server as EventEmitter;
}

/**
 * Puts `gate` in front of mockttp's CONNECT handling on the HTTP/1 and HTTP/2 sub-servers; the
 * gate calls `proceed()` to let mockttp open the tunnel, or answers and never calls it. The
 * sub-servers' 'connect' event is intercepted at emit: httpolyglot mirrors listener removals
 * across its sub-servers, so mockttp's listener cannot be taken out and put back.
 */
export function gateConnect(
  inner: NetServer,
  gate: (req: IncomingMessage, socketOrResponse: unknown, proceed: () => void) => void,
): void {
  for (const server of [http1Server(inner), http2Server(inner)]) {
    if (server.listenerCount('connect') === 0)
      throw new MockttpInternalsError('no CONNECT listener');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
    const emit = server.emit;
    server.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]) {
      if (event !== 'connect') return emit.call(this, event, ...args);
      const [req, target] = args as [IncomingMessage, unknown];
      gate(req, target, () => void emit.call(this, event, ...args));
      return true;
    };
  }
}

/**
 * Runs `admit` on every TCP connection the proxy accepts, before httpolyglot reads its first byte:
 * wraps httpolyglot's `connectionListener` (its one listener of the listening server's
 * 'connection'; other listeners go through httpolyglot's event proxying to its sub-servers, so the
 * event itself is not touched). A refused socket is destroyed by `admit` and not handed on. TLS
 * sockets (httpolyglot passes decrypted connections back through the same method) and re-emitted
 * CONNECT tunnels reach `admit` too: it must let sockets it has seen pass.
 */
export function gateConnections(inner: NetServer, admit: (socket: Socket) => boolean): void {
  const target = inner as unknown as { connectionListener?: unknown };
  const original = target.connectionListener;
  if (typeof original !== 'function')
    throw new MockttpInternalsError('httpolyglot connectionListener');
  target.connectionListener = function (this: unknown, socket: Socket) {
    if (socket instanceof TLSSocket || admit(socket)) {
      return (original as (socket: Socket) => unknown).call(this, socket);
    }
    return undefined;
  };
}

type GetDestination = (protocol: string, host: string) => { hostname: string; port: number };
let destinationsFixed = false;

/**
 * mockttp 4.6.5's getDestination splits 'host:port' at the last colon, so a Host header that is a
 * bracketed IPv6 address without a port ('[fd00::2]', what curl sends for http://[fd00::2]/) becomes
 * hostname '[fd00:' and the request fails with a 400 before any rule runs. Patched once, process
 * wide, on the module object mockttp's own code reads it from (its CommonJS exports).
 */
export function fixIpv6Destinations(): void {
  if (destinationsFixed) return;
  const url = createRequire(import.meta.url)('mockttp/dist/util/url') as {
    getDestination?: unknown;
    getDefaultPort?: unknown;
  };
  const original = url.getDestination;
  const defaultPort = url.getDefaultPort;
  if (typeof original !== 'function' || typeof defaultPort !== 'function') {
    throw new MockttpInternalsError('mockttp/dist/util/url getDestination');
  }
  url.getDestination = ((protocol, host) => {
    // only '[v6]': mockttp itself passes unbracketed 'v6:port' here (normalizeHost)
    if (host.startsWith('[') && host.endsWith(']') && isIP(host.slice(1, -1)) === 6) {
      return {
        hostname: host.slice(1, -1),
        port: (defaultPort as (p: string) => number)(protocol),
      };
    }
    return (original as GetDestination)(protocol, host);
  }) satisfies GetDestination;
  destinationsFixed = true;
}
