/**
 * Containment applied: decides each upstream connection with the pure rules of containment.ts,
 * against the sensor's own addresses (its interfaces, re-read every 30 s) and ports. A host name
 * is resolved once (cached) and the address decided on is the one connected to: no DNS answer
 * can change between the check and the connect.
 */
import { networkInterfaces } from 'node:os';
import {
  decideDestination,
  describeBlock,
  type BlockReason,
  type Cidr,
  type DestinationPolicy,
  type SelfView,
  type Verdict,
} from './containment.js';
import type { HostResolver } from './host-resolver.js';

export type Route =
  | { readonly kind: 'allowed'; readonly ip: string; readonly port: number }
  | {
      readonly kind: 'blocked';
      readonly ip: string;
      readonly port: number;
      readonly reason: BlockReason;
      readonly message: string;
    }
  /** The name did not resolve (ENOTFOUND, ETIMEOUT, …): nothing to connect to. */
  | { readonly kind: 'unresolved'; readonly port: number; readonly code: string };

export interface DestinationGuard {
  /** Where to connect for host:port (host a name or an address). */
  route(host: string, port: number): Route | Promise<Route>;
  /** The sensor's own listening ports (never a destination on its own or loopback addresses). */
  addOwnPort(port: number): void;
}

export interface DestinationGuardOptions {
  readonly allow: readonly Cidr[];
  readonly deny: readonly Cidr[];
  readonly resolver: HostResolver;
  /** The machine's addresses (default: os.networkInterfaces, without loopback). */
  readonly ownAddresses?: () => Iterable<string>;
}

const SELF_REFRESH_MS = 30_000;
const DECISIONS_MAX = 4096;

function interfaceAddresses(): string[] {
  const result: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (!info.internal) result.push(info.address);
  }
  return result;
}

function blockedRoute(verdict: Verdict & { allowed: false }, port: number): Route {
  return {
    kind: 'blocked',
    ip: verdict.ip,
    port,
    reason: verdict.reason,
    message: describeBlock(verdict, port),
  };
}

export function createDestinationGuard(options: DestinationGuardOptions): DestinationGuard {
  const policy: DestinationPolicy = { allow: options.allow, deny: options.deny };
  const ownAddresses = options.ownAddresses ?? interfaceAddresses;
  const ports = new Set<number>();
  let addresses = new Set<string>();
  // decisions per address and port, dropped with each new view of the sensor's own addresses (the
  // parsing is saved on every request of a busy connection)
  let decided = new Map<string, Route>();
  let readAt = -Infinity;
  const self = (): SelfView => {
    const now = Date.now();
    if (now - readAt > SELF_REFRESH_MS) {
      decided = new Map();
      addresses = new Set(
        [...ownAddresses()].map((a) => (a.includes('%') ? a.slice(0, a.indexOf('%')) : a)),
      );
      readAt = now;
    }
    return { addresses, ports };
  };

  const decide = (ip: string, port: number): Route => {
    const view = self();
    const key = `${ip} ${port}`;
    const known = decided.get(key);
    if (known) return known;
    const verdict = decideDestination(ip, port, policy, view);
    const route: Route = verdict.allowed
      ? { kind: 'allowed', ip: verdict.ip, port }
      : blockedRoute(verdict, port);
    if (decided.size >= DECISIONS_MAX) decided = new Map();
    decided.set(key, route);
    return route;
  };

  self(); // the interfaces are read now, not on the first request

  const byName = async (name: string, port: number): Promise<Route> => {
    const resolution = await options.resolver.resolve(name);
    if (!resolution.addresses) return { kind: 'unresolved', port, code: resolution.error };
    let first: Route | undefined;
    // the first permitted address, in resolver order; refused if none is
    for (const address of resolution.addresses) {
      const route = decide(address, port);
      if (route.kind === 'allowed') return route;
      first ??= route;
    }
    return first ?? { kind: 'unresolved', port, code: 'ENODATA' };
  };

  return {
    route(host, port) {
      const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
      const cached = options.resolver.cached(bare);
      if (cached?.addresses?.length === 1) return decide(cached.addresses[0] ?? '', port);
      return byName(bare, port);
    },
    addOwnPort(port) {
      ports.add(port);
      decided = new Map();
    },
  };
}
