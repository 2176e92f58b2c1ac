/**
 * The live feed: one WebSocket to /api/live, authorised by a fresh ticket each time, reconnecting with
 * exponential back-off (plus jitter, so many analysts' tabs do not reconnect in lockstep). Messages
 * are validated with the protocol decoder (in the live worker, see live-connection.ts); an invalid
 * one is dropped and counted, never trusted.
 */
import type { LiveMessage } from '@honeyproxy/protocol';
import type { ApiClient } from './api-client.js';
import {
  openLiveConnection,
  type LiveConnection,
  type OpenLiveConnection,
} from './live-connection.js';

export type LiveStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'live'; since: number }
  | { state: 'waiting'; retryAt: number; attempt: number; reason: string }
  | { state: 'closed' };

export interface LiveClientOptions {
  api: Pick<ApiClient, 'liveTicket' | 'liveUrl'>;
  onMessage: (message: LiveMessage) => void;
  /** `reconnected` is true when a connection opens after an earlier one was lost (flows may be missing). */
  onStatus: (status: LiveStatus, reconnected: boolean) => void;
  /** Called for each message that failed validation (for a counter; the message is dropped). */
  onInvalid?: (error: unknown) => void;
  /** Opens one connection (default: the socket in a worker). */
  openConnection?: OpenLiveConnection;
  backoff?: { initialMs: number; maxMs: number };
  now?: () => number;
}

export interface LiveClient {
  start(): void;
  close(): void;
}

export function createLiveClient(options: LiveClientOptions): LiveClient {
  const { api, onMessage, onStatus } = options;
  const openConnection = options.openConnection ?? openLiveConnection;
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  const now = options.now ?? Date.now;
  let socket: LiveConnection | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let ticketAbort: AbortController | null = null;
  let attempt = 0;
  let everOpen = false;
  let started = false;
  let closed = false;

  function scheduleRetry(reason: string): void {
    if (closed) return;
    const delay = Math.min(maxMs, initialMs * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    onStatus({ state: 'waiting', retryAt: now() + delay, attempt, reason }, false);
    timer = setTimeout(() => void connect(), delay);
  }

  async function connect(): Promise<void> {
    timer = null;
    if (closed) return;
    onStatus({ state: 'connecting', attempt }, false);
    ticketAbort = new AbortController();
    let ticket: string;
    try {
      ticket = await api.liveTicket(ticketAbort.signal);
    } catch (err) {
      if (!closed) scheduleRetry(err instanceof Error ? err.message : 'no ticket');
      return;
    }
    if (closed) return;
    const connection: LiveConnection = openConnection(api.liveUrl(ticket), {
      onOpen() {
        if (socket !== connection) return;
        const reconnected = everOpen;
        everOpen = true;
        attempt = 0;
        onStatus({ state: 'live', since: now() }, reconnected);
      },
      onMessages(messages, invalid) {
        if (socket !== connection) return;
        for (let i = 0; i < invalid; i++) options.onInvalid?.(new Error('invalid live message'));
        for (const message of messages) onMessage(message);
      },
      onClose(code) {
        if (socket !== connection) return;
        socket = null;
        scheduleRetry(code === 1000 ? 'closed by the analyzer' : `connection lost (${code})`);
      },
    });
    socket = connection;
  }

  return {
    start() {
      if (started || closed) return;
      started = true;
      void connect();
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      ticketAbort?.abort();
      socket?.close(1000);
      socket = null;
      onStatus({ state: 'closed' }, false);
    },
  };
}
