/**
 * How a service reaches NATS, declared once for the sensor and the analyzer: the --nats-* settings
 * (each service's config.ts spreads them into its own), what they mean for authentication, and
 * the nats.js connection options built from that. Connection behaviour (reconnects, timeouts)
 * stays with each service.
 */
import { readFile } from 'node:fs/promises';
import { credsAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { parseString, parseUrlList, type SettingDefs, type SettingValues } from './settings.js';

/** Server, credentials and TLS trust: settings of both the sensor and the analyzer. */
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
    description: 'NATS credentials file (JWT + NKey seed)',
    default: undefined,
    parse: parseString,
  },
  natsUser: {
    flag: 'nats-user',
    env: 'HONEYPROXY_NATS_USER',
    description: 'NATS user name (with --nats-password)',
    default: undefined,
    parse: parseString,
  },
  natsPassword: {
    flag: 'nats-password',
    env: 'HONEYPROXY_NATS_PASSWORD',
    description: 'NATS password (prefer the variable: flags show in ps)',
    default: undefined,
    parse: parseString,
  },
  natsCa: {
    flag: 'nats-ca',
    env: 'HONEYPROXY_NATS_CA',
    description: 'PEM file of the CA that signed the NATS server certificate (turns TLS on)',
    default: undefined,
    parse: parseString,
  },
} satisfies SettingDefs;

/** Token authentication, which only the analyzer offers. */
export const natsTokenSettings = {
  natsToken: {
    flag: 'nats-token',
    env: 'HONEYPROXY_NATS_TOKEN',
    description: 'NATS token',
    default: undefined,
    parse: parseString,
  },
} satisfies SettingDefs;

type NatsAuthValues = Omit<SettingValues<typeof natsSettings>, 'natsUrl'> &
  Partial<SettingValues<typeof natsTokenSettings>>;

/** How to authenticate to NATS and verify its certificate (file paths, not read yet). */
export interface NatsAuth {
  readonly credsFile?: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly tlsCaFile?: string;
}

/** The authentication part of a service's settings values (only what was given). */
export function natsAuthFromSettings(values: NatsAuthValues): NatsAuth {
  return {
    ...(values.natsCreds !== undefined && { credsFile: values.natsCreds }),
    ...(values.natsUser !== undefined && { user: values.natsUser }),
    ...(values.natsPassword !== undefined && { password: values.natsPassword }),
    ...(values.natsToken !== undefined && { token: values.natsToken }),
    ...(values.natsCa !== undefined && { tlsCaFile: values.natsCa }),
  };
}

/** A credentials or CA file named in the settings cannot be read. */
export class NatsConfigError extends Error {
  override readonly name = 'NatsConfigError';
}

async function readConfiguredFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new NatsConfigError(`cannot read NATS ${what} ${path}`, { cause });
  }
}

/**
 * Where a user's replies arrive: `_INBOX.<user>` instead of nats.js's shared `_INBOX`, so NATS
 * permissions can let a sensor subscribe to its own replies (publish acks, object lookups) and to
 * nothing else — with the shared prefix it could read every other client's replies, the analyzer's
 * pulled flows included. deploy/nats/add-sensor grants exactly `_INBOX.<user>.>`. Undefined for a
 * name that cannot be a subject token.
 */
export function inboxPrefixFor(user: string): string | undefined {
  return /^[A-Za-z0-9_-]{1,128}$/.test(user) ? `_INBOX.${user}` : undefined;
}

/**
 * nats.js options for `auth`: the .creds file read now, user/password (with the user's own inbox
 * prefix), token, and TLS verified
 * against the CA file (checked readable now, so a typo is named at start rather than as a TLS
 * failure). Throws NatsConfigError for an unreadable file.
 */
export async function natsAuthOptions(auth: NatsAuth): Promise<Partial<NodeConnectionOptions>> {
  const options: Partial<NodeConnectionOptions> = {};
  if (auth.credsFile !== undefined) {
    options.authenticator = credsAuthenticator(
      await readConfiguredFile(auth.credsFile, 'credentials file'),
    );
  }
  if (auth.user !== undefined) {
    options.user = auth.user;
    options.pass = auth.password ?? '';
    const prefix = inboxPrefixFor(auth.user);
    if (prefix !== undefined) options.inboxPrefix = prefix;
  }
  if (auth.token !== undefined) options.token = auth.token;
  if (auth.tlsCaFile !== undefined) {
    await readConfiguredFile(auth.tlsCaFile, 'CA file');
    options.tls = { caFile: auth.tlsCaFile };
  }
  return options;
}
