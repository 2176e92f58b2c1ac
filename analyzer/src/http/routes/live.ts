/**
 * The live feed: GET /api/live/ticket hands out a single-use ticket, and the WebSocket /api/live
 * (ticket or Basic credentials, same-origin only) streams a LiveMessage for each new flow from the
 * hub. Messages from the client are ignored (and size-capped by the WebSocket plugin).
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { LiveTicket, type LiveMessage } from '@honeyproxy/protocol';
import type { LiveHub } from '../../live/live-hub.js';
import type { LiveTickets } from '../live-tickets.js';
import { HttpError } from '../errors.js';

export interface LiveRoutesOptions {
  hub: LiveHub;
  tickets: LiveTickets;
}

export const liveRoutes: FastifyPluginCallbackTypebox<LiveRoutesOptions> = (
  app,
  { hub, tickets },
  done,
) => {
  app.get('/api/live/ticket', { schema: { response: { 200: LiveTicket } } }, (req) => {
    if (!req.user) throw new HttpError(401, 'authentication required');
    return { ticket: tickets.issue(req.user) };
  });

  app.get(
    '/api/live',
    { websocket: true, config: { ticketAuth: true, sameOrigin: true } },
    (socket, req) => {
      const hello: LiveMessage = { type: 'hello' };
      socket.send(JSON.stringify(hello));
      const off = hub.add(socket);
      socket.on('close', off);
      req.log.debug({ user: req.user?.name, clients: hub.size }, 'live client connected');
    },
  );
  done();
};
