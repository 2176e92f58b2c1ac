/**
 * Watches the sensor's own upstream requests through Node's diagnostics channels (no mockttp
 * patch): which address was really connected, the server's TLS certificate chain and handshake,
 * the exact response head the server sent, and the error when it failed. mockttp keeps one set of
 * upstream agents per downstream connection, so a ClientRequest's agent leads back to the
 * downstream connection, and from there to the flow waiting for an upstream request.
 *
 * Blind spots: HTTP/2 upstream (http2-wrapper does not use http.ClientRequest), WebSocket upgrades.
 */
import dc from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { UpstreamTls } from '@honeyproxy/protocol';
import { connectionAgents, type Connection } from './mockttp-internals.js';
import { normalizeIp } from './net-names.js';
import { upstreamTlsOf } from './tls-details.js';

/** What the tracker learned about one flow's upstream request; filled in as it happens. */
export interface UpstreamObservation {
  readonly method: string;
  readonly path: string;
  matched: boolean;
  ip?: string;
  port?: number;
  tls?: UpstreamTls;
  response?: { httpVersion: string; status: number; reason: string; rawHeaders: string[] };
  error?: { code?: string; message: string };
}

export interface UpstreamTracker {
  /** Registers a flow on `conn` that is about to make its upstream request. */
  expect(conn: Connection, method: string, path: string): UpstreamObservation;
  /** The flow is over: stop waiting for its upstream request. */
  settle(conn: Connection, obs: UpstreamObservation): void;
  close(): void;
}

const START = 'http.client.request.start';
const FINISH = 'http.client.response.finish';
const ERROR = 'http.client.request.error';

const upstreamTlsBySocket = new WeakMap<Socket, UpstreamTls>();
/** Set on mockttp's upstream agents and requests (cheaper than WeakMaps, at a request a flow). */
const ownerConnection = Symbol('honeyproxy.connection');
const observation = Symbol('honeyproxy.observation');

type Marked<T> = { [ownerConnection]?: T; [observation]?: UpstreamObservation };

function readAddress(socket: Socket, obs: UpstreamObservation): void {
  if (socket.remoteAddress) {
    obs.ip = normalizeIp(socket.remoteAddress);
    obs.port = socket.remotePort;
  }
}

function handshakeDone(socket: TLSSocket): boolean {
  const cert = socket.getPeerCertificate();
  return !!cert && Object.keys(cert).length > 0;
}

function observeSocket(socket: Socket, obs: UpstreamObservation): void {
  if (socket.connecting) socket.once('connect', () => readAddress(socket, obs));
  else readAddress(socket, obs);
  if ((socket as Partial<TLSSocket>).encrypted !== true) return;
  const tlsSocket = socket as TLSSocket;
  const cached = upstreamTlsBySocket.get(tlsSocket);
  if (cached) {
    obs.tls = cached;
  } else if (!tlsSocket.connecting && handshakeDone(tlsSocket)) {
    obs.tls = upstreamTlsOf(tlsSocket);
    upstreamTlsBySocket.set(tlsSocket, obs.tls);
  } else {
    tlsSocket.once('secureConnect', () => {
      const tls = upstreamTlsOf(tlsSocket);
      upstreamTlsBySocket.set(tlsSocket, tls);
      obs.tls = tls;
    });
  }
}

export function createUpstreamTracker(): UpstreamTracker {
  /** Connections with flows still waiting for their upstream request (small: in-flight only). */
  const pending = new Map<Connection, UpstreamObservation[]>();
  const findConnection = (agent: Marked<Connection>): Connection | undefined => {
    const known = agent[ownerConnection];
    if (known) return known;
    for (const conn of pending.keys()) {
      const agents = connectionAgents(conn);
      if (!agents) continue;
      for (const candidate of agents.values()) {
        if (candidate === agent) {
          agent[ownerConnection] = conn;
          return conn;
        }
      }
    }
    return undefined;
  };

  const onStart = (message: unknown) => {
    if (pending.size === 0) return;
    const request = (message as { request: ClientRequest }).request;
    const agent = (request as { agent?: unknown }).agent;
    if (!agent || typeof agent !== 'object') return;
    const conn = findConnection(agent);
    const waiting = conn && pending.get(conn);
    if (!conn || !waiting) return;
    // one waiting flow per HTTP/1 connection; HTTP/2 streams share one, so match method + path
    let index = 0;
    if (waiting.length > 1) {
      index = waiting.findIndex((o) => o.method === request.method && o.path === request.path);
      if (index === -1) index = 0;
    }
    const [obs] = waiting.splice(index, 1);
    if (waiting.length === 0) pending.delete(conn);
    if (!obs) return;
    obs.matched = true;
    (request as Marked<Connection>)[observation] = obs;
    if (request.socket) observeSocket(request.socket, obs);
    else request.once('socket', (socket) => observeSocket(socket, obs));
  };

  const onFinish = (message: unknown) => {
    const { request, response } = message as {
      request: ClientRequest & Marked<Connection>;
      response: IncomingMessage;
    };
    const obs = request[observation];
    if (!obs) return;
    obs.response = {
      httpVersion: response.httpVersion,
      status: response.statusCode ?? 0,
      reason: response.statusMessage ?? '',
      rawHeaders: response.rawHeaders,
    };
    if (obs.ip === undefined) readAddress(response.socket, obs);
  };

  const onError = (message: unknown) => {
    const { request, error } = message as {
      request: ClientRequest & Marked<Connection>;
      error: NodeJS.ErrnoException;
    };
    const obs = request[observation];
    if (!obs || obs.error) return;
    obs.error = { ...(error.code && { code: error.code }), message: error.message };
  };

  dc.subscribe(START, onStart);
  dc.subscribe(FINISH, onFinish);
  dc.subscribe(ERROR, onError);

  return {
    expect(conn, method, path) {
      const obs: UpstreamObservation = { method, path, matched: false };
      const waiting = pending.get(conn);
      if (waiting) waiting.push(obs);
      else pending.set(conn, [obs]);
      return obs;
    },
    settle(conn, obs) {
      if (obs.matched) return;
      const waiting = pending.get(conn);
      if (!waiting) return;
      const index = waiting.indexOf(obs);
      if (index !== -1) waiting.splice(index, 1);
      if (waiting.length === 0) pending.delete(conn);
    },
    close() {
      dc.unsubscribe(START, onStart);
      dc.unsubscribe(FINISH, onFinish);
      dc.unsubscribe(ERROR, onError);
      pending.clear();
    },
  };
}
