/**
 * The API's one authentication chokepoint: a root-level onRequest hook, so every route — GUI files,
 * API, WebSocket upgrade, even unknown paths — needs Basic credentials unless its route config says
 * `public: true` (only /healthz). The live WebSocket may instead present a single-use ticket. Also
 * here: the same-origin checks for WebSocket upgrades and for any state-changing request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import basicAuth from '@fastify/basic-auth';
import {
  AuthenticationError,
  TooManyAttemptsError,
  type AuthUser,
  type Authenticator,
} from '../users/authenticator.js';
import { HttpError } from './errors.js';
import type { LiveTickets } from './live-tickets.js';

/** Header every state-changing request must carry (a cross-site form or fetch cannot set it). */
export const STATE_CHANGE_HEADER = 'x-honeyproxy-request';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user (null only on public routes). */
    user: AuthUser | null;
  }
  interface FastifyContextConfig {
    /** Reachable without credentials. */
    public?: boolean;
    /** Accepts `?ticket=` from /api/live/ticket instead of Basic credentials. */
    ticketAuth?: boolean;
    /** Requires a same-origin Origin header when one is sent (WebSocket upgrades). */
    sameOrigin?: boolean;
  }
}

/** True when the request has no Origin (not a browser) or an Origin naming the host it was sent to. */
export function isSameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // includes Origin: null (sandboxed frames, file:)
  }
  // req.host is the Host header, or X-Forwarded-Host from a trusted reverse proxy (--trust-proxy).
  return host !== '' && host.toLowerCase() === req.host.toLowerCase();
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function installAuth(
  app: FastifyInstance,
  options: { authenticator: Authenticator; tickets: LiveTickets },
): Promise<void> {
  const { authenticator, tickets } = options;
  app.decorateRequest('user', null);
  await app.register(basicAuth, {
    authenticate: { realm: 'HoneyProxy' },
    async validate(name, password, req) {
      try {
        req.user = await authenticator.authenticate(name, password, req.ip);
      } catch (err) {
        if (err instanceof AuthenticationError || err instanceof TooManyAttemptsError) throw err;
        // e.g. the users file became unreadable: say so in the log, not to the client.
        req.log.error({ err }, 'cannot check credentials');
        throw new HttpError(503, 'authentication unavailable');
      }
    },
  });

  app.addHook('onRequest', (req, reply, done) => {
    const config = req.routeOptions.config;
    if (config.public) return done();
    if (config.ticketAuth) {
      const ticket = (req.query as Record<string, unknown> | undefined)?.['ticket'];
      if (typeof ticket === 'string') {
        const user = tickets.redeem(ticket);
        if (!user) return done(new HttpError(401, 'invalid or expired live ticket'));
        req.user = user;
        return done();
      }
    }
    app.basicAuth(req, reply, done);
  });

  // Runs after authentication: unauthenticated requests never learn about origin rules.
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.routeOptions.config.sameOrigin && !isSameOrigin(req)) {
      return done(new HttpError(403, 'cross-origin request refused'));
    }
    if (STATE_CHANGING.has(req.method)) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (
        type !== 'application/json' ||
        req.headers[STATE_CHANGE_HEADER] === undefined ||
        !isSameOrigin(req)
      ) {
        return done(
          new HttpError(
            403,
            `state-changing requests need Content-Type: application/json, the ${STATE_CHANGE_HEADER} header and a same-origin Origin`,
          ),
        );
      }
    }
    done();
  });
}
