/**
 * Transparent capture without a kernel: a fake original-destination reader stands in for
 * SO_ORIGINAL_DST, so these run anywhere. (tests/src/transparent-*.test.ts prove the same with real
 * iptables REDIRECT in network namespaces.) What matters: a redirected connection goes where the
 * client really sent it — never where its Host header, SNI or an absolute URL points.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { startOrigin, suiteResource, type Origin } from '@honeyproxy/testkit';
import { createHostResolver } from './host-resolver.js';
import type { Endpoint } from './original-destination.js';
import type { Sensor } from './sensor.js';
import type { CollectingSink } from './testing/collecting-sink.js';
import { startTestSensor } from './testing/in-process-sensor.js';

interface Hit {
  host: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
}

/** What the fake SO_ORIGINAL_DST says for the connections accepted now (undefined: not redirected). */
let redirectedTo: Endpoint | undefined;

const NAMES: Record<string, string[]> = {
  'evil.example': ['203.0.113.66'],
  'localhost.test': ['127.0.0.1'],
};

interface Suite {
  origin: Origin;
  hits: Hit[];
  sensor: Sensor;
  sink: CollectingSink;
}

/** One plain or TLS request sent straight to the sensor port, as a redirected client would. */
function direct(
  port: number,
  options: {
    path: string;
    headers?: Record<string, string>;
    method?: string;
    tls?: { ca: string };
    redirectTo?: Endpoint;
  },
): Promise<{ status: number; body: string; cert?: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const send = options.tls ? httpsRequest : httpRequest;
    const req = send(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: false,
        ...(options.tls && { ca: options.tls.ca }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        const cert = options.tls
          ? (
              res.socket as unknown as { getPeerCertificate(): PeerCertificate }
            ).getPeerCertificate()
          : undefined;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            ...(cert && { cert }),
          }),
        );
      },
    );
    redirectedTo = options.redirectTo;
    req.on('error', reject);
    req.end();
  });
}

