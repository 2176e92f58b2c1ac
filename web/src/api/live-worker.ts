/**
 * The live feed's worker: owns the WebSocket, parses and validates each message (no eval: the
 * decoders' interpreted mode) and posts them to the page in batches at most every BATCH_MS, so 500
 * flows a second cost the page ~10 small tasks instead of 500 parse-and-validate tasks. Bundled to
 * /live-worker.js; loaded under the GUI CSP (worker-src 'self').
 */
import { setValidationMode, type LiveMessage } from '@honeyproxy/protocol';
import { decodeLiveFrame } from './live-connection.js';
import type { LiveWorkerCommand, LiveWorkerEvent } from './live-worker-protocol.js';

setValidationMode('interpreted');

const BATCH_MS = 100;

let socket: WebSocket | null = null;
let batch: LiveMessage[] = [];
let invalid = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

const post = (event: LiveWorkerEvent) => postMessage(event);

function send(): void {
  timer = null;
  if (batch.length === 0 && invalid === 0) return;
  post({ op: 'messages', messages: batch, invalid });
  batch = [];
  invalid = 0;
}

function queue(): void {
  timer ??= setTimeout(send, BATCH_MS);
}

addEventListener('message', (event: MessageEvent<LiveWorkerCommand>) => {
  const command = event.data;
  if (command.op === 'close') {
    socket?.close(command.code);
    socket = null;
    return;
  }
  if (socket) return;
  const ws = new WebSocket(command.url);
  socket = ws;
  ws.addEventListener('open', () => post({ op: 'open' }));
  ws.addEventListener('message', (e: MessageEvent<unknown>) => {
    const message = decodeLiveFrame(e.data);
    if (message) batch.push(message);
    else invalid++;
    queue();
  });
  ws.addEventListener('close', (e: CloseEvent) => {
    if (timer !== null) clearTimeout(timer);
    send();
    post({ op: 'close', code: e.code });
  });
});
