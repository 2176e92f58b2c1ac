/**
 * Test clients that use the sensor the way honeypots do: absolute-form HTTP requests to the proxy,
 * HTTPS through CONNECT + TLS (trusting a given CA), and curl -x.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface ProxyResponse {
  status: number;
  reason: string;
  rawHeaders: string[];
  body: Buffer;
}

export interface RequestOptions {
  method?: string;
  /** Flat raw headers ['Name', 'value', …]: order and case are sent as given. */
  headers?: string[] | OutgoingHttpHeaders;
  body?: Buffer | string;
}

async function collect(res: IncomingMessage): Promise<ProxyResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, reason: res.statusMessage ?? '', rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) };
}

/** Plain HTTP through the proxy: `GET http://host/path HTTP/1.1` sent to 127.0.0.1:proxyPort. */
export function viaProxy(proxyPort: number, url: string, options: RequestOptions = {}): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: proxyPort, method: options.method ?? 'GET', path: url, headers: options.headers ?? { host: new URL(url).host }, agent: false },
      (res) => collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A socket tunnelled to host:port through the proxy's CONNECT. */
export function connectTunnel(proxyPort: number, authority: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority, agent: false });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else reject(new Error(`CONNECT answered ${res.statusCode}`));
    });
    req.once('error', reject);
    req.end();
  });
}

/** TLS over a CONNECT tunnel, trusting `ca` (the sensor's CA). */
export async function tlsViaProxy(proxyPort: number, host: string, port: number, ca?: string): Promise<TLSSocket> {
  const socket = await connectTunnel(proxyPort, `${host}:${port}`);
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername: host, ...(ca ? { ca } : {}), ALPNProtocols: ['http/1.1'] });
    tls.once('secureConnect', () => resolve(tls));
    tls.once('error', reject);
  });
}

/** An HTTPS request through the proxy (CONNECT, then TLS trusting `ca`). */
export function httpsViaProxy(proxyPort: number, url: string, ca: string, options: RequestOptions = {}): Promise<ProxyResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        createConnection: (_opts: unknown, done: (err: Error | null, socket?: Socket) => void) => {
          tlsViaProxy(proxyPort, target.hostname, Number(target.port || 443), ca).then(
            (socket) => done(null, socket),
            (err: Error) => done(err),
          );
          return undefined;
        },
      } as Parameters<typeof httpsRequest>[1],
      (res) => collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface CurlResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs curl with the given arguments (never throws on a non-zero exit). */
export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['--silent', '--show-error', '--max-time', '20', ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}
