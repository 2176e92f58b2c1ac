/**
 * A running analyzer HTTP app for tests: migrated database, store, hub, a users file with an admin
 * and a viewer (cheap scrypt parameters), and a small built GUI in a temp dir; `httpFixtureSuite`
 * gives a describe block one for all its tests.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createDecoder } from '@honeyproxy/protocol';
import { suiteResource } from '@honeyproxy/testkit';
import { buildApp, type AppOptions } from '../http/app.js';
import { ApiErrorBody } from '../http/errors.js';
import { createFlowStore, type FlowStore } from '../store/flow-store.js';
import { createSensorStore, type SensorStore } from '../store/sensor-store.js';
import { createLiveHub, type LiveHub } from '../live/live-hub.js';
import { createUserStore, type UserStore } from '../users/user-store.js';
import {
  createMigratedDatabase,
  silentLogger,
  type MigratedDatabase,
} from './migrated-database.js';

export const ADMIN = { name: 'alice', password: 'alice-password' };
export const VIEWER = { name: 'victor', password: 'victor-password' };

export function basic(user: { name: string; password: string }): string {
  return `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
}

const apiErrorCodec = createDecoder(ApiErrorBody, 'API error');

/** The `{ error, message }` body of an error response, validated. */
export function apiError(response: { json(): unknown }): ApiErrorBody {
  return apiErrorCodec.decode(response.json());
}

export interface HttpFixture {
  app: FastifyInstance;
  store: FlowStore;
  sensors: SensorStore;
  hub: LiveHub;
  users: UserStore;
  mdb: MigratedDatabase;
  webRoot: string;
  /** Builds another app on the same services (e.g. with other options). */
  build(overrides?: Partial<AppOptions>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export async function createHttpFixture(overrides: Partial<AppOptions> = {}): Promise<HttpFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-http-'));
  const webRoot = join(dir, 'web');
  await mkdir(join(webRoot, 'assets'), { recursive: true });
  await writeFile(
    join(webRoot, 'index.html'),
    '<!doctype html><title>HoneyProxy</title><script type="module" src="/assets/app.js"></script>',
  );
  await writeFile(join(webRoot, 'assets', 'app.js'), 'console.log("gui")');
  const users = createUserStore(join(dir, 'users.json'), { scrypt: { N: 2 ** 12, r: 8, p: 1 } });
  await users.add(ADMIN.name, ADMIN.password, 'admin');
  await users.add(VIEWER.name, VIEWER.password, 'viewer');
  const mdb = await createMigratedDatabase();
  const log = silentLogger();
  const store = createFlowStore({ db: mdb.db, log });
  const sensors = createSensorStore({ db: mdb.db });
  const hub = createLiveHub();
  const apps: FastifyInstance[] = [];
  const build = async (more: Partial<AppOptions> = {}) => {
    const app = await buildApp({
      store,
      sensors,
      hub,
      users,
      log,
      config: { webRoot, decodedBodyLimit: 8 * 1024 * 1024 },
      ...overrides,
      ...more,
    });
    apps.push(app);
    return app;
  };
  const app = await build();
  return {
    app,
    store,
    sensors,
    hub,
    users,
    mdb,
    webRoot,
    build,
    async close() {
      await Promise.all(apps.map((a) => a.close()));
      await mdb.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fixture for the describe block this is called in: created (then `seed`ed) before the suite's
 * tests and closed after them. Read its fields inside tests and hooks.
 */
export function httpFixtureSuite(seed?: (fx: HttpFixture) => Promise<void>): () => HttpFixture {
  return suiteResource(async (cleanup) => {
    const created = await createHttpFixture();
    cleanup.add(() => created.close());
    await seed?.(created);
    return created;
  });
}
