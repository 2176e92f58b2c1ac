/**
 * Containment in explicit-proxy mode: a refused destination gets a 403 from the sensor and a
 * blocked flow, and nothing reaches it; names are resolved once and the checked address is the one
 * connected to; CONNECT to a refused destination never opens a tunnel; clients outside
 * --allow-clients are turned away.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import {
  connectTunnel,
  createCleanupList,
  startOrigin,
  suiteResource,
  viaProxy,
  type Origin,
} from '@honeyproxy/testkit';
import { parseCidrList } from './containment.js';
import { createHostResolver } from './host-resolver.js';
import type { Sensor } from './sensor.js';
import type { CollectingSink } from './testing/collecting-sink.js';
import { startTestSensor } from './testing/in-process-sensor.js';

const NAMES: Record<string, string[]> = {
  'origin.test': ['127.0.0.1'],
  'private.test': ['10.0.0.7'],
  // a private answer first: the sensor takes the first permitted address
  'mixed.test': ['10.0.0.7', '127.0.0.1'],
};
const lookups: string[] = [];
const resolver = () =>
  createHostResolver({
    lookup: (name) => {
      lookups.push(name);
      const found = NAMES[name];
      if (found) return Promise.resolve(found);
      return Promise.reject(Object.assign(new Error(`no ${name}`), { code: 'ENOTFOUND' }));
    },
  });

interface Suite {
  origin: Origin;
  hits: string[];
  sensor: Sensor;
  sink: CollectingSink;
}

describe('containment of an explicit proxy', { timeout: 60_000 }, () => {
  const suite = suiteResource<Suite>(async (cleanup) => {
    const hits: string[] = [];
    const origin = await startOrigin((req, res) => {
      hits.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
      res.end('origin');
    });
    cleanup.add(() => origin.close());
    const started = await startTestSensor(cleanup.add, {
      allowDestinations: parseCidrList('127.0.0.1/32'),
      resolver: resolver(),
    });
    return { origin, hits, ...started };
  });

  it('answers a request for a refused address with 403 and records it as blocked, connecting nowhere', async () => {
    const { origin, sensor, sink, hits } = suite();
    const url = `http://127.0.0.2:${origin.httpPort}/not-this-loopback`;
    const before = hits.length;
    const res = await viaProxy(sensor.port, url);
    assert.equal(res.status, 403);
    assert.match(res.body.toString(), /127\.0\.0\.2:\d+ is a loopback address/);
    assert.equal(hits.length, before, 'the origin saw nothing');
    const c = await sink.waitFor((f) => f.flow.request.url === url);
    assert.equal(c.flow.error?.kind, 'blocked');
    assert.equal(c.flow.error?.code, 'loopback');
    assert.equal(c.flow.server.ip, '127.0.0.2');
    assert.equal(c.flow.server.port, origin.httpPort);
    assert.equal(c.flow.response?.status, 403);
    assert.equal(c.flow.mode, 'explicit');
    assert.ok(sensor.stats().blocked >= 1);
  });

  it('resolves a name once, checks the address and connects to it, keeping the Host header', async () => {
    const { origin, sensor, sink, hits } = suite();
    const url = `http://origin.test:${origin.httpPort}/by-name`;
    const res = await viaProxy(sensor.port, url);
    assert.equal(res.status, 200);
    assert.equal(hits.at(-1), `origin.test:${origin.httpPort} /by-name`);
    const c = await sink.waitFor((f) => f.flow.request.url === url);
    assert.equal(c.flow.server.ip, '127.0.0.1');
    assert.equal(c.flow.server.host, 'origin.test');
    assert.equal(c.flow.server.hostMismatch, false);
    await viaProxy(sensor.port, url);
    assert.equal(lookups.filter((n) => n === 'origin.test').length, 1, 'the answer is cached');
  });

  it('takes the first permitted address of a name, and refuses a name with none', async () => {
    const { origin, sensor, sink } = suite();
    const mixed = `http://mixed.test:${origin.httpPort}/mixed`;
    assert.equal((await viaProxy(sensor.port, mixed)).status, 200);
    assert.equal(
      (await sink.waitFor((f) => f.flow.request.url === mixed)).flow.server.ip,
      '127.0.0.1',
    );

    const url = `http://private.test:${origin.httpPort}/private`;
    const res = await viaProxy(sensor.port, url);
    assert.equal(res.status, 403);
    const c = await sink.waitFor((f) => f.flow.request.url === url);
    assert.equal(c.flow.error?.code, 'private');
    assert.equal(c.flow.server.ip, '10.0.0.7');
    assert.equal(c.flow.server.host, 'private.test');
  });

  it('refuses the sensor’s own port even where loopback is open', async () => {
    const { sensor, sink } = suite();
    const url = `http://127.0.0.1:${sensor.port}/loop`;
    const res = await viaProxy(sensor.port, url);
    assert.equal(res.status, 403);
    const c = await sink.waitFor((f) => f.flow.request.url === url);
    assert.equal(c.flow.error?.code, 'sensor-itself');
  });

  it('refuses CONNECT to a refused destination before any tunnel, and records it', async () => {
    const { sensor, sink } = suite();
    await assert.rejects(connectTunnel(sensor.port, '169.254.169.254:443'), /CONNECT answered 403/);
    const c = await sink.waitFor(
      (f) => f.flow.request.method === 'CONNECT' && f.flow.request.url === '169.254.169.254:443',
    );
    assert.equal(c.flow.error?.kind, 'blocked');
    assert.equal(c.flow.error?.code, 'metadata');
    assert.equal(c.flow.server.ip, '169.254.169.254');
    assert.equal(c.flow.server.port, 443);

    await assert.rejects(connectTunnel(sensor.port, 'private.test:443'), /CONNECT answered 403/);
    const named = await sink.waitFor((f) => f.flow.request.url === 'private.test:443');
    assert.equal(named.flow.server.host, 'private.test');
    assert.equal(named.flow.server.ip, '10.0.0.7');
  });

  it('refuses a WebSocket upgrade to a refused destination with 403 and a blocked flow', async () => {
    const { sensor, sink } = suite();
    const url = 'http://10.0.0.8/socket';
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: sensor.port,
        path: url,
        agent: false,
        headers: {
          Host: '10.0.0.8',
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end();
    });
    assert.equal(status, 403);
    const c = await sink.waitFor(
      (f) => f.flow.error?.kind === 'blocked' && f.flow.server.ip === '10.0.0.8',
    );
    assert.equal(c.flow.error?.code, 'private');
    assert.equal(c.flow.request.method, 'GET');
    assert.ok(
      c.flow.request.headers.some(([k, v]) => k.toLowerCase() === 'upgrade' && v === 'websocket'),
    );
  });

  it('records a name that does not resolve as an unreachable upstream', async () => {
    const { sensor, sink } = suite();
    const url = 'http://nowhere.invalid/x';
    await assert.rejects(viaProxy(sensor.port, url));
    const c = await sink.waitFor((f) => f.flow.request.url === url);
    assert.equal(c.flow.error?.kind, 'upstream-unreachable');
    assert.equal(c.flow.error?.code, 'ENOTFOUND');
  });
});

describe('who may use the sensor', { timeout: 60_000 }, () => {
  it('closes connections from clients outside --allow-clients, counting them, recording no flow', async () => {
    const cleanup = createCleanupList();
    try {
      const { sensor, sink } = await startTestSensor(cleanup.add, {
        allowClients: parseCidrList('192.0.2.0/24'),
      });
      await assert.rejects(viaProxy(sensor.port, 'http://127.0.0.1:9/x'));
      assert.equal(sensor.stats().refusedClients, 1);
      assert.equal(sink.flows.length, 0);
    } finally {
      await cleanup.run();
    }
  });

  it('in --mode transparent closes connections that were not redirected', async () => {
    const cleanup = createCleanupList();
    try {
      const { sensor } = await startTestSensor(cleanup.add, {
        mode: 'transparent',
        originalDestination: () => undefined,
      });
      await assert.rejects(viaProxy(sensor.port, 'http://127.0.0.1:9/x'));
      assert.equal(sensor.stats().refusedExplicit, 1);
    } finally {
      await cleanup.run();
    }
  });
});
