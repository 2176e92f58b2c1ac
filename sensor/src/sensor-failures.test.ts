/** Flows that did not go to plan are flows too: cut bodies, dead upstreams, aborts, bad TLS, bad HTTP. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  BIG,
  abortAfterFirstChunk,
  connectTunnel,
  createCleanupList,
  freePort,
  httpsViaProxy,
  viaProxy,
} from '@honeyproxy/testkit';
import { captureSuite } from './testing/capture-suite.js';
import { byUrl, bytesOf, sha256Hex } from './testing/flow-bytes.js';
import { startTestSensor } from './testing/in-process-sensor.js';

const MAX_BODY = 1000;

describe('recording failures and limits', { timeout: 60_000 }, () => {
  const suite = captureSuite({ maxBody: MAX_BODY });

  it('keeps the first max-body bytes of longer bodies, flags them truncated, with the real length', async () => {
    const url = `${suite().origin.httpUrl}/echo?big=1`;
    const payload = Buffer.alloc(5000, 'x');
    payload.write('start', 0);
    const res = await viaProxy(suite().sensor.port, url, { method: 'POST', body: payload });
    assert.deepEqual(res.body, payload, 'forwarding is not affected by the capture limit');
    const c = await suite().sink.waitFor(byUrl(url));
    for (const body of [c.flow.request.body, c.flow.response?.body]) {
      assert.ok(body);
      assert.equal(body.truncated, true);
      assert.equal(body.len, 5000);
      assert.equal(body.capturedLen, MAX_BODY);
      assert.equal(body.sha256, sha256Hex(payload.subarray(0, MAX_BODY)));
      assert.deepEqual(bytesOf(c, body), payload.subarray(0, MAX_BODY));
    }
  });

  it('truncates a large HTTPS download the same way', async () => {
    const url = `${suite().origin.httpsUrl}/big-chunked?cut=1`;
    const res = await httpsViaProxy(suite().sensor.port, url, suite().sensor.caPem);
    assert.equal(res.body.length, BIG.length);
    const c = await suite().sink.waitFor(byUrl(url));
    const body = c.flow.response?.body;
    assert.ok(body);
    assert.equal(body.truncated, true);
    assert.equal(body.len, BIG.length);
    assert.deepEqual(bytesOf(c, body), BIG.subarray(0, MAX_BODY));
  });

  it('records an unreachable upstream as a flow with the error', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/nobody-home`;
    await assert.rejects(
      viaProxy(suite().sensor.port, url),
      'the client sees the connection fail, as without a proxy',
    );
    const c = await suite().sink.waitFor(byUrl(url));
    assert.equal(c.flow.error?.kind, 'upstream-unreachable');
    assert.equal(c.flow.error?.code, 'ECONNREFUSED');
    assert.match(c.flow.error?.message ?? '', /ECONNREFUSED/);
    assert.equal(c.flow.response, undefined);
    assert.equal(c.flow.server.port, port);
  });

  it('records a client that aborts mid-response, with what it had received', async () => {
    const url = `${suite().origin.httpUrl}/stall`;
    await abortAfterFirstChunk(suite().sensor.port, url);
    const c = await suite().sink.waitFor(byUrl(url));
    assert.equal(c.flow.error?.kind, 'client-abort');
    assert.equal(c.flow.response?.status, 200);
    assert.equal(bytesOf(c, c.flow.response?.body).toString(), 'partial');
  });

  it('records a client that rejects the sensor certificate as a TLS failure', async () => {
    const socket = await connectTunnel(suite().sensor.port, 'pinned.example:8443');
    const clientPort = socket.localPort;
    await new Promise<void>((resolve) => {
      const tls = tlsConnect({ socket, servername: 'pinned.example' }); // does not trust the sensor CA
      tls.once('error', () => resolve());
      tls.once('secureConnect', () => resolve());
    });
    const c = await suite().sink.waitFor(
      (f) => f.flow.error?.kind === 'tls-failure' && f.flow.server.sni === 'pinned.example',
    );
    assert.equal(c.flow.server.host, 'pinned.example');
    assert.equal(c.flow.server.port, 8443);
    assert.deepEqual(c.flow.client, { ip: '127.0.0.1', port: clientPort });
    assert.equal(c.flow.request.method, 'CONNECT');
    assert.equal(c.flow.request.url, 'pinned.example:8443');
    assert.match(c.flow.tls?.ja4 ?? '', /^t1[23]d/);
    assert.ok(c.flow.error?.code);
  });

  it('records a request the HTTP parser rejects as a protocol error', async () => {
    const socket = netConnect(suite().sensor.port, '127.0.0.1');
    socket.write(
      'GET http://example.test/x HTTP/1.1\r\nHost: example.test\r\nBad Header Line\r\n\r\n',
    );
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    const c = await suite().sink.waitFor((f) => f.flow.error?.kind === 'protocol');
    assert.equal(c.flow.error?.code, 'HPE_INVALID_HEADER_TOKEN');
    assert.equal(c.flow.response?.status, 400);
    assert.ok(c.flow.anomalies.includes('response-from-sensor'));
    assert.equal(c.flow.client.ip, '127.0.0.1');
  });
});

describe('starting the sensor', { timeout: 60_000 }, () => {
  it('fails with the cause when its port is taken', async (t) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as AddressInfo).port;
    const cleanup = createCleanupList();
    t.after(() => cleanup.run());
    await assert.rejects(startTestSensor(cleanup.add, { port }), /EADDRINUSE/);
  });
});
