/**
 * Fleet and operations routes: GET /api/sensors (every sensor's state from its last heartbeat, for
 * any user), GET /api/dead-letters and one dead letter's payload (admins only: payloads are raw
 * attacker input and reasons may name internals), and GET /metrics in Prometheus format (any user
 * on this port; the --metrics-listen address serves it without credentials for a scraper).
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DEAD_LETTER_PAGE_MAX, DeadLetterPage, SensorList } from '@honeyproxy/protocol';
import type { SensorStore } from '../../store/sensor-store.js';
import type { DeadLetterStore } from '../../store/dead-letter-store.js';
import type { AnalyzerMetrics } from '../../metrics/analyzer-metrics.js';
import { ApiErrorBody, HttpError } from '../errors.js';
import { RAW_BODY_HEADERS } from '../security-headers.js';

export interface FleetRoutesOptions {
  sensors?: SensorStore | undefined;
  deadLetters?: DeadLetterStore | undefined;
  metrics?: AnalyzerMetrics | undefined;
}

function requireAdmin(req: FastifyRequest): void {
  if (req.user?.role !== 'admin') throw new HttpError(403, 'admins only');
}

export const fleetRoutes: FastifyPluginCallbackTypebox<FleetRoutesOptions> = (
  app,
  { sensors, deadLetters, metrics },
  done,
) => {
  app.get('/api/sensors', { schema: { response: { 200: SensorList } } }, async () => {
    if (!sensors) return { sensors: [], now: Date.now(), staleAfterMs: 0 };
    return sensors.list();
  });

  app.get(
    '/api/dead-letters',
    {
      schema: {
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DEAD_LETTER_PAGE_MAX })),
          before: Type.Optional(Type.Integer({ minimum: 1 })),
        }),
        response: { 200: DeadLetterPage, 403: ApiErrorBody },
      },
    },
    async (req) => {
      requireAdmin(req);
      if (!deadLetters) return { deadLetters: [], total: 0, next: null };
      return deadLetters.list({ limit: req.query.limit ?? 100, before: req.query.before });
    },
  );

  app.get(
    '/api/dead-letters/:id/payload',
    { schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
    async (req, reply) => {
      requireAdmin(req);
      const payload = await deadLetters?.payload(req.params.id);
      if (!payload) throw new HttpError(404, 'no dead letter with this id');
      return reply
        .headers(RAW_BODY_HEADERS)
        .header('content-disposition', `attachment; filename="dead-letter-${req.params.id}.bin"`)
        .send(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    },
  );

  if (metrics) {
    app.get('/metrics', async (_req, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).header('cache-control', 'no-store').send(body);
    });
  }
  done();
};
