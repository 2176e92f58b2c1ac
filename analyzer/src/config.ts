/**
 * Every analyzer setting (flag, HONEYPROXY_* variable, default, description) in one place, read once
 * at start. The HTTP/users group is exported on its own so standalone mode can offer the same flags
 * for its embedded GUI without the NATS and Postgres ones.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LOG_LEVELS,
  loadSettings,
  natsSettings,
  natsTokenSettings,
  parseBytes,
  parseEnum,
  parseInteger,
  parseListenAddress,
  parsePort,
  parseString,
  parseUrl,
  type LoadedSettings,
  type SettingDefs,
  type SettingSource,
} from '@honeyproxy/common';

/** `name:password` for --bootstrap-user. */
export interface BootstrapUser {
  name: string;
  password: string;
}

export function parseBootstrapUser(raw: string): BootstrapUser {
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1) throw new Error('expected name:password');
  return { name: raw.slice(0, colon), password: raw.slice(colon + 1) };
}

function parseIpList(raw: string): string[] {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new Error('expected comma-separated addresses or CIDRs');
  return list;
}

const DEFAULT_LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

/** The repository's web/build, resolved from this package (analyzer/dist → ../../web/build). */
export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/build');

/** Settings of the GUI/API server and its users: shared with standalone mode. */
export const httpSettings = {
  httpPort: {
    flag: 'http-port',
    env: 'HONEYPROXY_HTTP_PORT',
    description: 'port of the web GUI and API',
    default: 8081,
    parse: parsePort,
  },
  httpHost: {
    flag: 'http-host',
    env: 'HONEYPROXY_HTTP_HOST',
    description: 'address the web GUI and API listen on',
    default: '0.0.0.0',
    parse: parseString,
  },
  dataDir: {
    flag: 'data-dir',
    env: 'HONEYPROXY_DATA_DIR',
    description: 'directory for state files (users file)',
    default: './data',
    parse: parseString,
  },
  usersFile: {
    flag: 'users-file',
    env: 'HONEYPROXY_USERS_FILE',
    description: 'JSON file of users and scrypt password hashes',
    default: undefined,
    defaultText: '<data-dir>/users.json',
    parse: parseString,
  },
  bootstrapUser: {
    flag: 'bootstrap-user',
    env: 'HONEYPROXY_BOOTSTRAP_USER',
    description: 'name:password of an admin created when no user exists',
    default: undefined,
    defaultText: '(none: a random admin password is logged once)',
    parse: parseBootstrapUser,
  },
  webRoot: {
    flag: 'web-root',
    env: 'HONEYPROXY_WEB_ROOT',
    description: 'directory of the built web GUI',
    default: DEFAULT_WEB_ROOT,
    defaultText: '<repo>/web/build',
    parse: parseString,
  },
  trustProxy: {
    flag: 'trust-proxy',
    env: 'HONEYPROXY_TRUST_PROXY',
    description: 'reverse-proxy addresses whose X-Forwarded-For is believed (comma-separated)',
    default: undefined,
    defaultText: '(none)',
    parse: parseIpList,
  },
  decodedBodyLimit: {
    flag: 'decoded-body-limit',
    env: 'HONEYPROXY_DECODED_BODY_LIMIT',
    description: 'largest body the API decompresses for ?decoded=1',
    default: 64 * 1024 ** 2,
    defaultText: '64MiB',
    parse: parseBytes,
  },
  logLevel: {
    flag: 'log-level',
    env: 'HONEYPROXY_LOG_LEVEL',
    description: 'log level',
    default: DEFAULT_LOG_LEVEL,
    parse: parseEnum(LOG_LEVELS),
  },
} satisfies SettingDefs;

/** Every analyzer setting. */
export const analyzerSettings = {
  ...httpSettings,
  databaseUrl: {
    flag: 'database-url',
    env: 'HONEYPROXY_DATABASE_URL',
    description: 'PostgreSQL connection URL (the database is created if missing)',
    default: 'postgres://postgres@127.0.0.1:5432/honeyproxy',
    parse: parseUrl(['postgres:', 'postgresql:']),
  },
  ...natsSettings,
  ...natsTokenSettings,
  ingestBatch: {
    flag: 'ingest-batch',
    env: 'HONEYPROXY_INGEST_BATCH',
    description: 'most flows stored in one transaction',
    default: 500,
    parse: parseInteger(1, 5000),
  },
  ingestConcurrency: {
    flag: 'ingest-concurrency',
    env: 'HONEYPROXY_INGEST_CONCURRENCY',
    description: 'batches an analyzer prepares and commits at once',
    default: 4,
    parse: parseInteger(1, 16),
  },
  metricsListen: {
    flag: 'metrics-listen',
    env: 'HONEYPROXY_METRICS_LISTEN',
    description:
      'host:port serving /metrics without credentials (e.g. 127.0.0.1:9464; keep it private), or off',
    default: undefined,
    defaultText: 'off (/metrics only on the API port, behind Basic auth)',
    parse: parseListenAddress,
  },
  filterTimeout: {
    flag: 'filter-timeout-ms',
    env: 'HONEYPROXY_FILTER_TIMEOUT_MS',
    description:
      'statement_timeout of a filtered flow list (header/body searches scan; past it the API answers 503)',
    default: 10_000,
    parse: parseInteger(100, 600_000),
  },
  maxBody: {
    flag: 'max-body',
    env: 'HONEYPROXY_MAX_BODY',
    description: 'largest body fetched from the BODIES object store',
    default: 64 * 1024 ** 2,
    defaultText: '64MiB',
    parse: parseBytes,
  },
} satisfies SettingDefs;

type HttpValues = LoadedSettings<typeof httpSettings>['values'];
type AnalyzerValues = LoadedSettings<typeof analyzerSettings>['values'];

/** HTTP/users settings with derived paths resolved. */
export type HttpConfig = Omit<HttpValues, 'usersFile'> & { readonly usersFile: string };
export type AnalyzerConfig = Omit<AnalyzerValues, 'usersFile'> & { readonly usersFile: string };

/** Fills in values derived from others (users file under the data dir). */
export function resolveHttpConfig<V extends HttpValues>(
  values: V,
): Omit<V, 'usersFile'> & { readonly usersFile: string } {
  return Object.freeze({
    ...values,
    usersFile: values.usersFile ?? join(values.dataDir, 'users.json'),
  });
}

export interface LoadedAnalyzerConfig {
  config: AnalyzerConfig;
  positionals: string[];
  help: boolean;
}

/**
 * Reads the analyzer's settings from `argv` and the environment (the only place the analyzer reads
 * process.env); throws ConfigError naming every bad one.
 */
export function loadAnalyzerConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: SettingSource['env'] = process.env,
): LoadedAnalyzerConfig {
  const { values, positionals, help } = loadSettings(analyzerSettings, { argv, env });
  return { config: resolveHttpConfig(values), positionals, help };
}