describe(
  'transparent capture (original destination from a fake SO_ORIGINAL_DST)',
  { timeout: 60_000 },
  () => {
    const suite = suiteResource<Suite>(async (cleanup) => {
      const hits: Hit[] = [];
      const origin = await startOrigin((req, res) => {
        hits.push({ host: req.headers.host, url: req.url, headers: req.headers });
        res.end(`origin ${req.url ?? ''}`);
      });
      cleanup.add(() => origin.close());
      const started = await startTestSensor(cleanup.add, {
        originalDestination: () => redirectedTo,
        resolver: createHostResolver({
          lookup: (name) => {
            const found = NAMES[name];
            if (found) return Promise.resolve(found);
            return Promise.reject(Object.assign(new Error(`no ${name}`), { code: 'ENOTFOUND' }));
          },
        }),
      });
      return { origin, hits, ...started };
    });

    it('sends an origin-form request to the original destination, not to its Host, and flags the mismatch', async () => {
      const { origin, sensor, sink, hits } = suite();
      const res = await direct(sensor.port, {
        path: '/spoofed?a=1',
        headers: { Host: 'evil.example' },
        redirectTo: { address: '127.0.0.1', port: origin.httpPort },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body, 'origin /spoofed?a=1');
      assert.equal(hits.at(-1)?.host, 'evil.example', 'the server sees the Host the client sent');
      const c = await sink.waitFor((f) => f.flow.request.url.endsWith('/spoofed?a=1'));
      assert.equal(c.flow.mode, 'transparent');
      assert.equal(c.flow.server.ip, '127.0.0.1');
      assert.equal(c.flow.server.port, origin.httpPort);
      assert.equal(c.flow.server.host, 'evil.example');
      assert.equal(c.flow.server.hostMismatch, true, 'evil.example is 203.0.113.66, not 127.0.0.1');
      assert.equal(c.flow.error, undefined);
    });

    it('accepts a bracketed IPv6 Host without a port (what curl sends for http://[v6]/)', async () => {
      const { origin, sensor, sink, hits } = suite();
      const res = await direct(sensor.port, {
        path: '/v6-literal',
        headers: { Host: '[2001:db8::7]' },
        redirectTo: { address: '127.0.0.1', port: origin.httpPort },
      });
      assert.equal(res.status, 200);
      assert.equal(hits.at(-1)?.host, '[2001:db8::7]', 'the Host reaches the server as sent');
      const c = await sink.waitFor((f) => f.flow.request.url.endsWith('/v6-literal'));
      assert.equal(c.flow.server.host, '2001:db8::7');
      assert.equal(c.flow.request.url, `http://[2001:db8::7]:${origin.httpPort}/v6-literal`);
      assert.equal(c.flow.server.ip, '127.0.0.1');
    });

    it('does not flag a Host whose addresses include the destination', async () => {
      const { origin, sensor, sink } = suite();
      await direct(sensor.port, {
        path: '/matching',
        headers: { Host: 'localhost.test' },
        redirectTo: { address: '127.0.0.1', port: origin.httpPort },
      });
      const c = await sink.waitFor((f) => f.flow.request.url.endsWith('/matching'));
      assert.equal(c.flow.server.hostMismatch, false);
    });

    it('flags a Host that does not resolve at all', async () => {
      const { origin, sensor, sink } = suite();
      await direct(sensor.port, {
        path: '/nxdomain',
        headers: { Host: 'nowhere.invalid' },
        redirectTo: { address: '127.0.0.1', port: origin.httpPort },
      });
      const c = await sink.waitFor((f) => f.flow.request.url.endsWith('/nxdomain'));
      assert.equal(c.flow.server.hostMismatch, true);
      assert.ok(c.flow.anomalies.includes('host-not-resolvable'));
    });

    it('routes an absolute-form request on a redirected connection to the original destination too', async () => {
      const { origin, sensor, sink, hits } = suite();
      const res = await direct(sensor.port, {
        path: 'http://169.254.169.254/latest/meta-data',
        headers: { Host: '169.254.169.254' },
        redirectTo: { address: '127.0.0.1', port: origin.httpPort },
      });
      assert.equal(res.status, 200);
      assert.equal(hits.at(-1)?.url, '/latest/meta-data');
      const c = await sink.waitFor((f) => f.flow.request.url.includes('/latest/meta-data'));
      assert.equal(
        c.flow.request.url,
        'http://169.254.169.254/latest/meta-data',
        'as the client sent it',
      );
      assert.ok(c.flow.anomalies.includes('absolute-form-on-transparent'));
      assert.equal(c.flow.server.ip, '127.0.0.1');
      assert.equal(c.flow.mode, 'transparent');
    });

    it('answers TLS without SNI with a certificate for the destination address', async () => {
      const { origin, sensor, sink, hits } = suite();
      const res = await direct(sensor.port, {
        path: '/no-sni',
        tls: { ca: sensor.caPem },
        redirectTo: { address: '127.0.0.1', port: origin.httpsPort },
      });
      assert.equal(res.status, 200, 'the client verified the certificate against 127.0.0.1');
      assert.match(res.cert?.subjectaltname ?? '', /IP Address:127\.0\.0\.1/);
      assert.equal(hits.at(-1)?.url, '/no-sni');
      const c = await sink.waitFor((f) => f.flow.request.url.endsWith('/no-sni'));
      assert.equal(c.flow.mode, 'transparent');
      assert.equal(c.flow.server.sni, undefined);
      assert.equal(c.flow.server.port, origin.httpsPort);
      assert.ok(c.flow.tls?.upstream, 'the upstream side was TLS');
    });

    it('refuses a redirected connection to a private destination: 403, nothing connected, a blocked flow', async () => {
      const { sensor, sink } = suite();
      const res = await direct(sensor.port, {
        path: '/intranet',
        headers: { Host: 'intranet.example' },
        redirectTo: { address: '10.20.30.40', port: 80 },
      });
      assert.equal(res.status, 403);
      assert.match(res.body, /10\.20\.30\.40:80 is a private range/);
      const c = await sink.waitFor((f) => f.flow.request.url.endsWith('/intranet'));
      assert.equal(c.flow.error?.kind, 'blocked');
      assert.equal(c.flow.error?.code, 'private');
      assert.equal(c.flow.server.ip, '10.20.30.40');
      assert.equal(c.flow.server.port, 80);
      assert.equal(c.flow.tls?.upstream, undefined);
    });

    it('refuses CONNECT on a redirected connection (it would choose its own destination)', async () => {
      const { origin, sensor, sink } = suite();
      const status = await new Promise<number>((resolve, reject) => {
        redirectedTo = { address: '127.0.0.1', port: origin.httpPort };
        const req = httpRequest({
          host: '127.0.0.1',
          port: sensor.port,
          method: 'CONNECT',
          path: `127.0.0.1:${origin.httpPort}`,
          agent: false,
        });
        req.once('connect', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        });
        req.once('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      });
      assert.equal(status, 403);
      const c = await sink.waitFor(
        (f) =>
          f.flow.error?.code === 'connect-on-transparent' && f.flow.request.method === 'CONNECT',
      );
      assert.equal(c.flow.error?.kind, 'blocked');
      assert.equal(c.flow.mode, 'transparent');
    });

    it('treats a connection whose original destination is the sensor itself as explicit', async () => {
      const { origin, sensor, sink } = suite();
      const url = `${origin.httpUrl}/self-destination`;
      const res = await direct(sensor.port, {
        path: url,
        headers: { Host: `127.0.0.1:${origin.httpPort}` },
        redirectTo: { address: '::ffff:127.0.0.1', port: sensor.port },
      });
      assert.equal(res.status, 200);
      const c = await sink.waitFor((f) => f.flow.request.url === url);
      assert.equal(c.flow.mode, 'explicit');
      assert.equal(sensor.stats().transparentConnections > 0, true);
    });

    it('records a TLS client that rejects the certificate on a redirected connection', async () => {
      const { origin, sensor, sink } = suite();
      const target = { address: '127.0.0.1', port: origin.httpsPort };
      redirectedTo = target;
      await new Promise<void>((resolve) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: sensor.port,
          servername: 'pinned.test',
        });
        socket.once('error', () => resolve());
        socket.once('secureConnect', () => {
          socket.destroy();
          resolve();
        });
      });
      const c = await sink.waitFor(
        (f) => f.flow.error?.kind === 'tls-failure' && f.flow.server.sni === 'pinned.test',
      );
      assert.equal(c.flow.mode, 'transparent');
      assert.equal(c.flow.server.ip, '127.0.0.1');
      assert.equal(c.flow.server.port, origin.httpsPort);
    });
  },
);
