/**
 * The first look at every accepted connection, before mockttp reads a byte: refuses clients outside
 * --allow-clients, and reads the connection's original destination once. A connection iptables
 * redirected (original destination ≠ the socket's own address) is transparent: it is tagged with
 * its original destination as mockttp's tunnel address, so every request and TLS handshake on it
 * goes there — never where its Host header or SNI points. Anything else is an explicit-proxy client.
 */
import type { Server as NetServer, Socket } from 'node:net';
import type { Logger } from 'pino';
import { clientAllowed, type Cidr } from './containment.js';
import type { SensorMode } from './config.js';
import { gateConnections, setTunnelAddress } from './mockttp-internals.js';
import { normalizeIp } from './net-names.js';
import type { Endpoint, OriginalDestination } from './original-destination.js';

const TRANSPARENT = Symbol('honeyproxy.transparent');
const SEEN = Symbol('honeyproxy.seen');

type Marked = { [TRANSPARENT]?: Endpoint; [SEEN]?: true };

/** The original destination of a transparent connection (a TLS socket asks its raw socket). */
export function transparentDestinationOf(socket: unknown): Endpoint | undefined {
  if (!socket || typeof socket !== 'object') return undefined;
  const own = (socket as Marked)[TRANSPARENT];
  if (own) return own;
  const parent = (socket as { _parent?: unknown })._parent;
  return parent && typeof parent === 'object' ? (parent as Marked)[TRANSPARENT] : undefined;
}

/** 'a.b.c.d:p' / '[v6]:p', as mockttp's tunnel addresses are written. */
export function formatEndpoint({ address, port }: Endpoint): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface GateCounters {
  /** Connections closed because the client is not in --allow-clients. */
  refusedClients: number;
  /** Direct (not redirected) connections closed in --mode transparent. */
  refusedExplicit: number;
  transparentConnections: number;
}

export interface ConnectionGateOptions {
  readonly mode: SensorMode;
  readonly allowClients: readonly Cidr[];
  /** Undefined: this platform cannot tell (every connection is explicit). */
  readonly originalDestination: OriginalDestination | undefined;
  readonly log: Logger;
}

export interface ConnectionGate {
  readonly counters: Readonly<GateCounters>;
  /** Decides for one accepted socket; false when it was refused (and destroyed). */
  admit(socket: Socket): boolean;
}

/** Logs a refusal at most once a minute per client address (a scan must not flood the log). */
function rateLimitedWarn(log: Logger) {
  const last = new Map<string, number>();
  return (client: string, msg: string, extra: Record<string, unknown>) => {
    const now = Date.now();
    const at = last.get(client);
    if (at !== undefined && now - at < 60_000) return;
    if (last.size > 10_000) last.clear();
    last.set(client, now);
    log.warn({ client, ...extra }, msg);
  };
}

export function createConnectionGate(options: ConnectionGateOptions): ConnectionGate {
  const { mode, allowClients, log } = options;
  const readDestination = mode === 'explicit' ? undefined : options.originalDestination;
  const counters: GateCounters = {
    refusedClients: 0,
    refusedExplicit: 0,
    transparentConnections: 0,
  };
  const warn = rateLimitedWarn(log);
  let readFailureLogged = false;

  const original = (socket: Socket): Endpoint | undefined => {
    if (!readDestination) return undefined;
    try {
      const od = readDestination(socket);
      if (!od) return undefined;
      const self =
        od.port === socket.localPort &&
        normalizeIp(od.address) === normalizeIp(socket.localAddress);
      return self ? undefined : { address: normalizeIp(od.address), port: od.port };
    } catch (err) {
      if (!readFailureLogged) {
        readFailureLogged = true;
        log.error(
          { err },
          'could not read a connection’s original destination; treating it as explicit',
        );
      }
      return undefined;
    }
  };

  return {
    counters,
    admit(socket) {
      const marked = socket as Socket & Marked;
      // mockttp re-emits CONNECT tunnels as new connections: decided already
      if (marked[SEEN]) return true;
      marked[SEEN] = true;
      const client = normalizeIp(socket.remoteAddress);
      if (!clientAllowed(client, allowClients)) {
        counters.refusedClients++;
        warn(client, 'client not in --allow-clients: connection closed', {
          refusedClients: counters.refusedClients,
        });
        socket.destroy();
        return false;
      }
      const od = original(socket);
      if (od) {
        counters.transparentConnections++;
        marked[TRANSPARENT] = od;
        setTunnelAddress(socket, formatEndpoint(od));
        return true;
      }
      if (mode === 'transparent') {
        counters.refusedExplicit++;
        warn(client, 'direct connection to the proxy port in --mode transparent: closed', {
          refusedExplicit: counters.refusedExplicit,
        });
        socket.destroy();
        return false;
      }
      return true;
    },
  };
}

/** Puts the gate in front of mockttp's connection handling (see gateConnections). */
export function installConnectionGate(inner: NetServer, gate: ConnectionGate): void {
  gateConnections(inner, (socket) => gate.admit(socket));
}
