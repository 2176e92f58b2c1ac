/** Capture of plain HTTP through the explicit proxy: exact bytes, headers, status, timings, client. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { BINARY, DUP_HEADERS, GZIPPED, curl, viaProxy } from '@honeyproxy/testkit';
import { captureSuite } from './testing/capture-suite.js';
import { byUrl, bytesOf, sha256Hex as sha256 } from './testing/flow-bytes.js';

describe('capturing plain HTTP', { timeout: 60_000 }, () => {
  const suite = captureSuite();

  it('records a binary response byte for byte with its sha256', async () => {
    const url = `${suite().origin.httpUrl}/binary`;
    const res = await viaProxy(suite().sensor.port, url);
    assert.deepEqual(res.body, BINARY);
    const c = await suite().sink.waitFor(byUrl(url));
    const body = c.flow.response?.body;
    assert.deepEqual(bytesOf(c, body), BINARY);
    assert.equal(body?.len, BINARY.length);
    assert.equal(body?.capturedLen, BINARY.length);
    assert.equal(body?.truncated, false);
    assert.equal(body?.sha256, sha256(BINARY));
    assert.equal(c.flow.response?.status, 200);
    assert.equal(c.flow.mode, 'explicit');
    assert.equal(c.flow.sensorId, 'test-sensor');
    assert.match(c.flow.flowId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  });

  it('keeps a gzip body encoded, as it crossed the wire', async () => {
    const url = `${suite().origin.httpUrl}/gzip`;
    await viaProxy(suite().sensor.port, url, {
      headers: ['Host', new URL(url).host, 'Accept-Encoding', 'gzip'],
    });
    const c = await suite().sink.waitFor(byUrl(url));
    assert.deepEqual(bytesOf(c, c.flow.response?.body), GZIPPED);
    assert.ok(c.flow.response?.headers.some(([k, v]) => k === 'Content-Encoding' && v === 'gzip'));
  });

  it('records a chunked response whole, and an empty one as null', async () => {
    const chunked = `${suite().origin.httpUrl}/chunked`;
    const empty = `${suite().origin.httpUrl}/empty`;
    await viaProxy(suite().sensor.port, chunked);
    await viaProxy(suite().sensor.port, empty);
    const c = await suite().sink.waitFor(byUrl(chunked));
    assert.equal(bytesOf(c, c.flow.response?.body).toString(), 'part1,part2');
    assert.ok(
      c.flow.response?.headers.some(
        ([k, v]) => k.toLowerCase() === 'transfer-encoding' && v === 'chunked',
      ),
    );
    const e = await suite().sink.waitFor(byUrl(empty));
    assert.equal(e.flow.response?.status, 204);
    assert.equal(e.flow.response?.body, null);
    assert.equal(e.flow.request.body, null);
  });

  it('keeps duplicate headers in order with their case, and the status reason', async () => {
    const url = `${suite().origin.httpUrl}/dups?x=1`;
    const sent = [
      'Host',
      new URL(url).host,
      'X-Dup',
      '1',
      'x-dup',
      '2',
      'Proxy-Authorization',
      'Basic aG9uZXk6cG90',
      'User-Agent',
      'evil/1.0',
    ];
    const res = await viaProxy(suite().sensor.port, url, { headers: sent });
    assert.equal(res.status, 299);
    const c = await suite().sink.waitFor(byUrl(url));
    // what the client sent, Proxy-Authorization included (mockttp strips it before forwarding)
    assert.deepEqual(c.flow.request.headers.slice(0, 5), [
      ['Host', new URL(url).host],
      ['X-Dup', '1'],
      ['x-dup', '2'],
      ['Proxy-Authorization', 'Basic aG9uZXk6cG90'],
      ['User-Agent', 'evil/1.0'],
    ]);
    assert.equal(c.flow.response?.status, 299);
    assert.equal(c.flow.response?.reason, 'Weird Reason');
    assert.equal(c.flow.response?.httpVersion, '1.1');
    assert.deepEqual(c.flow.response?.headers.slice(0, DUP_HEADERS.length), DUP_HEADERS);
  });

  it('records the request body, the timings in order and the client address', async () => {
    const url = `${suite().origin.httpUrl}/echo`;
    const payload = Buffer.from('login=admin&password=hunter2');
    const before = Date.now();
    const clientPort = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: suite().sensor.port, method: 'POST', path: url, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(req.socket?.localPort ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
    const afterRequest = Date.now();
    const c = await suite().sink.waitFor(byUrl(url));
    assert.deepEqual(bytesOf(c, c.flow.request.body), payload);
    assert.equal(c.flow.request.method, 'POST');
    assert.deepEqual(c.flow.client, { ip: '127.0.0.1', port: clientPort });
    assert.equal(c.flow.server.ip, '127.0.0.1');
    assert.equal(c.flow.server.port, suite().origin.httpPort);
    const { start, requestEnd, responseStart, end } = c.flow.ts;
    assert.ok(requestEnd !== undefined && responseStart !== undefined && end !== undefined);
    assert.ok(
      start <= requestEnd && requestEnd <= responseStart && responseStart <= end,
      JSON.stringify(c.flow.ts),
    );
    assert.ok(start >= before - 5 && end <= afterRequest + 5, 'epoch milliseconds');
  });

  it('records what curl -x sends and receives', async () => {
    const url = `${suite().origin.httpUrl}/binary?via=curl`;
    const result = await curl(['-x', `http://127.0.0.1:${suite().sensor.port}`, url]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout, BINARY);
    const c = await suite().sink.waitFor(byUrl(url));
    assert.ok(c.flow.request.headers.some(([k, v]) => k === 'User-Agent' && v.startsWith('curl/')));
    assert.ok(
      c.flow.request.headers.some(([k, v]) => k === 'Proxy-Connection' && v === 'Keep-Alive'),
    );
    assert.deepEqual(bytesOf(c, c.flow.response?.body), BINARY);
  });
});
