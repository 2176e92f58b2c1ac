/**
 * Whole HoneyProxy deployments for end-to-end tests, started from the real bins: an analyzer and a
 * sensor process on a private NATS server and a temp database (the distributed stack), or the
 * standalone process with its startup banner parsed. Every part is registered with the caller's
 * cleanup list as soon as it exists.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTempDatabase,
  freePort,
  startCaptureOrigin,
  startNatsServer,
  waitUntil,
  type CleanupList,
  type NatsServer,
  type Origin,
  type TempDatabase,
} from '@honeyproxy/testkit';
import { createApiClient, type ApiClient } from './api-client.js';
import { startService, type ServiceProcess } from './service-process.js';

export const ADMIN = { user: 'admin', password: 'e2e-admin-password' } as const;

export async function tempDir(cleanup: CleanupList, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A PEM file for NODE_EXTRA_CA_CERTS: the sensor then trusts the origin like a public server. */
export async function trustFile(dir: string, pem: string): Promise<string> {
  const file = join(dir, 'trusted-origin-ca.pem');
  await writeFile(file, pem);
  return file;
}

export interface AnalyzerProcess {
  proc: ServiceProcess;
  httpPort: number;
  api: ApiClient;
}

/** An analyzer process; resolves once it ingests (HTTP is up, NATS subscriptions made). */
export async function startAnalyzer(
  cleanup: CleanupList,
  options: {
    natsUrl: string;
    databaseUrl: string;
    dataDir: string;
    name?: string;
    env?: Record<string, string>;
  },
): Promise<AnalyzerProcess> {
  const httpPort = await freePort();
  const proc = startService('analyzer', {
    name: options.name ?? 'analyzer',
    env: {
      HONEYPROXY_HTTP_PORT: String(httpPort),
      HONEYPROXY_HTTP_HOST: '127.0.0.1',
      HONEYPROXY_DATA_DIR: options.dataDir,
      HONEYPROXY_BOOTSTRAP_USER: `${ADMIN.user}:${ADMIN.password}`,
      HONEYPROXY_DATABASE_URL: options.databaseUrl,
      HONEYPROXY_NATS_URL: options.natsUrl,
      ...options.env,
    },
  });
  cleanup.add(() => proc.stop());
  await proc.waitForLog((l) => l.msg === 'ingesting flows', 'ingesting flows', 60_000);
  return {
    proc,
    httpPort,
    api: createApiClient(`http://127.0.0.1:${httpPort}`, ADMIN.user, ADMIN.password),
  };
}

export interface DistributedStack {
  nats: NatsServer;
  db: TempDatabase;
  origin: Origin;
  analyzer: AnalyzerProcess;
  sensor: ServiceProcess;
  sensorId: string;
  proxyPort: number;
  /** The sensor's data dir (its CA is in <dir>/ca). */
  sensorDataDir: string;
  /** The sensor's CA (read from its data dir). */
  sensorCaPath: string;
  api: ApiClient;
}

/** nats-server + temp DB + origin + analyzer process + sensor process (trusting the origin's CA). */
export async function startDistributedStack(cleanup: CleanupList): Promise<DistributedStack> {
  const dir = await tempDir(cleanup, 'hp-e2e-dist-');
  const [nats, db, origin] = await Promise.all([
    startNatsServer(),
    createTempDatabase('hp_e2e'),
    startCaptureOrigin(),
  ]);
  cleanup.add(() => nats.close());
  cleanup.add(() => db.close());
  cleanup.add(() => origin.close());

  // The analyzer first: it subscribes to heartbeats before the sensor sends its first one.
  const analyzer = await startAnalyzer(cleanup, {
    natsUrl: nats.url,
    databaseUrl: db.url,
    dataDir: join(dir, 'analyzer'),
  });

  const proxyPort = await freePort();
  const sensorId = 'e2e-sensor';
  const sensorDataDir = join(dir, 'sensor');
  const sensor = startService('sensor', {
    env: {
      HONEYPROXY_PROXY_PORT: String(proxyPort),
      HONEYPROXY_DATA_DIR: sensorDataDir,
      HONEYPROXY_NATS_URL: nats.url,
      HONEYPROXY_SENSOR_ID: sensorId,
      NODE_EXTRA_CA_CERTS: await trustFile(dir, origin.caPem),
    },
  });
  cleanup.add(() => sensor.stop());
  await sensor.waitForLog((l) => l.msg === 'sensor started', 'sensor started', 30_000);
  await sensor.waitForLog((l) => l.msg === 'connected to NATS', 'sensor connected to NATS', 30_000);
  return {
    nats,
    db,
    origin,
    analyzer,
    sensor,
    sensorId,
    proxyPort,
    sensorDataDir,
    sensorCaPath: join(sensorDataDir, 'ca', 'ca.pem'),
    api: analyzer.api,
  };
}

