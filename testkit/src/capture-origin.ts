/**
 * The origin behind the sensor in capture tests (unit and end to end): routes whose bytes on the
 * wire are known exactly (binary, gzip, chunked, empty, 5 MiB with and without a length, odd status
 * with duplicate headers, a stalled stream, plain text, an echo), served over HTTP and HTTPS by
 * startOrigin. A query string never changes the answer, so each test makes its URL unique with one.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startOrigin, type Origin } from './origin.js';

/** Every byte value, 16 times over: not text in any encoding. */
export const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
export const GZIP_TEXT = 'hello honeypot, this text travels gzip-encoded\n'.repeat(200);
export const GZIPPED = gzipSync(Buffer.from(GZIP_TEXT));
/** The two writes of /chunked, 20 ms apart. */
export const CHUNKS = ['part1,', 'part2'] as const;
/** 5 MiB: above INLINE_BODY_MAX, so it travels by BODIES reference. */
export const BIG = randomBytes(5 * 1024 * 1024);
export const TEXT = 'Hello from the origin: plain text for the GUI.';
/** Response head of /dups: odd status and reason, raw header pairs in wire order. */
export const DUP_STATUS = 299;
export const DUP_REASON = 'Weird Reason';
export const DUP_HEADERS: [string, string][] = [
  ['X-Dup', 'a'],
  ['x-dup', 'b'],
  ['Set-Cookie', 'c=1; Path=/'],
  ['Set-Cookie', 'd=2; HttpOnly'],
  ['Content-Length', '2'],
];

function sendBytes(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
  res.end(body);
}

/** The routes, as a request listener (for startOrigin or a server of a test's own). */
export function captureRoutes(req: IncomingMessage, res: ServerResponse): void {
  switch ((req.url ?? '').split('?')[0] ?? '') {
    case '/binary':
      sendBytes(res, BINARY);
      return;
    case '/gzip':
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Encoding': 'gzip',
        'Content-Length': GZIPPED.length,
      });
      res.end(GZIPPED);
      return;
    case '/chunked':
      res.writeHead(200, { 'Content-Type': 'text/plain' }); // no length: chunked
      res.write(CHUNKS[0]);
      setTimeout(() => res.end(CHUNKS[1]), 20);
      return;
    case '/empty':
      res.writeHead(204);
      res.end();
      return;
    case '/big':
      sendBytes(res, BIG);
      return;
    case '/big-chunked':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); // no length: chunked
      res.end(BIG);
      return;
    case '/dups':
      res.writeHead(DUP_STATUS, DUP_REASON, DUP_HEADERS.flat());
      res.end('ok');
      return;
    case '/text':
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Origin': 'capture-origin',
      });
      res.end(TEXT);
      return;
    case '/stall':
      // the head and a first chunk, then nothing until the client gives up
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      return;
    default: {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => sendBytes(res, Buffer.concat(chunks)));
    }
  }
}

/** A new origin (with a CA of its own) serving captureRoutes. */
export function startCaptureOrigin(): Promise<Origin> {
  return startOrigin(captureRoutes);
}
