/**
 * The sensor's NATS connection, kept alive whatever NATS does: the first connection is retried
 * with back-off (the sensor captures while NATS is down), nats.js handles reconnects after that,
 * and a connection that closes for good (e.g. rejected credentials) is replaced. Every outage is
 * logged when it starts and when it ends, never silently retried.
 */
import type { Logger } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsAuthOptions, type NatsAuth } from '@honeyproxy/common';

export interface NatsConnectorOptions {
  readonly servers: readonly string[];
  readonly auth?: NatsAuth;
  /** Client name shown by the server (e.g. honeyproxy-sensor-<id>). */
  readonly name: string;
  readonly log: Logger;
  /** First retry delay; doubles up to maxRetryMs. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

export interface NatsConnector {
  /** The connection while connected; undefined during an outage. */
  current(): NatsConnection | undefined;
  /** Calls `listener` on every (re)connection, now too if connected. Returns an unsubscribe. */
  onConnect(listener: (nc: NatsConnection) => void): () => void;
  /** Drains the connection (flushing what was published) and stops retrying. */
  close(): Promise<void>;
}

/**
 * Starts connecting in the background; throws only for unreadable credential files
 * (NatsConfigError).
 */
export async function createNatsConnector(options: NatsConnectorOptions): Promise<NatsConnector> {
  const { servers, name, log } = options;
  const retryMs = options.retryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 10_000;
  const auth = await natsAuthOptions(options.auth ?? {});
  const listeners = new Set<(nc: NatsConnection) => void>();
  let nc: NatsConnection | undefined;
  let connected = false;
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let attempt: Promise<void> | undefined;

  const announce = (conn: NatsConnection) => {
    for (const listener of listeners) {
      try {
        listener(conn);
      } catch (err) {
        log.error({ err }, 'NATS connect listener failed');
      }
    }
  };

  const watch = async (conn: NatsConnection) => {
    for await (const status of conn.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        log.warn({ servers }, 'NATS connection lost, reconnecting');
      } else if (status.type === 'reconnect') {
        connected = true;
        log.info({ server: conn.getServer() }, 'NATS reconnected');
        announce(conn);
      }
    }
  };

  const connectLoop = async () => {
    let delay = retryMs;
    let failures = 0;
    while (!closing) {
      try {
        const conn = await connect({
          servers: [...servers],
          name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1000,
          timeout: 5000,
          // an Error (with stack) per publish for async traces costs ~5% of the proxy's CPU
          noAsyncTraces: true,
          ...auth,
        });
        if (closing) {
          await conn.close();
          return;
        }
        nc = conn;
        connected = true;
        log.info(
          { server: conn.getServer() },
          failures > 0 ? 'NATS reachable again, connected' : 'connected to NATS',
        );
        void watch(conn);
        announce(conn);
        const err = await conn.closed();
        nc = undefined;
        connected = false;
        if (closing) return;
        log.error({ err }, 'NATS connection closed, connecting again');
      } catch (err) {
        failures++;
        // the first failure and then about once a minute, so an outage is visible but not noisy
        if (failures === 1 || failures % Math.max(1, Math.round(60_000 / maxRetryMs)) === 0) {
          log.warn({ err, servers, failures, retryInMs: delay }, 'NATS unreachable, retrying');
        }
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
      delay = Math.min(delay * 2, maxRetryMs);
    }
  };

  attempt = connectLoop().catch((err: unknown) => log.error({ err }, 'NATS connector stopped'));

  return {
    current: () => (connected ? nc : undefined),
    onConnect(listener) {
      listeners.add(listener);
      if (connected && nc) listener(nc);
      return () => listeners.delete(listener);
    },
    async close() {
      closing = true;
      clearTimeout(timer);
      wake?.();
      const conn = nc;
      if (conn && !conn.isClosed()) {
        try {
          await conn.drain();
        } catch (err) {
          log.warn({ err }, 'NATS drain failed');
          await conn.close();
        }
      }
      await attempt;
      attempt = undefined;
    },
  };
}