/** What the standalone process printed at start. */
export interface StandaloneBanner {
  proxyPort: number;
  httpPort: number;
  caPath: string;
  caSha256: string;
  /** The login line's user, and the password when it was generated now. */
  login?: { user: string; password?: string };
}

export interface StandaloneProcess {
  proc: ServiceProcess;
  banner: StandaloneBanner;
}

export function parseBanner(text: string): StandaloneBanner {
  const proxy = /Proxy: +http:\/\/\S+:(\d+) /.exec(text);
  const gui = /GUI: +http:\/\/localhost:(\d+)\//.exec(text);
  const ca = /CA: +(\S+) +\(SHA-256 ([0-9A-F:]+);/.exec(text);
  if (!proxy || !gui || !ca) throw new Error(`no startup banner in:\n${text.slice(-3000)}`);
  const generated = /Login: +(\S+) \/ (\S+)/.exec(text);
  const given = /Login: +(\S+) \(from HONEYPROXY_BOOTSTRAP_USER\)/.exec(text);
  const login = generated
    ? { user: generated[1] ?? '', password: generated[2] ?? '' }
    : given
      ? { user: given[1] ?? '' }
      : undefined;
  return {
    proxyPort: Number(proxy[1]),
    httpPort: Number(gui[1]),
    caPath: ca[1] ?? '',
    caSha256: ca[2] ?? '',
    ...(login && { login }),
  };
}

/**
 * `node standalone/dist/main.js` with `cwd` (its ./data lives there) on free ports, trusting the
 * origin CA file when given; resolves once it says it started.
 */
export async function startStandaloneProcess(
  cleanup: CleanupList,
  options: { cwd: string; trustedCaFile?: string; env?: Record<string, string>; name?: string },
): Promise<StandaloneProcess> {
  const [proxyPort, httpPort] = [await freePort(), await freePort()];
  const proc = startService('standalone', {
    name: options.name ?? 'standalone',
    cwd: options.cwd,
    env: {
      HONEYPROXY_PROXY_PORT: String(proxyPort),
      HONEYPROXY_HTTP_PORT: String(httpPort),
      HONEYPROXY_HTTP_HOST: '127.0.0.1',
      ...(options.trustedCaFile && { NODE_EXTRA_CA_CERTS: options.trustedCaFile }),
      ...options.env,
    },
  });
  cleanup.add(() => proc.stop());
  await proc.waitForLog((l) => l.msg === 'standalone started', 'standalone started', 90_000);
  const banner = parseBanner(proc.stdout());
  if (banner.proxyPort !== proxyPort || banner.httpPort !== httpPort) {
    throw new Error(
      `banner ports ${banner.proxyPort}/${banner.httpPort}, configured ${proxyPort}/${httpPort}`,
    );
  }
  return { proc, banner };
}

export interface StandaloneStack extends StandaloneProcess {
  /** The working directory: its ./data holds all the process keeps. */
  dir: string;
  origin: Origin;
  /** The NODE_EXTRA_CA_CERTS file that trusts the origin (to start again in `dir`). */
  trustedCaFile: string;
}

/** A capture origin and the standalone process in a fresh directory, trusting the origin's CA. */
export async function startStandaloneStack(
  cleanup: CleanupList,
  prefix: string,
  env?: Record<string, string>,
): Promise<StandaloneStack> {
  const dir = await tempDir(cleanup, prefix);
  const origin = await startCaptureOrigin();
  cleanup.add(() => origin.close());
  const trustedCaFile = await trustFile(await tempDir(cleanup, 'hp-e2e-trust-'), origin.caPem);
  const started = await startStandaloneProcess(cleanup, {
    cwd: dir,
    trustedCaFile,
    ...(env && { env }),
  });
  return { ...started, dir, origin, trustedCaFile };
}

/** Waits until /healthz answers 200 (no credentials). */
export async function waitHealthy(api: ApiClient): Promise<void> {
  await waitUntil(async () => (await api.get('/healthz', null)).status === 200, {
    what: 'healthz 200',
    timeoutMs: 15_000,
  });
}
