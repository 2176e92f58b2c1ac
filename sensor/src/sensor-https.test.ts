/** Capture of HTTPS through CONNECT + interception: bodies, both sides' TLS, the CA's lifetime. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import http2 from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRef } from '@honeyproxy/protocol';
import {
  BIG,
  BINARY,
  connectTunnel,
  createCleanupList,
  curl,
  httpsViaProxy,
  startCaptureOrigin,
} from '@honeyproxy/testkit';
import { captureSuite } from './testing/capture-suite.js';
import { byUrl, bytesOf, sha256Hex } from './testing/flow-bytes.js';
import { startTestSensor } from './testing/in-process-sensor.js';

describe('capturing HTTPS through CONNECT', { timeout: 60_000 }, () => {
  const suite = captureSuite();

  it('hands a 5 MiB body to the sink by reference with the right sha256', async () => {
    const url = `${suite().origin.httpsUrl}/big-chunked`;
    const res = await httpsViaProxy(suite().sensor.port, url, suite().sensor.caPem);
    assert.equal(res.body.length, BIG.length);
    const c = await suite().sink.waitFor(byUrl(url));
    const body = c.flow.response?.body;
    assert.ok(body && isRef(body), 'a ref body');
    assert.equal(body.ref, `BODIES/${sha256Hex(BIG)}`);
    assert.equal(body.len, BIG.length);
    assert.equal(body.truncated, false);
    assert.deepEqual([...c.bodies.keys()], [sha256Hex(BIG)]);
    assert.ok(bytesOf(c, body).equals(BIG));
  });

  it('records the upstream certificate, and that it did not verify, without refusing it', async () => {
    const url = `${suite().origin.httpsUrl}/binary`;
    const res = await httpsViaProxy(suite().sensor.port, url, suite().sensor.caPem);
    assert.deepEqual(res.body, BINARY, 'an untrusted upstream certificate is passed through');
    const c = await suite().sink.waitFor(byUrl(url));
    const upstream = c.flow.tls?.upstream;
    assert.ok(upstream, 'upstream TLS recorded');
    assert.equal(upstream.authorized, false);
    assert.match(
      upstream.authorizationError ?? '',
      /UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify/i,
    );
    assert.match(upstream.version ?? '', /^TLSv1\.[23]$/);
    assert.ok(upstream.cipher);
    const [leaf] = upstream.certificates;
    assert.ok(leaf);
    assert.match(leaf.subject, /CN=localhost/);
    assert.match(leaf.issuer, /HoneyProxy Test Origin CA/);
    assert.ok(leaf.san.includes('DNS:localhost'));
    assert.equal(new X509Certificate(leaf.pem).fingerprint256, leaf.sha256);
    assert.ok(
      new X509Certificate(leaf.pem).verify(new X509Certificate(suite().origin.caPem).publicKey),
    );
    assert.ok(Date.parse(leaf.notBefore) < Date.now() && Date.parse(leaf.notAfter) > Date.now());
    assert.equal(leaf.notAfter, new Date(leaf.notAfter).toISOString());
    assert.equal(c.flow.server.ip, '127.0.0.1');
    assert.equal(c.flow.server.port, suite().origin.httpsPort);
  });

  it("records the client's side of TLS: version, ALPN, SNI, JA3 and JA4", async () => {
    const url = `${suite().origin.httpsUrl}/binary?side=client`;
    await httpsViaProxy(suite().sensor.port, url, suite().sensor.caPem);
    const c = await suite().sink.waitFor(byUrl(url));
    assert.equal(c.flow.server.sni, 'localhost');
    assert.equal(c.flow.server.host, 'localhost');
    assert.match(c.flow.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.equal(c.flow.tls?.alpn, 'http/1.1');
    assert.match(c.flow.tls?.ja3 ?? '', /^[0-9a-f]{32}$/);
    assert.match(c.flow.tls?.ja4 ?? '', /^t1[23]d/);
  });

  it('records HTTP/2 from the client, pseudo-headers included', async () => {
    const socket = await connectTunnel(
      suite().sensor.port,
      `localhost:${suite().origin.httpsPort}`,
    );
    const tls = tlsConnect({
      socket,
      servername: 'localhost',
      ca: suite().sensor.caPem,
      ALPNProtocols: ['h2'],
    });
    await once(tls, 'secureConnect');
    const session = http2.connect(`https://localhost:${suite().origin.httpsPort}`, {
      createConnection: () => tls,
    });
    const stream = session.request({ ':path': '/binary?h2=1', 'x-probe': 'h2' });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(stream, 'end');
    session.close();
    assert.deepEqual(Buffer.concat(chunks), BINARY);
    const c = await suite().sink.waitFor(byUrl(`${suite().origin.httpsUrl}/binary?h2=1`));
    assert.equal(c.flow.request.httpVersion, '2.0');
    assert.equal(c.flow.tls?.alpn, 'h2');
    assert.ok(c.flow.request.headers.some(([k, v]) => k === ':path' && v === '/binary?h2=1'));
    assert.ok(c.flow.request.headers.some(([k, v]) => k === 'x-probe' && v === 'h2'));
    assert.deepEqual(bytesOf(c, c.flow.response?.body), BINARY);
    assert.ok(
      c.flow.tls?.upstream?.certificates[0],
      'the origin speaks HTTP/1.1: upstream still observed',
    );
  });

  it('records each request on a kept-alive tunnel, certificate included (curl)', async () => {
    const first = `${suite().origin.httpsUrl}/binary?curl=1`;
    const second = `${suite().origin.httpsUrl}/dups?curl=2`;
    const result = await curl([
      '-x',
      `http://127.0.0.1:${suite().sensor.port}`,
      '--cacert',
      suite().sensor.caPath,
      '-o',
      '/dev/null',
      first,
      '-o',
      '/dev/null',
      second,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const a = await suite().sink.waitFor(byUrl(first));
    const b = await suite().sink.waitFor(byUrl(second));
    assert.equal(a.flow.client.port, b.flow.client.port, 'one connection');
    assert.equal(b.flow.response?.status, 299);
    assert.equal(
      a.flow.tls?.upstream?.certificates[0]?.sha256,
      b.flow.tls?.upstream?.certificates[0]?.sha256,
    );
    assert.ok(b.flow.tls?.upstream?.certificates[0]);
  });
});

describe('the interception CA', { timeout: 60_000 }, () => {
  it('is created once and survives a restart (same fingerprint)', async (t) => {
    const cleanup = createCleanupList();
    t.after(() => cleanup.run());
    const first = await startTestSensor(cleanup.add);
    const { caSha256, caPem, caPath } = first.sensor;
    assert.equal(caPath, join(first.caDir, 'ca.pem'));
    assert.equal(new X509Certificate(caPem).fingerprint256, caSha256);
    await first.sensor.close();
    const second = await startTestSensor(cleanup.add, { caDir: first.caDir });
    assert.equal(second.sensor.caSha256, caSha256);
    assert.equal(second.sensor.caPem, caPem);
    // and a client that trusts the saved PEM can use the restarted sensor
    const pemFile = join(first.caDir, 'trusted.pem');
    await writeFile(pemFile, caPem);
    const origin = await startCaptureOrigin();
    cleanup.add(() => origin.close());
    const result = await curl([
      '-x',
      `http://127.0.0.1:${second.sensor.port}`,
      '--cacert',
      pemFile,
      `${origin.httpsUrl}/binary`,
    ]);
    assert.equal(result.code, 0, result.stderr);
  });
});
