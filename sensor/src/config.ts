/**
 * The sensor's settings: every one a --flag and a HONEYPROXY_* variable, declared once here so
 * --help, the README table and validation agree. The proxy-related definitions are exported
 * separately so the standalone mode can embed the sensor with the same flags. Nothing else in the
 * sensor reads process.env or argv.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  ConfigError,
  LOG_LEVELS,
  loadSettings,
  parseBytes,
  parseEnum,
  parseIdentifier,
  parsePort,
  parseString,
  parseUrlList,
  type Setting,
} from '@honeyproxy/common';

/** Largest --max-body accepted: bodies are held in memory while a flow completes. */
export const MAX_BODY_LIMIT = 1024 ** 3;

function parseMaxBody(raw: string): number {
  const n = parseBytes(raw);
  if (n < 1 || n > MAX_BODY_LIMIT) throw new Error('must be between 1 byte and 1GiB');
  return n;
}

/** A hostname made into a valid sensor id (a NATS subject token). */
export function defaultSensorId(host = hostname()): string {
  const id = host.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  return /[A-Za-z0-9]/.test(id) ? id : 'sensor';
}

/** Settings of the capturing proxy itself (shared with the standalone mode). */
export const proxySettings = {
  proxyPort: {
    flag: 'proxy-port',
    env: 'HONEYPROXY_PROXY_PORT',
    description: 'Port of the intercepting proxy (explicit HTTP proxy and CONNECT, one port)',
    default: 8080,
    parse: parsePort,
  },
  dataDir: {
    flag: 'data-dir',
    env: 'HONEYPROXY_DATA_DIR',
    description: 'Directory for state (the CA lives in <data-dir>/ca unless --ca-dir is set)',
    default: './data',
    parse: parseString,
  },
  caDir: {
    flag: 'ca-dir',
    env: 'HONEYPROXY_CA_DIR',
    description: 'Directory of the interception CA (ca.pem, ca.key); created on first run',
    default: undefined,
    defaultText: '<data-dir>/ca',
    parse: parseString,
  } satisfies Setting<string>,
  maxBody: {
    flag: 'max-body',
    env: 'HONEYPROXY_MAX_BODY',
    description: 'Bytes of each body kept; longer bodies are cut and flagged truncated',
    default: 64 * 1024 * 1024,
    defaultText: '64MiB',
    parse: parseMaxBody,
  },
} as const;

/** How the sensor reaches NATS. */
export const natsSettings = {
  natsUrl: {
    flag: 'nats-url',
    env: 'HONEYPROXY_NATS_URL',
    description: 'NATS server URL(s), comma-separated',
    default: ['nats://127.0.0.1:4222'],
    defaultText: 'nats://127.0.0.1:4222',
    parse: parseUrlList(['nats:', 'tls:']),
  },
  natsCreds: {
    flag: 'nats-creds',
    env: 'HONEYPROXY_NATS_CREDS',
    description: 'NATS credentials file (JWT + NKey seed) for this sensor',
    default: undefined,
    parse: parseString,
  } satisfies Setting<string>,
  natsUser: {
    flag: 'nats-user',
    env: 'HONEYPROXY_NATS_USER',
    description: 'NATS user name (with --nats-password)',
    default: undefined,
    parse: parseString,
  } satisfies Setting<string>,
  natsPassword: {
    flag: 'nats-password',
    env: 'HONEYPROXY_NATS_PASSWORD',
    description: 'NATS password (prefer the variable: flags show in ps)',
    default: undefined,
    parse: parseString,
  } satisfies Setting<string>,
  natsCa: {
    flag: 'nats-ca',
    env: 'HONEYPROXY_NATS_CA',
    description: 'PEM file of the CA that signed the NATS server certificate (turns TLS on)',
    default: undefined,
    parse: parseString,
  } satisfies Setting<string>,
} as const;

export const sensorSettings = {
  ...proxySettings,
  ...natsSettings,
  sensorId: {
    flag: 'sensor-id',
    env: 'HONEYPROXY_SENSOR_ID',
    description: 'Name of this sensor in flows and subjects (letters, digits, - and _)',
    default: defaultSensorId(),
    defaultText: 'the host name',
    parse: parseIdentifier,
  },
  write: {
    flag: 'write',
    env: 'HONEYPROXY_WRITE',
    description: 'Also write every flow to this HAR 1.2 file',
    default: undefined,
    parse: parseString,
  } satisfies Setting<string>,
  logLevel: {
    flag: 'log-level',
    env: 'HONEYPROXY_LOG_LEVEL',
    description: 'Log level',
    default: 'info' as (typeof LOG_LEVELS)[number],
    parse: parseEnum(LOG_LEVELS),
  },
} as const;

export interface NatsAuthConfig {
  readonly credsFile?: string;
  readonly user?: string;
  readonly password?: string;
  readonly tlsCaFile?: string;
}

/** The proxy part of the configuration (what createSensor needs). */
export interface ProxyConfig {
  readonly proxyPort: number;
  readonly dataDir: string;
  /** Resolved: --ca-dir or <data-dir>/ca. */
  readonly caDir: string;
  readonly maxBody: number;
  readonly sensorId: string;
}

export interface SensorConfig extends ProxyConfig {
  readonly natsServers: readonly string[];
  readonly nats: NatsAuthConfig;
  readonly write?: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

export interface LoadedSensorConfig {
  readonly config: SensorConfig;
  /** --help was given: print settingsHelp(sensorSettings) and exit. */
  readonly help: boolean;
}

/** Reads and checks the sensor's settings. Throws ConfigError naming every bad one. */
export function loadSensorConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LoadedSensorConfig {
  const { values: v, positionals, help } = loadSettings(sensorSettings, { argv, env });
  const problems: string[] = [];
  if (positionals.length > 0) problems.push(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if ((v.natsUser === undefined) !== (v.natsPassword === undefined)) {
    problems.push('--nats-user and --nats-password (HONEYPROXY_NATS_USER/_PASSWORD) go together');
  }
  if (v.natsCreds !== undefined && v.natsUser !== undefined) {
    problems.push('--nats-creds and --nats-user are alternatives: give one');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(v.dataDir);
  const config: SensorConfig = {
    proxyPort: v.proxyPort,
    dataDir,
    caDir: resolve(v.caDir ?? `${dataDir}/ca`),
    maxBody: v.maxBody,
    sensorId: v.sensorId,
    natsServers: v.natsUrl,
    nats: {
      ...(v.natsCreds !== undefined && { credsFile: v.natsCreds }),
      ...(v.natsUser !== undefined && { user: v.natsUser }),
      ...(v.natsPassword !== undefined && { password: v.natsPassword }),
      ...(v.natsCa !== undefined && { tlsCaFile: v.natsCa }),
    },
    ...(v.write !== undefined && { write: resolve(v.write) }),
    logLevel: v.logLevel,
  };
  return { config: Object.freeze(config), help };
}
