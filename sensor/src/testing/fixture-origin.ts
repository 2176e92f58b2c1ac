/**
 * The origin server behind the sensor in capture tests: a few routes whose bytes on the wire are
 * known exactly (binary, gzip, chunked, empty, 5 MiB, odd status and duplicate headers, a stalled
 * response, an echo), served over HTTP and HTTPS by testkit's origin.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startOrigin, type Origin } from '@honeyproxy/testkit';

export const BINARY = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));
export const GZIPPED = gzipSync(Buffer.from('hello honeypot '.repeat(500)));
export const BIG = randomBytes(5 * 1024 * 1024);
/** Response headers of /dups, flat, in order. */
export const DUP_HEADERS = ['X-Dup', 'a', 'x-dup', 'b', 'Set-Cookie', 'c=1', 'Set-Cookie', 'd=2', 'Content-Length', '2'];

function route(req: IncomingMessage, res: ServerResponse): void {
  switch (req.url?.split('?')[0]) {
    case '/binary':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BINARY.length });
      res.end(BINARY);
      return;
    case '/gzip':
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': GZIPPED.length });
      res.end(GZIPPED);
      return;
    case '/chunked':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('part1,');
      setTimeout(() => res.end('part2'), 20);
      return;
    case '/empty':
      res.writeHead(204);
      res.end();
      return;
    case '/big':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(BIG);
      return;
    case '/dups':
      res.writeHead(299, 'Weird Reason', DUP_HEADERS);
      res.end('ok');
      return;
    case '/stall':
      // headers and a first chunk, then nothing until the client gives up
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      return;
    default: {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
        res.end(body);
      });
    }
  }
}

export function startFixtureOrigin(): Promise<Origin> {
  return startOrigin(route);
}
