/**
 * What the namespace origin (bin/netns-origin.ts) serves, shared with the tests that check it:
 * fixed bodies and an echo of what really arrived (method, raw headers, addresses, TLS SNI), so a
 * test can tell which server address a connection reached and what the client sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** 1 KiB of fixed bytes (every byte value, four times): the benchmark size. */
export const NETNS_ORIGIN_1K = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));
export const NETNS_ORIGIN_TEXT = 'Hello from the server namespace.\n';

/** The JSON /echo answers with. */
export interface OriginEcho {
  method: string;
  url: string;
  httpVersion: string;
  rawHeaders: string[];
  remote: { ip: string; port: number };
  local: { ip: string; port: number };
  tls: boolean;
  /** The SNI the client sent (TLS only; false when none). */
  servername: string | false | null;
  bodyLength: number;
}

/** An IPv4-mapped IPv6 address (::ffff:1.2.3.4, from a dual-stack socket) as plain IPv4. */
export function plainIp(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

export function describeRequest(req: IncomingMessage, bodyLength: number): OriginEcho {
  const socket = req.socket as TLSSocket;
  const tls = 'encrypted' in socket && socket.encrypted;
  return {
    method: req.method ?? '',
    url: req.url ?? '',
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
    remote: { ip: plainIp(socket.remoteAddress), port: socket.remotePort ?? 0 },
    local: { ip: plainIp(socket.localAddress), port: socket.localPort ?? 0 },
    tls,
    servername: tls
      ? ((socket as TLSSocket & { servername?: string | false }).servername ?? null)
      : null,
    bodyLength,
  };
}

/** Answers one request; `seen` is what describeRequest made of it. */
export function netnsOriginRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  seen: OriginEcho,
): void {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path.startsWith('/echo')) {
    const body = Buffer.from(JSON.stringify(seen));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  } else if (path === '/1k' || path === '/1k.bin') {
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': NETNS_ORIGIN_1K.length,
    });
    res.end(NETNS_ORIGIN_1K);
  } else if (path === '/text') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Origin': 'netns-origin' });
    res.end(NETNS_ORIGIN_TEXT);
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
  }
}
