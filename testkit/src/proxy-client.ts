/**
 * Clients that use the sensor the way honeypots do: absolute-form HTTP requests sent to the proxy,
 * HTTPS through CONNECT + TLS trusting the sensor's CA, and curl -x. Each reports the local port it
 * used, so a test can find the client address in the recorded flow.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface ProxyResponse {
  status: number;
  reason: string;
  rawHeaders: string[];
  body: Buffer;
  /** Local port of the client's TCP connection to the proxy. */
  localPort: number;
}

export interface RequestOptions {
  method?: string;
  /** Flat raw headers ['Name', 'value', …], sent in this order and case. */
  headers?: string[];
  body?: Buffer | string;
}

async function collect(res: IncomingMessage, localPort: number): Promise<ProxyResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return {
    status: res.statusCode ?? 0,
    reason: res.statusMessage ?? '',
    rawHeaders: res.rawHeaders,
    body: Buffer.concat(chunks),
    localPort,
  };
}

/** Plain HTTP through the proxy: `GET http://host/path HTTP/1.1` sent to 127.0.0.1:proxyPort. */
export function viaProxy(
  proxyPort: number,
  url: string,
  options: RequestOptions = {},
): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    let localPort = 0;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: proxyPort,
        method: options.method ?? 'GET',
        path: url,
        headers: options.headers ?? ['Host', new URL(url).host],
        agent: false,
      },
      (res) => void collect(res, localPort).then(resolve, reject),
    );
    req.once('socket', (socket) =>
      socket.once('connect', () => (localPort = socket.localPort ?? 0)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Plain HTTP through the proxy, dropping the connection as soon as the first body bytes arrive. */
export function abortAfterFirstChunk(proxyPort: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: url,
        agent: false,
        headers: { host: new URL(url).host },
      },
      (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    req.end();
  });
}

/** A socket tunnelled to `authority` (host:port) through the proxy's CONNECT. */
export function connectTunnel(proxyPort: number, authority: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: authority,
      agent: false,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else reject(new Error(`CONNECT answered ${String(res.statusCode)}`));
    });
    req.once('error', reject);
    req.end();
  });
}

/** TLS over a CONNECT tunnel to host:port, trusting `ca` (the sensor's CA). */
export async function tlsViaProxy(
  proxyPort: number,
  host: string,
  port: number,
  ca?: string,
): Promise<TLSSocket> {
  const tunnel = await connectTunnel(proxyPort, `${host}:${port}`);
  return new Promise<TLSSocket>((resolve, reject) => {
    const socket = tlsConnect({
      socket: tunnel,
      servername: host,
      ...(ca ? { ca } : {}),
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** An HTTPS request through the proxy: CONNECT, then TLS trusting `ca` (the sensor's CA). */
export async function httpsViaProxy(
  proxyPort: number,
  url: string,
  ca: string,
  options: RequestOptions = {},
): Promise<ProxyResponse> {
  const target = new URL(url);
  const tunnel = await connectTunnel(proxyPort, `${target.hostname}:${target.port || '443'}`);
  const localPort = tunnel.localPort ?? 0;
  const tls = await new Promise<TLSSocket>((resolve, reject) => {
    const socket = tlsConnect({
      socket: tunnel,
      servername: target.hostname,
      ca,
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers ?? ['Host', target.host],
      // no `agent` (agent: false would make a fresh Agent that ignores createConnection)
      createConnection: () => tls,
    });
    req.on('response', (res) => void collect(res, localPort).then(resolve, reject));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface CurlResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs curl with `args` (never throws on a non-zero exit). */
export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['--silent', '--show-error', '--max-time', '20', ...args],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr.toString() });
      },
    );
  });
}
