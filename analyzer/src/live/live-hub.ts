/**
 * In-process fan-out of new-flow summaries to the live WebSocket clients of this analyzer. Each
 * message is serialised once; a client whose socket buffer grows past its bound is dropped, so one
 * slow analyst can never hold up the others or the ingest that feeds the hub.
 */
import type { FlowSummary, LiveMessage } from '@honeyproxy/protocol';

/** What the hub needs of a WebSocket (ws's WebSocket fits). */
export interface LiveClient {
  /** Bytes queued but not yet sent. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveHub {
  /** Registers a client; returns its unsubscribe function. */
  add(client: LiveClient): () => void;
  publish(flow: FlowSummary): void;
  readonly size: number;
  /** Closes every client (server shutdown). */
  close(): void;
}

export interface LiveHubOptions {
  /** Drop a client whose unsent data exceeds this (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Refuse clients beyond this many (default 1000). */
  maxClients?: number;
}

/** Close code for a client dropped for being too slow (1013 "try again later"). */
export const SLOW_CLIENT_CLOSE = 1013;

export function createLiveHub(options: LiveHubOptions = {}): LiveHub {
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const maxClients = options.maxClients ?? 1000;
  const clients = new Set<LiveClient>();

  const drop = (client: LiveClient, code: number, reason: string) => {
    clients.delete(client);
    try {
      client.close(code, reason);
    } catch {
      // already closing: nothing more to do for this client
    }
  };

  return {
    add(client) {
      if (clients.size >= maxClients) {
        drop(client, 1013, 'too many live clients');
        return () => undefined;
      }
      clients.add(client);
      return () => void clients.delete(client);
    },
    publish(flow) {
      if (clients.size === 0) return;
      const message: LiveMessage = { type: 'flow', flow };
      const data = JSON.stringify(message);
      for (const client of [...clients]) {
        if (client.bufferedAmount > maxBuffered) {
          drop(client, SLOW_CLIENT_CLOSE, 'too slow');
          continue;
        }
        try {
          client.send(data);
        } catch {
          drop(client, 1011, 'send failed');
        }
      }
    },
    get size() {
      return clients.size;
    },
    close() {
      for (const client of [...clients]) drop(client, 1001, 'server shutting down');
    },
  };
}
