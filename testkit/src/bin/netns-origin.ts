/**
 * The server host of a namespace topology: HTTP on --http-port and HTTPS on --https-port (default
 * 80 and 443), on every address, IPv4 and IPv6, serving netns-origin-routes. Prints one JSON line
 * when listening, and one for each connection and each request (unless --quiet), so the test that
 * started it knows exactly what reached the server — and what did not.
 *
 *   ip netns exec NS node testkit/dist/bin/netns-origin.js --cert leaf.pem --key leaf.key
 */
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:net';
import { parseArgs } from 'node:util';
import { describeRequest, netnsOriginRoutes, plainIp } from '../netns-origin-routes.js';

const { values } = parseArgs({
  options: {
    'http-port': { type: 'string', default: '80' },
    'https-port': { type: 'string', default: '443' },
    cert: { type: 'string' },
    key: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

function handler(proto: 'http' | 'https') {
  return (req: IncomingMessage, res: ServerResponse) => {
    let bodyLength = 0;
    req.on('data', (chunk: Buffer) => (bodyLength += chunk.length));
    req.on('end', () => {
      const seen = describeRequest(req, bodyLength);
      if (!values.quiet) say({ event: 'request', proto, ...seen });
      netnsOriginRoutes(req, res, seen);
    });
  };
}

function watch(server: Server, proto: 'http' | 'https'): void {
  if (values.quiet) return;
  server.on('connection', (socket) =>
    say({
      event: 'connection',
      proto,
      remote: { ip: plainIp(socket.remoteAddress), port: socket.remotePort },
      local: { ip: plainIp(socket.localAddress), port: socket.localPort },
    }),
  );
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '::', ipv6Only: false }, () => resolve());
  });
}

if (!values.cert || !values.key) {
  process.stderr.write('netns-origin: --cert and --key are required\n');
  process.exit(2);
}
const http = createHttpServer({ keepAlive: true }, handler('http'));
const https = createHttpsServer(
  { cert: readFileSync(values.cert), key: readFileSync(values.key), keepAlive: true },
  handler('https'),
);
watch(http, 'http');
watch(https, 'https');
await listen(http, Number(values['http-port']));
await listen(https, Number(values['https-port']));
say({ event: 'listening', http: Number(values['http-port']), https: Number(values['https-port']) });
const stop = () => {
  http.closeAllConnections();
  https.closeAllConnections();
  http.close();
  https.close();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
