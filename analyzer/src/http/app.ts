/**
 * The analyzer's HTTP server: REST API, live WebSocket and the GUI, as one fastify instance. It only
 * needs a store, a hub and users — no NATS — so standalone mode embeds it unchanged. Layering: error
 * handling and security headers first, then the authentication chokepoint, then the routes.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@honeyproxy/common';
import type { FlowStore } from '../store/flow-store.js';
import type { SensorStore } from '../store/sensor-store.js';
import type { LiveHub } from '../live/live-hub.js';
import type { UserStore } from '../users/user-store.js';
import { createAuthenticator, type Authenticator } from '../users/authenticator.js';
import { DEFAULT_WEB_ROOT } from '../config.js';
import { installAuth } from './auth.js';
import { installErrorHandler } from './errors.js';
import { createLiveTickets, type LiveTickets } from './live-tickets.js';
import { installSecurityHeaders } from './security-headers.js';
import { installStaticGui } from './static-gui.js';
import { flowRoutes } from './routes/flows.js';
import { previewRoutes } from './routes/preview.js';
import { liveRoutes } from './routes/live.js';
import { systemRoutes } from './routes/system.js';
import { fleetRoutes } from './routes/fleet.js';
import type { DeadLetterStore } from '../store/dead-letter-store.js';
import type { AnalyzerMetrics } from '../metrics/analyzer-metrics.js';

export interface AppConfig {
  webRoot?: string;
  /** Largest output of ?decoded=1 (default 64 MiB). */
  decodedBodyLimit?: number;
  /** Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs). */
  trustProxy?: readonly string[] | undefined;
}

export interface AppOptions {
  store: FlowStore;
  hub: LiveHub;
  users: UserStore;
  log: Logger;
  config?: AppConfig;
  /** Sensors' heartbeats, for /api/ca.pem and /api/sensors (analyzer mode). */
  sensors?: SensorStore;
  /** Dead letters for admins (GET /api/dead-letters). */
  deadLetters?: DeadLetterStore;
  /** Served at /metrics (behind the same Basic auth as the API). */
  metrics?: AnalyzerMetrics;
  /** A fixed CA for /api/ca.pem (standalone mode); wins over `sensors`. */
  caPem?: string;
  /** Defaults to one over `users` with the standard limits. */
  authenticator?: Authenticator;
  tickets?: LiveTickets;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { store, hub, users, log, sensors, caPem } = options;
  const config = options.config ?? {};
  const trustProxy = config.trustProxy?.length ? [...config.trustProxy] : false;
  const loggerInstance: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance,
    // Requests are logged at debug by the onResponse hook below (with the user), not per line twice.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  installErrorHandler(app);
  installSecurityHeaders(app);
  app.addHook('onResponse', (req, reply, done) => {
    req.log.debug(
      {
        method: req.method,
        url: req.url.split('?')[0],
        status: reply.statusCode,
        user: req.user?.name,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });

  const tickets = options.tickets ?? createLiveTickets();
  // Before auth: the plugin's own onRequest hook marks upgrade requests, and its onResponse hook
  // then destroys the socket of an upgrade that auth refused (otherwise it lingers and blocks close).
  await app.register(websocket, { options: { maxPayload: 4096 } });
  await installAuth(app, {
    authenticator: options.authenticator ?? createAuthenticator({ users }),
    tickets,
  });

  await app.register(systemRoutes, {
    ping: () => store.ping(),
    caPem: async () => caPem ?? (await sensors?.latestCaPem()),
  });
  const decodedBodyLimit = config.decodedBodyLimit ?? 64 * 1024 * 1024;
  await app.register(flowRoutes, { store, decodedBodyLimit });
  await app.register(previewRoutes, { store, decodedBodyLimit });
  await app.register(liveRoutes, { hub, tickets });
  await app.register(fleetRoutes, {
    sensors,
    deadLetters: options.deadLetters,
    metrics: options.metrics,
  });
  await installStaticGui(app, config.webRoot ?? DEFAULT_WEB_ROOT);

  await app.ready();
  return app;
}
