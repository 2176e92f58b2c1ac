/**
 * The analyzer's NATS connection: options from config (common's NATS settings: user/password,
 * token, .creds file, TLS CA), endless reconnects once connected, and status changes in the log so
 * an operator sees outages.
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { natsAuthFromSettings, natsAuthOptions, type Logger } from '@honeyproxy/common';
import type { AnalyzerConfig } from './config.js';

export type NatsSettings = Pick<
  AnalyzerConfig,
  'natsUrl' | 'natsUser' | 'natsPassword' | 'natsToken' | 'natsCreds' | 'natsCa'
>;

/** Throws NatsConfigError when the .creds or CA file cannot be read. */
export async function natsOptions(
  config: NatsSettings,
  name = 'honeyproxy-analyzer',
): Promise<NodeConnectionOptions> {
  return {
    servers: config.natsUrl,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 2000,
    ...(await natsAuthOptions(natsAuthFromSettings(config))),
  };
}

/** Connects once (callers retry); logs every later disconnect and reconnect. */
export async function connectNats(config: NatsSettings, log: Logger): Promise<NatsConnection> {
  const nc = await connect(await natsOptions(config));
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
