/**
 * Pins every mockttp 4.6.5 internal the sensor relies on. If a mockttp upgrade moves one of them,
 * a test here fails and names it (the capture tests would fail too, less clearly).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import {
  getLocal,
  generateCACertificate,
  type ClientError,
  type Mockttp,
  type TlsHandshakeFailure,
} from 'mockttp';
import {
  connectTunnel,
  createCleanupList,
  freePort,
  httpsViaProxy,
  startCaptureOrigin,
  viaProxy,
  type Origin,
} from '@honeyproxy/testkit';
import {
  addTunnelToTlsFailures,
  asMockttpExchange,
  connectionAgents,
  connectionOf,
  gateConnect,
  gateConnections,
  http1Server,
  innerServer,
  setTunnelAddress,
  wrapPassThroughSteps,
  tlsMetadataOf,
  tunnelAddressOf,
  upstreamErrorCode,
  type MockttpRequest,
  type MockttpResponse,
} from './mockttp-internals.js';

describe('mockttp internals the sensor relies on', { timeout: 60_000 }, () => {
  const cleanup = createCleanupList();
  let proxy: Mockttp;
  let origin: Origin;
  let caPem: string;
  const exchanges: [MockttpRequest, MockttpResponse][] = [];
  const tlsErrors: TlsHandshakeFailure[] = [];
  const clientErrors: ClientError[] = [];

  before(async () => {
    origin = await startCaptureOrigin();
    cleanup.add(() => origin.close());
    const ca = await generateCACertificate();
    caPem = ca.cert;
    proxy = getLocal({ https: ca, recordTraffic: false, maxBodySize: 10 });
    addTunnelToTlsFailures(proxy);
    await proxy
      .forAnyRequest()
      .thenPassThrough({ ignoreHostHttpsErrors: true, simulateConnectionErrors: true });
    await proxy.on('tls-client-error', (e) => tlsErrors.push(e));
    await proxy.on('client-error', (e) => clientErrors.push(e));
    await proxy.start(0);
    cleanup.add(() => proxy.stop());
    innerServer(proxy).on('request', (req: unknown, res: unknown) =>
      exchanges.push(asMockttpExchange(req, res)),
    );
  });
  after(() => cleanup.run());

  it('exposes the listening server and its HTTP/1 sub-server', () => {
    const inner = innerServer(proxy);
    const address = inner.address();
    assert.ok(address && typeof address === 'object' && address.port === proxy.port);
    assert.equal(typeof http1Server(inner).on, 'function');
  });

  it("runs the inner 'request' listener after mockttp's preprocessing", async () => {
    const seen: string[][] = [];
    const channel = (m: unknown) => {
      const { request, server } = m as { request: IncomingMessage; server: unknown };
      if (server === http1Server(innerServer(proxy))) seen.push(request.rawHeaders);
    };
    dc.subscribe('http.server.request.start', channel);
    const url = `${origin.httpUrl}/echo?pre=1`;
    await viaProxy(proxy.port, url, {
      headers: ['Host', 'h', 'Proxy-Authorization', 'Basic eDp5'],
    });
    dc.unsubscribe('http.server.request.start', channel);
    const exchange = exchanges.find(([req]) => req.url === url);
    assert.ok(exchange, 'id, timingEvents, tags, bodies and getRawHeaders are in place');
    const [req, res] = exchange;
    assert.deepEqual(req.destination, { hostname: '127.0.0.1', port: origin.httpPort });
    assert.equal(typeof req.timingEvents.startTime, 'number');
    assert.ok(
      !req.rawHeaders.some(([k]) => k === 'Proxy-Authorization'),
      'mockttp still drops Proxy-Authorization',
    );
    assert.ok(
      seen.some((raw) => raw.includes('Proxy-Authorization')),
      'the channel still sees it, from _httpServer',
    );
    assert.ok(res.getRawHeaders().length > 0);
    assert.equal(connectionOf(req), req.socket);
  });

  it("empties an over-limit body after a 'truncate' event carrying the chunks", async () => {
    const url = `${origin.httpUrl}/echo?limit=1`;
    const pending = new Promise<[Buffer[], Buffer]>((resolve) => {
      const listener = (req: unknown) => {
        const r = req as MockttpRequest;
        if (r.url !== url) return;
        innerServer(proxy).off('request', listener);
        // as the sensor does: follow the buffering passthrough starts (starting it here would race)
        // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(r.body)
        const asBuffer = r.body.asBuffer;
        r.body.asBuffer = () => {
          const buffer = asBuffer.call(r.body);
          assert.ok(Array.isArray(buffer.currentChunks));
          buffer.events.once(
            'truncate',
            (chunks: Buffer[]) => void buffer.then((all) => resolve([chunks, all])),
          );
          return buffer;
        };
      };
      innerServer(proxy).on('request', listener);
    });
    const res = await viaProxy(proxy.port, url, { method: 'POST', body: 'x'.repeat(100) });
    assert.equal(res.body.length, 100, 'the whole body still reaches the server');
    const [chunks, all] = await pending;
    assert.ok(Buffer.concat(chunks).length > 10);
    assert.equal(all.length, 0);
  });

  it('tags an upstream failure and marks intercepted TLS sockets', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/x`;
    await assert.rejects(viaProxy(proxy.port, dead));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const failed = exchanges.find(([req]) => req.url === dead);
    assert.equal(upstreamErrorCode(failed?.[0].tags ?? []), 'ECONNREFUSED');

    const agents: unknown[] = [];
    const onStart = (m: unknown) =>
      agents.push((m as { request: ClientRequest & { agent: unknown } }).request.agent);
    dc.subscribe('http.client.request.start', onStart);
    const url = `${origin.httpsUrl}/binary?tls=1`;
    await httpsViaProxy(proxy.port, url, caPem);
    dc.unsubscribe('http.client.request.start', onStart);
    const exchange = exchanges.find(([req]) => req.url === url);
    assert.ok(exchange);
    const socket = exchange[0].socket;
    assert.equal(tlsMetadataOf(socket)?.sniHostname, 'localhost');
    assert.match(tlsMetadataOf(socket)?.ja3Fingerprint ?? '', /^[0-9a-f]{32}$/);
    assert.equal(tunnelAddressOf(socket), `localhost:${origin.httpsPort}`);
    const perConnection = [...(connectionAgents(socket)?.values() ?? [])];
    assert.ok(
      perConnection.length > 0 && agents.some((a) => perConnection.includes(a)),
      'upstream agent per connection',
    );
  });

  it('reports rejected handshakes and unparsable requests with the fields the sensor reads', async () => {
    const socket = await connectTunnel(proxy.port, 'pinned.example:8443');
    await new Promise<void>((resolve) => {
      const tls = tlsConnect({ socket, servername: 'pinned.example' });
      tls.once('error', () => resolve());
      tls.once('secureConnect', () => resolve());
    });
    const raw = await connectTunnel(proxy.port, 'bad.example:80');
    raw.end('GET / HTTP/1.1\r\nBad Header\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const tlsError = tlsErrors.find((e) => e.tlsMetadata.sniHostname === 'pinned.example');
    assert.ok(tlsError);
    assert.equal(typeof tlsError.failureCause, 'string');
    assert.deepEqual(
      tlsError.destination,
      { hostname: 'pinned.example', port: 8443 },
      'tunnel added to the event',
    );
    assert.equal(typeof tlsError.timingEvents.connectTimestamp, 'number');
    assert.equal(typeof tlsError.timingEvents.failureTimestamp, 'number');
    assert.equal(typeof tlsError.remotePort, 'number');
    const clientError = clientErrors.find((e) => e.errorCode === 'HPE_INVALID_HEADER_TOKEN');
    assert.ok(clientError);
    assert.equal(typeof clientError.request.timingEvents.startTimestamp, 'number');
    assert.ok(clientError.response !== 'aborted' && clientError.response.statusCode === 400);
  });
});

describe('mockttp internals the routing relies on', { timeout: 60_000 }, () => {
  it('lets the sensor see each connection first, route it by tunnel address, gate CONNECT and wrap passthrough', async () => {
    const cleanup = createCleanupList();
    try {
      const origin = await startCaptureOrigin();
      cleanup.add(() => origin.close());
      const proxy = getLocal({ recordTraffic: false });
      await proxy.forAnyRequest().thenPassThrough({ simulateConnectionErrors: true });
      await proxy.forAnyWebSocket().thenPassThrough();
      const handled: string[] = [];
      wrapPassThroughSteps(proxy, {
        requests: (original) =>
          async function (this: unknown, ...args: unknown[]) {
            handled.push((args[0] as MockttpRequest).destination.hostname);
            return original.apply(this, args);
          },
        webSockets: (original) => original,
      });
      await proxy.start(0);
      cleanup.add(() => proxy.stop());
      const inner = innerServer(proxy);
      // one socket may pass more than once (httpolyglot re-reads it; CONNECT re-emits it)
      const admitted = new Set<unknown>();
      gateConnections(inner, (socket) => {
        admitted.add(socket);
        // every connection is "redirected" to the origin, whatever its Host says
        setTunnelAddress(socket, `127.0.0.1:${origin.httpPort}`);
        return true;
      });
      const connects: string[] = [];
      gateConnect(inner, (req, _target, proceed) => {
        connects.push(req.url ?? '');
        proceed();
      });

      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: proxy.port,
            path: '/text',
            headers: { host: 'elsewhere.example' },
          },
          (r) => {
            let body = '';
            r.on('data', (c: Buffer) => (body += c.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(res.status, 200, 'the tunnel address decided, not the Host header');
      assert.equal(admitted.size, 1);
      assert.deepEqual(handled, ['127.0.0.1']);

      const tunnel = await connectTunnel(proxy.port, `127.0.0.1:${origin.httpPort}`);
      tunnel.destroy();
      assert.deepEqual(connects, [`127.0.0.1:${origin.httpPort}`]);
      assert.equal(admitted.size, 2, 'the tunnel is one more connection, seen before mockttp');
    } finally {
      await cleanup.run();
    }
  });
});
