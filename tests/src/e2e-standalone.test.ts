/**
 * End to end, standalone (`npm start`): one process in a fresh directory keeps everything in
 * ./data (embedded Postgres, CA, users). Its banner tells where the proxy and GUI are and, the very
 * first time only, the generated admin password; flows, CA and users survive a restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowRecord } from '@honeyproxy/protocol';
import {
  BINARY,
  GZIPPED,
  GZIP_TEXT,
  createCleanupList,
  httpsViaProxy,
  viaProxy,
  type Origin,
} from '@honeyproxy/testkit';
import { createApiClient, type ApiClient } from './testing/api-client.js';
import {
  startStandaloneProcess,
  startStandaloneStack,
  tempDir,
  waitHealthy,
  type StandaloneStack,
} from './testing/service-stacks.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('standalone process: capture, restart, users', { timeout: 150_000 }, () => {
  const cleanup = createCleanupList();
  let dir: string;
  let origin: Origin;
  let first: StandaloneStack;
  let password: string;
  let api: ApiClient;
  let caPem: string;
  const captured: FlowRecord[] = [];

  before(async () => {
    first = await startStandaloneStack(cleanup, 'hp-e2e-standalone-');
    ({ dir, origin } = first);
  });
  after(() => cleanup.run());

  it('prints the proxy, the GUI and a generated admin password, once, at the first start', async () => {
    const { banner } = first;
    assert.equal(banner.login?.user, 'admin');
    password = banner.login?.password ?? '';
    assert.ok(password.length >= 12, `a strong generated password: ${password}`);
    assert.equal(
      occurrences(first.proc.output(), password),
      1,
      'the password is printed exactly once, never logged',
    );
    assert.equal(
      banner.caPath,
      join(dir, 'data', 'ca', 'ca.pem'),
      './data in the working directory',
    );
    caPem = await readFile(banner.caPath, 'utf8');
    assert.equal(banner.caSha256, new X509Certificate(caPem).fingerprint256);
    assert.ok(
      !(await readFile(join(dir, 'data', 'users.json'), 'utf8')).includes(password),
      'only a hash is kept',
    );

    api = createApiClient(`http://127.0.0.1:${banner.httpPort}`, 'admin', password);
    await waitHealthy(api);
    assert.deepEqual(await api.json('/api/me'), { user: 'admin', role: 'admin' });
    assert.equal((await api.get('/api/ca.pem')).body.toString('utf8'), caPem);
  });

  it('captures HTTP and HTTPS through its proxy with byte-exact bodies', async () => {
    const { proxyPort } = first.banner;
    const httpUrl = `${origin.httpUrl}/binary?standalone=1`;
    const httpsUrl = `${origin.httpsUrl}/gzip?standalone=1`;
    assert.ok((await viaProxy(proxyPort, httpUrl)).body.equals(BINARY));
    assert.ok((await httpsViaProxy(proxyPort, httpsUrl, caPem)).body.equals(GZIPPED));

    const h = await api.waitForFlow((f) => f.url === httpUrl, httpUrl);
    assert.equal(h.sensorId, 'standalone');
    assert.equal(h.response?.status, 200);
    assert.equal(h.response?.body?.sha256, sha256(BINARY));
    assert.ok((await api.body(h.flowId, 'response')).equals(BINARY));

    const s = await api.waitForFlow((f) => f.url === httpsUrl, httpsUrl);
    assert.equal(s.tls?.upstream?.authorized, true, s.tls?.upstream?.authorizationError);
    assert.ok((await api.body(s.flowId, 'response')).equals(GZIPPED), 'raw gzip');
    assert.equal((await api.body(s.flowId, 'response', true)).toString('utf8'), GZIP_TEXT);
    captured.push(h, s);
  });

  it('exits 0 promptly on SIGTERM; restarted in the same directory it keeps flows, CA and users and prints no new password', async () => {
    assert.equal(captured.length, 2, 'flows from the previous test');
    const stopping = Date.now();
    const exit = await first.proc.stop();
    const took = Date.now() - stopping;
    assert.deepEqual(exit, { code: 0, signal: null }, first.proc.describe());
    assert.ok(took < 8000, `stopped in ${took} ms`);

    const second = await startStandaloneProcess(cleanup, {
      cwd: dir,
      trustedCaFile: first.trustedCaFile,
      name: 'standalone (restart)',
    });
    assert.equal(second.banner.login, undefined, 'no login line on a restart');
    assert.doesNotMatch(second.proc.output(), /Login:|initialPassword/);
    assert.equal(occurrences(second.proc.output(), password), 0);
    assert.equal(second.banner.caSha256, first.banner.caSha256, 'same CA');
    assert.equal(await readFile(second.banner.caPath, 'utf8'), caPem);

    const again = createApiClient(`http://127.0.0.1:${second.banner.httpPort}`, 'admin', password);
    await waitHealthy(again);
    assert.deepEqual(
      await again.json('/api/me'),
      { user: 'admin', role: 'admin' },
      'the first password still works',
    );
    assert.equal(
      (await again.get('/api/me', { user: 'admin', password: `${password}x` })).status,
      401,
    );
    for (const flow of captured)
      assert.deepEqual(await again.flow(flow.flowId), flow, 'the flow survived the restart');
    assert.ok((await again.body(captured[0]?.flowId ?? '', 'response')).equals(BINARY));
    assert.ok((await again.body(captured[1]?.flowId ?? '', 'response')).equals(GZIPPED));
    const page = await again.flows('?limit=10');
    assert.deepEqual(page.flows.map((f) => f.id).sort(), captured.map((f) => f.flowId).sort());
  });

  it('creates the admin named in HONEYPROXY_BOOTSTRAP_USER on a fresh directory', async () => {
    const fresh = await tempDir(cleanup, 'hp-e2e-standalone-alice-');
    const secret = 'alice-chose-this-password';
    const alice = await startStandaloneProcess(cleanup, {
      cwd: fresh,
      env: { HONEYPROXY_BOOTSTRAP_USER: `alice:${secret}` },
      name: 'standalone (alice)',
    });
    assert.deepEqual(alice.banner.login, { user: 'alice' }, 'named, no generated password');
    assert.equal(
      occurrences(alice.proc.output(), secret),
      0,
      'the given password is never printed',
    );
    const asAlice = createApiClient(`http://127.0.0.1:${alice.banner.httpPort}`, 'alice', secret);
    await waitHealthy(asAlice);
    assert.deepEqual(await asAlice.json('/api/me'), { user: 'alice', role: 'admin' });
    assert.equal(
      (await asAlice.get('/api/me', { user: 'admin', password: secret })).status,
      401,
      'no other admin',
    );
    assert.deepEqual((await asAlice.flows()).flows, [], 'a fresh capture');
    assert.deepEqual(await alice.proc.stop(), { code: 0, signal: null });
  });
});
