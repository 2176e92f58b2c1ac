/**
 * Single-use tickets for the live WebSocket: browsers do not reliably send Basic credentials on a
 * WebSocket upgrade, so the page fetches a ticket over authenticated HTTP and presents it as
 * `?ticket=`. A ticket is random, bound to the user, valid for a short time and consumed on use.
 */
import { randomBytes } from 'node:crypto';
import type { AuthUser } from '../users/authenticator.js';

export interface LiveTickets {
  issue(user: AuthUser): string;
  /** The ticket's user if it is valid (and consumes it), else undefined. */
  redeem(ticket: string): AuthUser | undefined;
}

export function createLiveTickets(
  options: { ttlMs?: number; max?: number; now?: () => number } = {},
): LiveTickets {
  const ttl = options.ttlMs ?? 30_000;
  const max = options.max ?? 10_000;
  const now = options.now ?? Date.now;
  const tickets = new Map<string, { user: AuthUser; expires: number }>();

  return {
    issue(user) {
      if (tickets.size >= max) {
        const t = now();
        for (const [k, v] of tickets) if (v.expires <= t) tickets.delete(k);
        while (tickets.size >= max) tickets.delete(tickets.keys().next().value as string);
      }
      const ticket = randomBytes(32).toString('base64url');
      tickets.set(ticket, { user, expires: now() + ttl });
      return ticket;
    },
    redeem(ticket) {
      const entry = tickets.get(ticket);
      if (!entry) return undefined;
      tickets.delete(ticket);
      return entry.expires > now() ? entry.user : undefined;
    },
  };
}
