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
  natsAuthFromSettings,
  natsSettings,
  parseBytes,
  parseEnum,
  parseIdentifier,
  parseInteger,
  parseListenAddress,
  type ListenAddress,
  parsePort,
  parseString,
  type NatsAuth,
  type Setting,
  type SettingValues,
} from '@honeyproxy/common';
import { parseCidrList, type Cidr } from './containment.js';

/** Largest --max-body accepted: bodies are held in memory while a flow completes. */
export const MAX_BODY_LIMIT = 1024 ** 3;

function parseMaxBody(raw: string): number {
  const n = parseBytes(raw);
  if (n < 1 || n > MAX_BODY_LIMIT) throw new Error('must be between 1 byte and 1GiB');
  return n;
}

function parseSpoolMax(raw: string): number {
  const n = parseBytes(raw);
  if (n < 1024 * 1024) throw new Error('must be at least 1MiB');
  return n;
}

/** A hostname made into a valid sensor id (a NATS subject token). */
export function defaultSensorId(host = hostname()): string {
  const id = host.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  return /[A-Za-z0-9]/.test(id) ? id : 'sensor';
}

export const SENSOR_MODES = ['both', 'explicit', 'transparent'] as const;
export type SensorMode = (typeof SENSOR_MODES)[number];

/** Settings of the capturing proxy itself (shared with the standalone mode). */
export const proxySettings = {
  proxyPort: {
    flag: 'proxy-port',
    env: 'HONEYPROXY_PROXY_PORT',
    description:
      'Port of the intercepting proxy: explicit HTTP proxy, CONNECT and connections iptables redirected to it, one port',
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
  mode: {
    flag: 'mode',
    env: 'HONEYPROXY_MODE',
    description:
      'Clients served on the proxy port: both, explicit (proxy clients only) or transparent (only connections iptables redirected; Linux)',
    default: 'both' as SensorMode,
    parse: parseEnum(SENSOR_MODES),
  },
  allowDestinations: {
    flag: 'allow-destinations',
    env: 'HONEYPROXY_ALLOW_DESTINATIONS',
    description:
      'CIDRs the proxy may connect to although private (RFC 1918, CGNAT, ULA, 198.18/15…); loopback and link-local only with an entry no broader than their range',
    default: [] as Cidr[],
    defaultText: '(none)',
    parse: parseCidrList,
  },
  denyDestinations: {
    flag: 'deny-destinations',
    env: 'HONEYPROXY_DENY_DESTINATIONS',
    description: 'CIDRs the proxy never connects to (the longest matching allow/deny prefix wins)',
    default: [] as Cidr[],
    defaultText: '(none)',
    parse: parseCidrList,
  },
  allowClients: {
    flag: 'allow-clients',
    env: 'HONEYPROXY_ALLOW_CLIENTS',
    description:
      'CIDRs of the clients that may use the proxy; others are disconnected, logged and counted',
    default: [] as Cidr[],
    defaultText: '(everyone)',
    parse: parseCidrList,
  },
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
  spoolDir: {
    flag: 'spool-dir',
    env: 'HONEYPROXY_SPOOL_DIR',
    description: 'Directory of the disk spool every flow is written to before it is published',
    default: undefined,
    defaultText: '<data-dir>/spool',
    parse: parseString,
  } satisfies Setting<string>,
  spoolMax: {
    flag: 'spool-max',
    env: 'HONEYPROXY_SPOOL_MAX',
    description:
      'Disk budget of the spool; past 90 % flows are kept without bodies (flagged), when full they are refused (logged)',
    default: 10 * 1024 ** 3,
    defaultText: '10GiB',
    parse: parseSpoolMax,
  },
  spoolFsync: {
    flag: 'spool-fsync',
    env: 'HONEYPROXY_SPOOL_FSYNC',
    description: 'Longest time (ms) spooled flows wait for an fsync (batched: group commit)',
    default: 100,
    parse: parseInteger(0, 60_000),
  },
  metricsListen: {
    flag: 'metrics-listen',
    env: 'HONEYPROXY_METRICS_LISTEN',
    description: 'host:port of the Prometheus /metrics endpoint (e.g. 127.0.0.1:9464), or off',
    default: undefined,
    defaultText: 'off',
    parse: parseListenAddress,
  } satisfies Setting<ListenAddress | undefined>,
  logLevel: {
    flag: 'log-level',
    env: 'HONEYPROXY_LOG_LEVEL',
    description: 'Log level',
    default: 'info' as (typeof LOG_LEVELS)[number],
    parse: parseEnum(LOG_LEVELS),
  },
} as const;

/** The proxy part of the configuration (what createSensor needs). */
export interface ProxyConfig {
  readonly proxyPort: number;
  readonly dataDir: string;
  /** Resolved: --ca-dir or <data-dir>/ca. */
  readonly caDir: string;
  readonly maxBody: number;
  readonly sensorId: string;
  /** Default both. */
  readonly mode?: SensorMode;
  /** Containment lists (default empty: private ranges refused, every client served). */
  readonly allowDestinations?: readonly Cidr[];
  readonly denyDestinations?: readonly Cidr[];
  readonly allowClients?: readonly Cidr[];
}

export interface SensorConfig extends ProxyConfig {
  readonly natsServers: readonly string[];
  readonly nats: NatsAuth;
  readonly write?: string;
  /** Resolved: --spool-dir or <data-dir>/spool. */
  readonly spoolDir: string;
  readonly spoolMax: number;
  readonly spoolFsyncMs: number;
  /** Undefined: no /metrics endpoint. */
  readonly metricsListen?: ListenAddress;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

export interface LoadedSensorConfig {
  readonly config: SensorConfig;
  /** --help was given: print settingsHelp(sensorSettings) and exit. */
  readonly help: boolean;
}

/** The mode and containment lists of a configuration read with proxySettings. */
export function proxyPolicyConfig(
  values: Pick<
    SettingValues<typeof proxySettings>,
    'mode' | 'allowDestinations' | 'denyDestinations' | 'allowClients'
  >,
): Pick<ProxyConfig, 'mode' | 'allowDestinations' | 'denyDestinations' | 'allowClients'> {
  return {
    mode: values.mode,
    allowDestinations: values.allowDestinations,
    denyDestinations: values.denyDestinations,
    allowClients: values.allowClients,
  };
}

/**
 * The proxy part of a configuration from values read with proxySettings (for the standalone
 * mode, which reads those flags itself): paths resolved, the CA dir defaulting to <data-dir>/ca.
 */
export function resolveProxyConfig(
  values: SettingValues<typeof proxySettings>,
  sensorId: string,
): ProxyConfig {
  const dataDir = resolve(values.dataDir);
  return {
    proxyPort: values.proxyPort,
    dataDir,
    caDir: resolve(values.caDir ?? `${dataDir}/ca`),
    maxBody: values.maxBody,
    sensorId,
    ...proxyPolicyConfig(values),
  };
}

/** Reads and checks the sensor's settings. Throws ConfigError naming every bad one. */
export function loadSensorConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LoadedSensorConfig {
  const { values: v, positionals, help } = loadSettings(sensorSettings, { argv, env });
  const problems: string[] = [];
  if (positionals.length > 0)
    problems.push(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if ((v.natsUser === undefined) !== (v.natsPassword === undefined)) {
    problems.push('--nats-user and --nats-password (HONEYPROXY_NATS_USER/_PASSWORD) go together');
  }
  if (v.natsCreds !== undefined && v.natsUser !== undefined) {
    problems.push('--nats-creds and --nats-user are alternatives: give one');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const proxy = resolveProxyConfig(v, v.sensorId);
  const config: SensorConfig = {
    ...proxy,
    natsServers: v.natsUrl,
    nats: natsAuthFromSettings(v),
    ...(v.write !== undefined && { write: resolve(v.write) }),
    spoolDir: resolve(v.spoolDir ?? `${proxy.dataDir}/spool`),
    spoolMax: v.spoolMax,
    spoolFsyncMs: v.spoolFsync,
    ...(v.metricsListen !== undefined && { metricsListen: v.metricsListen }),
    logLevel: v.logLevel,
  };
  return { config: Object.freeze(config), help };
}
