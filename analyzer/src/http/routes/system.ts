/**
 * Small routes: /healthz (the only public one; reports whether the database answers), /api/me
 * (who the browser is logged in as), and /api/ca.pem (the CA that capture clients must trust).
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { WhoAmI } from '@honeyproxy/protocol';
import { HttpError } from '../errors.js';

export interface SystemRoutesOptions {
  ping: () => Promise<boolean>;
  /** The CA to serve: fixed (standalone) or looked up (the newest sensor heartbeat). */
  caPem: () => Promise<string | undefined>;
}

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  database: Type.Union([Type.Literal('up'), Type.Literal('down')]),
});

export const systemRoutes: FastifyPluginCallbackTypebox<SystemRoutesOptions> = (
  app,
  { ping, caPem },
  done,
) => {
  app.get(
    '/healthz',
    { config: { public: true }, schema: { response: { 200: Health, 503: Health } } },
    async (_req, reply) => {
      const up = await ping();
      return reply
        .code(up ? 200 : 503)
        .send({ status: up ? 'ok' : 'degraded', database: up ? 'up' : 'down' });
    },
  );

  app.get('/api/me', { schema: { response: { 200: WhoAmI } } }, (req) => {
    if (!req.user) throw new HttpError(401, 'authentication required');
    return { user: req.user.name, role: req.user.role };
  });

  app.get('/api/ca.pem', async (_req, reply) => {
    const pem = await caPem();
    if (!pem) {
      throw new HttpError(
        404,
        'no CA certificate known yet: it arrives with the first sensor heartbeat (is a sensor running and connected to NATS?)',
      );
    }
    return reply
      .type('application/x-pem-file')
      .header('content-disposition', 'attachment; filename="honeyproxy-ca.pem"')
      .header('cache-control', 'no-store')
      .send(pem);
  });
  done();
};
