/**
 * One live connection to /api/live, as the live client sees it: opened, batches of validated
 * messages (plus a count of invalid ones, dropped), closed with a code. Two ways to get one: the
 * socket in a worker (the default: parsing and validating 500 messages a second stays off the page's
 * main thread, which gets a few batches a second) or in the page (where Workers are missing).
 */
import { liveMessageCodec, type LiveMessage } from '@honeyproxy/protocol';
import { trustedWorkerUrl } from '../util/trusted-types.js';
import type { LiveWorkerCommand, LiveWorkerEvent } from './live-worker-protocol.js';

export const LIVE_WORKER_URL = '/live-worker.js';

export interface LiveConnectionHandlers {
  onOpen(): void;
  onMessages(messages: readonly LiveMessage[], invalid: number): void;
  onClose(code: number): void;
}

export interface LiveConnection {
  close(code: number): void;
}

export type OpenLiveConnection = (url: string, handlers: LiveConnectionHandlers) => LiveConnection;

/** Validates one frame's text: the message, or null when it is not a valid live message. */
export function decodeLiveFrame(data: unknown): LiveMessage | null {
  if (typeof data !== 'string') return null;
  try {
    return liveMessageCodec.decodeJson(data);
  } catch {
    return null;
  }
}

/** The socket in the page: every message is validated and handed over as it arrives. */
export function openPageConnection(
  url: string,
  handlers: LiveConnectionHandlers,
  createSocket: (url: string) => WebSocket = (u) => new WebSocket(u),
): LiveConnection {
  const ws = createSocket(url);
  let closed = false;
  ws.addEventListener('open', () => !closed && handlers.onOpen());
  ws.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (closed) return;
    const message = decodeLiveFrame(event.data);
    if (message) handlers.onMessages([message], 0);
    else handlers.onMessages([], 1);
  });
  ws.addEventListener('close', (event: CloseEvent) => {
    if (closed) return;
    closed = true;
    handlers.onClose(event.code);
  });
  return {
    close(code) {
      closed = true;
      ws.close(code);
    },
  };
}

/** The socket in a worker (one per connection, terminated on close). */
export function openWorkerConnection(
  url: string,
  handlers: LiveConnectionHandlers,
): LiveConnection {
  const worker = new Worker(trustedWorkerUrl(LIVE_WORKER_URL), { type: 'module', name: 'live' });
  let closed = false;
  const finish = (code: number) => {
    if (closed) return;
    closed = true;
    worker.terminate();
    handlers.onClose(code);
  };
  worker.addEventListener('message', (event: MessageEvent<LiveWorkerEvent>) => {
    if (closed) return;
    const data = event.data;
    if (data.op === 'open') handlers.onOpen();
    else if (data.op === 'messages') handlers.onMessages(data.messages, data.invalid);
    else if (data.op === 'close') finish(data.code);
  });
  worker.addEventListener('error', () => finish(1006));
  const command: LiveWorkerCommand = { op: 'connect', url };
  worker.postMessage(command);
  return {
    close(code) {
      if (closed) return;
      closed = true;
      const stop: LiveWorkerCommand = { op: 'close', code };
      worker.postMessage(stop);
      // Give the worker a moment to send the close frame, then make sure it is gone.
      setTimeout(() => worker.terminate(), 1000);
    },
  };
}

/** The worker when the browser has Workers, else the page. */
export const openLiveConnection: OpenLiveConnection = (url, handlers) =>
  typeof Worker === 'function'
    ? openWorkerConnection(url, handlers)
    : openPageConnection(url, handlers);
