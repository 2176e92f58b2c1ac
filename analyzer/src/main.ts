#!/usr/bin/env node
/**
 * `honeyproxy-analyzer`: the analyzer service (migrate, then HTTP, then NATS ingest — each waiting
 * for its service with clear logs instead of crash-looping) and its admin commands. Everything is
 * built here and closed in reverse on SIGINT/SIGTERM: ingest stops and finishes its batch, HTTP
 * closes, NATS drains, the database pool ends.
 */
import {
  ConfigError,
  createLogger,
  createShutdown,
  settingsHelp,
  type Logger,
} from '@honeyproxy/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { analyzerSettings, loadAnalyzerConfig, type AnalyzerConfig } from './config.js';
import {
  extractCommandFlags,
  runMigrateCommand,
  runUserCommand,
  USAGE,
  UsageError,
} from './cli.js';
import { createDatabase, ensureDatabaseExists } from './db/create-database.js';
import { migrateToLatest } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { createIngest, type Ingest } from './ingest/ingest.js';
import { startHeartbeatListener } from './ingest/heartbeat-listener.js';
import { createLivePublisher, startLiveRelay } from './ingest/live-relay.js';
import { createLiveHub } from './live/live-hub.js';
import { connectNats } from './nats-connection.js';
import { retryUntilReady, StoppedError } from './retry.js';
import { createFlowStore } from './store/flow-store.js';
import { createSensorStore } from './store/sensor-store.js';
import { createUserStore } from './users/user-store.js';
import { createDeadLetterStore } from './store/dead-letter-store.js';
import { createAnalyzerMetrics } from './metrics/analyzer-metrics.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { consumerLag } from './ingest/consumer-lag.js';

async function serve(config: AnalyzerConfig, log: Logger): Promise<void> {
  const shutdown = createShutdown(log);
  const control = { stopped: false };
  shutdown.installSignalHandlers();
  shutdown.add({ name: 'startup', close: () => void (control.stopped = true) });

  const users = createUserStore(config.usersFile);
  const boot = await users.ensureBootstrapUser(config.bootstrapUser);
  if (boot.created && boot.generatedPassword !== undefined) {
    log.warn(
      { user: boot.name, initialPassword: boot.generatedPassword, usersFile: users.file },
      'no users existed: created admin with this random password, shown only this once',
    );
  } else if (boot.created) log.info({ user: boot.name }, 'created the bootstrap admin user');

  await retryUntilReady(
    'PostgreSQL',
    () => ensureDatabaseExists(config.databaseUrl, log),
    log,
    control,
  );
  const db = createDatabase(config.databaseUrl, { log });
  shutdown.add({ name: 'database', close: () => db.destroy() });
  await retryUntilReady('PostgreSQL migrations', () => migrateToLatest(db, log), log, control);

  // Filled in as they come up; registered now so they close in the right order.
  const late: { nc?: NatsConnection; ingest?: Ingest } = {};
  shutdown.add({ name: 'nats', close: async () => void (await late.nc?.drain()) });

  const store = createFlowStore({ db, log, filterTimeoutMs: config.filterTimeout });
  const sensors = createSensorStore({ db });
  const hub = createLiveHub();
  const metrics = createAnalyzerMetrics();
  metrics.setSources({ sensors: () => sensors.list() });
  const app = await buildApp({
    store,
    sensors,
    deadLetters: createDeadLetterStore({ db }),
    metrics,
    hub,
    users,
    log,
    config,
  });
  shutdown.add({ name: 'http', close: () => app.close() });
  await app.listen({ host: config.httpHost, port: config.httpPort });
  if (config.metricsListen) {
    const metricsServer = await startMetricsServer(metrics, config.metricsListen);
    shutdown.add({ name: 'metrics', close: () => metricsServer.close() });
    log.info(config.metricsListen, 'serving /metrics');
  }

  shutdown.add({ name: 'ingest', close: () => late.ingest?.stop() });
  const nc = await retryUntilReady('NATS', () => connectNats(config, log), log, control);
  late.nc = nc;
  startLiveRelay(nc, hub, log);
  startHeartbeatListener(nc, sensors, log);
  metrics.setSources({ sensors: () => sensors.list(), consumerLag: consumerLag(nc) });
  const ingest = createIngest({
    nc,
    store,
    log,
    metrics: metrics.ingest,
    live: createLivePublisher(nc, log),
    options: {
      batchSize: config.ingestBatch,
      concurrency: config.ingestConcurrency,
      maxBodyBytes: config.maxBody,
    },
  });
  late.ingest = ingest;
  await ingest.start();
  log.info({ batch: config.ingestBatch }, 'ingesting flows');
}

async function main(argv: readonly string[]): Promise<void> {
  const { flags, rest } = extractCommandFlags(argv);
  const { config, positionals, help } = loadAnalyzerConfig(rest);
  if (help) {
    process.stdout.write(
      `${USAGE}\nOptions (each also a variable):\n${settingsHelp(analyzerSettings)}\n`,
    );
    return;
  }
  const [command = 'serve', ...args] = positionals;
  const log = createLogger({ name: 'analyzer', level: config.logLevel });
  if (command !== 'user' && (flags.role !== undefined || flags.password !== undefined)) {
    throw new UsageError('--role and --password only apply to "user add"');
  }
  switch (command) {
    case 'serve':
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      return serve(config, log);
    case 'migrate':
      return runMigrateCommand(config, log);
    case 'user':
      return runUserCommand(config, args, flags);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof StoppedError) return;
  const known = err instanceof ConfigError || err instanceof UsageError;
  process.stderr.write(
    `honeyproxy-analyzer: ${err instanceof Error ? err.message : String(err)}\n${known ? `\n${USAGE}` : ''}`,
  );
  process.exitCode = known ? 2 : 1;
});
