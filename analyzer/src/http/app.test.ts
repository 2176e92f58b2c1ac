/** The HTTP API: authentication on every route, reading flows, the CA, the GUI and its headers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { flowPageCodec, flowRecordCodec, summarizeFlow } from '@honeyproxy/protocol';
import { ADMIN, apiError, basic, httpFixtureSuite, VIEWER } from '../testing/http-fixture.js';
import { routeTable } from '../testing/route-table.js';
import { sampleFlow } from '@honeyproxy/testkit';
import { STATE_CHANGE_HEADER } from './auth.js';

describe('analyzer HTTP API', { timeout: 60_000 }, () => {
  const flows = Array.from({ length: 5 }, (_, i) =>
    sampleFlow({ start: 1_700_000_000_000 + i * 1000, responseBody: Buffer.from(`<p>${i}</p>`) }),
  );
  const fx = httpFixtureSuite(async ({ store }) => {
    await store.insertBatch(
      flows.map((s) => ({ sensorId: 'gw-1', flow: s.flow, bodies: s.refBodies })),
    );
  });

  it('answers 401 on every route but /healthz without credentials or with a wrong password', async () => {
    const routes = routeTable(fx().app, { id: flows[0]!.flow.flowId, side: 'response' });
    assert.ok(routes.length >= 16, 'route table read');
    let n = 0;
    for (const { method, url } of routes) {
      const remoteAddress = `10.9.${Math.floor(n / 200)}.${n++ % 200}`; // one address each: no rate limit here
      if (url === '/healthz') {
        assert.equal(
          (await fx().app.inject({ method: method as 'GET', url, remoteAddress })).statusCode,
          200,
        );
        continue;
      }
      const anonymous = await fx().app.inject({ method: method as 'GET', url, remoteAddress });
      assert.equal(anonymous.statusCode, 401, `${method} ${url} without credentials`);
      assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="HoneyProxy"/);
      const wrong = await fx().app.inject({
        method: method as 'GET',
        url,
        remoteAddress,
        headers: { authorization: basic({ ...VIEWER, password: 'nope-nope' }) },
      });
      assert.equal(wrong.statusCode, 401, `${method} ${url} with a wrong password`);
      const unknownPath = await fx().app.inject({
        method: 'GET',
        url: '/api/does-not-exist',
        remoteAddress,
      });
      assert.equal(unknownPath.statusCode, 401, 'unknown paths do not reveal themselves');
    }
    const identity = await fx().app.inject({
      url: '/api/me',
      headers: { 'x-forwarded-user': 'alice', 'x-remote-user': 'alice' },
      remoteAddress: '10.8.0.1',
    });
    assert.equal(identity.statusCode, 401, 'identity headers are not credentials');
  });

  it('refuses further attempts from an address after repeated failures, before hashing', async () => {
    const remoteAddress = '10.7.0.1';
    for (let i = 0; i < 10; i++) {
      const r = await fx().app.inject({
        url: '/api/me',
        remoteAddress,
        headers: { authorization: basic({ ...VIEWER, password: `guess-${i}` }) },
      });
      assert.equal(r.statusCode, 401);
    }
    const blocked = await fx().app.inject({
      url: '/api/me',
      remoteAddress,
      headers: { authorization: basic(VIEWER) },
    });
    assert.equal(blocked.statusCode, 429);
    assert.equal(apiError(blocked).error, 'too_many_requests');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    const other = await fx().app.inject({
      url: '/api/me',
      remoteAddress: '10.7.0.2',
      headers: { authorization: basic(VIEWER) },
    });
    assert.equal(other.statusCode, 200);
  });

  it('lets a viewer read who they are, flows newest first, and one flow', async () => {
    const auth = { authorization: basic(VIEWER) };
    assert.deepEqual((await fx().app.inject({ url: '/api/me', headers: auth })).json(), {
      user: 'victor',
      role: 'viewer',
    });
    const first = await fx().app.inject({ url: '/api/flows?limit=3', headers: auth });
    assert.equal(first.statusCode, 200);
    const page = flowPageCodec.decode(first.json());
    // The analyzer adds what only the bytes tell: the sniffed type of the response body.
    const newest = [...flows]
      .reverse()
      .map((s) => ({ ...summarizeFlow(s.flow), sniffedType: 'text/html' }));
    assert.deepEqual(page.flows, newest.slice(0, 3));
    const all = flowPageCodec.decode(
      (await fx().app.inject({ url: '/api/flows', headers: auth })).json(),
    );
    assert.equal(all.flows.length, flows.length, 'default page size');
    const second = flowPageCodec.decode(
      (
        await fx().app.inject({ url: `/api/flows?limit=3&cursor=${page.next}`, headers: auth })
      ).json(),
    );
    assert.deepEqual(second.flows, newest.slice(3));
    assert.equal(second.next, null);

    const detail = await fx().app.inject({
      url: `/api/flows/${flows[2]!.flow.flowId}`,
      headers: auth,
    });
    assert.equal(detail.statusCode, 200);
    const record = flowRecordCodec.decode(detail.json());
    assert.deepEqual(record.request, flows[2]!.flow.request);
    assert.equal(record.response?.body?.len, '<p>2</p>'.length);
    assert.ok(!('inline' in (record.response?.body ?? {})), 'bytes are not in the record');
  });

  it('answers JSON errors for bad ids, unknown flows, bad cursors and limits', async () => {
    const auth = { authorization: basic(VIEWER) };
    const missing = await fx().app.inject({
      url: '/api/flows/01936b2e-7c4a-7000-8000-000000000099',
      headers: auth,
    });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { error: 'not_found', message: 'no flow with this id' });
    for (const url of [
      '/api/flows/not-a-uuid',
      '/api/flows?cursor=zzz',
      '/api/flows?limit=1001',
      '/api/flows?limit=0',
      '/api/flows/x/middle/body',
    ]) {
      const r = await fx().app.inject({ url, headers: auth });
      assert.equal(r.statusCode, 400, url);
      assert.equal(apiError(r).error, 'bad_request', url);
    }
    const api404 = await fx().app.inject({
      url: '/api/nothing-here',
      headers: { ...auth, accept: 'text/html' },
    });
    assert.equal(api404.statusCode, 404);
    assert.equal(apiError(api404).error, 'not_found');
  });

  it('serves the CA of the newest sensor heartbeat, or explains that none is known', async () => {
    const auth = { authorization: basic(VIEWER) };
    const none = await fx().app.inject({ url: '/api/ca.pem', headers: auth });
    assert.equal(none.statusCode, 404);
    assert.match(apiError(none).message, /heartbeat/);
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await fx().sensors.recordHeartbeat({
      v: 1,
      sensorId: 'gw-1',
      version: '1',
      mode: 'both',
      startedAt: 1,
      sentAt: 2,
      caPem,
      caSha256: Array(32).fill('0A').join(':'),
      counters: { captured: 0, published: 0, errors: 0 },
      backlog: 0,
      alarms: [],
    });
    const found = await fx().app.inject({ url: '/api/ca.pem', headers: auth });
    assert.equal(found.statusCode, 200);
    assert.equal(found.body, caPem);
    assert.match(String(found.headers['content-type']), /^application\/x-pem-file/);
    const fixed = await fx().build({ caPem: 'STANDALONE CA' });
    assert.equal((await fixed.inject({ url: '/api/ca.pem', headers: auth })).body, 'STANDALONE CA');
  });

  it('serves the GUI with a strict CSP, deep links included', async () => {
    const auth = { authorization: basic(ADMIN), accept: 'text/html' };
    for (const url of ['/', '/flows/some-deep-link']) {
      const page = await fx().app.inject({ url, headers: auth });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.body, /<title>HoneyProxy<\/title>/);
      const csp = String(page.headers['content-security-policy']);
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "require-trusted-types-for 'script'",
        'trusted-types lit-html hp-worker',
      ]) {
        assert.ok(csp.includes(directive), directive);
      }
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
    }
    const asset = await fx().app.inject({ url: '/assets/app.js', headers: auth });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
  });

  it('says plainly when the GUI is not built', async () => {
    await rm(fx().webRoot, { recursive: true, force: true });
    const app = await fx().build();
    const r = await app.inject({ url: '/', headers: { authorization: basic(VIEWER) } });
    assert.equal(r.statusCode, 503);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.match(r.body, /not built/);
  });

  it('requires JSON, the custom header and a same-origin Origin for state-changing requests', async () => {
    const auth = { authorization: basic(ADMIN), host: 'analyzer.test' };
    const post = (headers: Record<string, string>) =>
      fx().app.inject({
        method: 'POST',
        url: '/api/anything',
        headers: { ...auth, ...headers },
        payload: '{}',
      });
    assert.equal((await post({ 'content-type': 'text/plain' })).statusCode, 403);
    assert.equal((await post({ 'content-type': 'application/json' })).statusCode, 403);
    assert.equal(
      (
        await post({
          'content-type': 'application/json',
          [STATE_CHANGE_HEADER]: '1',
          origin: 'https://evil.example',
        })
      ).statusCode,
      403,
    );
    assert.equal(
      (
        await post({
          'content-type': 'application/json',
          [STATE_CHANGE_HEADER]: '1',
          origin: 'http://analyzer.test',
        })
      ).statusCode,
      404,
    );
  });

  it('answers a failure with a generic 500 that leaks nothing', async () => {
    const broken = await fx().build({
      store: {
        ...fx().store,
        get: () => Promise.reject(new Error('connection to 10.1.2.3 failed: secret')),
      },
    });
    const r = await broken.inject({
      url: `/api/flows/${flows[0]!.flow.flowId}`,
      headers: { authorization: basic(VIEWER) },
    });
    assert.equal(r.statusCode, 500);
    assert.deepEqual(r.json(), { error: 'internal', message: 'internal server error' });
  });

  it('reports database reachability on /healthz', async () => {
    const r = await fx().app.inject({ url: '/healthz' });
    assert.deepEqual(r.json(), { status: 'ok', database: 'up' });
    const down = await fx().build({ store: { ...fx().store, ping: () => Promise.resolve(false) } });
    const d = await down.inject({ url: '/healthz' });
    assert.equal(d.statusCode, 503);
    assert.deepEqual(d.json(), { status: 'degraded', database: 'down' });
  });
});
