/**
 * Standalone HoneyProxy: sensor, analyzer API and GUI in one process on an embedded Postgres
 * (PGlite in `<data-dir>/pgdata`, the same migrations as the distributed analyzer), no NATS — the
 * way one analyst on a laptop uses it. Owns everything it starts; `close()` stops capture first,
 * waits until every captured flow is stored, then closes HTTP and the database.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  buildApp,
  createFlowStore,
  createLiveHub,
  createUserStore,
  migrateToLatest,
  PGliteDialect,
  type BootstrapResult,
  type Database,
} from '@honeyproxy/analyzer';
import { createHarWriter, createSensor, createTeeSink, type FlowSink } from '@honeyproxy/sensor';
import type { StandaloneConfig } from './config.js';
import { createStoreSink } from './store-sink.js';

export interface Standalone {
  readonly proxyPort: number;
  readonly httpPort: number;
  readonly caPath: string;
  readonly caSha256: string;
  /** What happened to users at start (a generated admin password is reported once). */
  readonly bootstrap: BootstrapResult;
  close(): Promise<void>;
}

export async function startStandalone(config: StandaloneConfig, log: Logger): Promise<Standalone> {
  const closers: { name: string; close: () => Promise<void> }[] = [];
  const close = async () => {
    for (const step of closers.reverse()) {
      try {
        await step.close();
      } catch (err) {
        log.error({ err, step: step.name }, 'close step failed');
      }
    }
    closers.length = 0;
  };

  try {
    await mkdir(config.pgDataDir, { recursive: true, mode: 0o700 });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite(config.pgDataDir)) });
    closers.push({ name: 'database', close: () => db.destroy() });
    await migrateToLatest(db, log);

    const users = createUserStore(config.http.usersFile);
    const bootstrap = await users.ensureBootstrapUser(config.http.bootstrapUser);
    const store = createFlowStore({ db, log });
    const hub = createLiveHub();

    const storeSink = createStoreSink({ store, hub, log, sensorId: config.proxy.sensorId });
    closers.push({ name: 'store sink', close: () => storeSink.close() });
    let sink: FlowSink = storeSink;
    if (config.write !== undefined) {
      const har = await createHarWriter({ path: config.write, log });
      closers.push({ name: 'HAR file', close: () => har.close() });
      sink = createTeeSink([storeSink, har]);
    }

    // the GUI/API port is this process too: never a proxy destination
    const sensor = await createSensor({
      config: config.proxy,
      sink,
      log,
      ownPorts: [config.http.httpPort],
    });
    const app = await buildApp({
      store,
      hub,
      users,
      log,
      config: config.http,
      caPem: sensor.caPem,
    });
    closers.push({ name: 'http', close: () => app.close() });
    // capture stops first (closers run in reverse), so every flow in flight reaches the store
    closers.push({ name: 'sensor', close: () => sensor.close() });
    await app.listen({ host: config.http.httpHost, port: config.http.httpPort });
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.httpPort;

    return {
      proxyPort: sensor.port,
      httpPort,
      caPath: sensor.caPath,
      caSha256: sensor.caSha256,
      bootstrap,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
