/**
 * The analyzer's NATS connection: options from config (user/password, token, .creds file, TLS CA),
 * endless reconnects once connected, and status changes in the log so an operator sees outages.
 */
import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import type { Logger } from '@honeyproxy/common';
import type { AnalyzerConfig } from './config.js';

export type NatsSettings = Pick<
  AnalyzerConfig,
  'natsUrl' | 'natsUser' | 'natsPassword' | 'natsToken' | 'natsCreds' | 'natsCa'
>;

export function natsOptions(
  config: NatsSettings,
  name = 'honeyproxy-analyzer',
): NodeConnectionOptions {
  return {
    servers: config.natsUrl,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 2000,
    ...(config.natsUser !== undefined
      ? { user: config.natsUser, pass: config.natsPassword ?? '' }
      : {}),
    ...(config.natsToken !== undefined ? { token: config.natsToken } : {}),
    ...(config.natsCreds !== undefined
      ? { authenticator: credsAuthenticator(readFileSync(config.natsCreds)) }
      : {}),
    ...(config.natsCa !== undefined ? { tls: { caFile: config.natsCa } } : {}),
  };
}

/** Connects once (callers retry); logs every later disconnect and reconnect. */
export async function connectNats(config: NatsSettings, log: Logger): Promise<NatsConnection> {
  const nc = await connect(natsOptions(config));
  log.info({ server: nc.getServer() }, 'connected to NATS');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        log.warn(
          { event: s.type, server: 'server' in s ? s.server : undefined },
          'NATS connection status',
        );
      }
    }
  })();
  return nc;
}
