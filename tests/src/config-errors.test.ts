/**
 * How the bins start when something is wrong. A bad variable stops the start at once with a message
 * naming it; a missing service does not: the analyzer waits for PostgreSQL and says so, and the
 * sensor keeps capturing while it tells that NATS is unreachable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  TEXT,
  createCleanupList,
  freePort,
  startCaptureOrigin,
  viaProxy,
  type Origin,
} from '@honeyproxy/testkit';
import { startService, type BinName } from './testing/service-process.js';
import { tempDir } from './testing/service-stacks.js';

const BAD_SETTINGS: { bin: BinName; variable: string; value: string }[] = [
  { bin: 'sensor', variable: 'HONEYPROXY_PROXY_PORT', value: '99999' },
  { bin: 'sensor', variable: 'HONEYPROXY_NATS_URL', value: 'http://127.0.0.1:4222' },
  { bin: 'sensor', variable: 'HONEYPROXY_ALLOW_DESTINATIONS', value: '10.0.0.0/33' },
  { bin: 'standalone', variable: 'HONEYPROXY_ALLOW_CLIENTS', value: 'lan' },
  { bin: 'analyzer', variable: 'HONEYPROXY_DATABASE_URL', value: 'not-a-url' },
  { bin: 'standalone', variable: 'HONEYPROXY_HTTP_PORT', value: 'abc' },
  { bin: 'standalone', variable: 'HONEYPROXY_BOOTSTRAP_USER', value: 'no-colon-here' },
];

describe('bins with bad settings or missing services', { timeout: 90_000 }, () => {
  const cleanup = createCleanupList();
  let dir: string;
  let origin: Origin;
  before(async () => {
    dir = await tempDir(cleanup, 'hp-e2e-config-');
    origin = await startCaptureOrigin();
    cleanup.add(() => origin.close());
  });
  after(() => cleanup.run());

  it('stops at once with a non-zero status and a message naming the bad variable', async () => {
    // all at once: each is a few hundred ms of Node start-up
    await Promise.all(
      BAD_SETTINGS.map(async ({ bin, variable, value }, i) => {
        const cwd = join(dir, `bad-${i}`);
        const proc = startService(bin, {
          name: `${bin} ${variable}`,
          cwd: dir,
          env: { [variable]: value, HONEYPROXY_DATA_DIR: cwd },
        });
        cleanup.add(() => proc.stop());
        const exit = await proc.waitForExit(20_000);
        assert.equal(exit.code, 2, `${bin} with ${variable}=${value}: ${proc.describe()}`);
        assert.match(
          proc.stderr(),
          new RegExp(`${variable}="${value}"`),
          `${bin} names ${variable}`,
        );
        assert.match(proc.stderr(), /invalid configuration/);
      }),
    );
  });

  it('waits for an unreachable PostgreSQL, saying so, instead of crashing; SIGTERM still stops it cleanly', async () => {
    const closed = await freePort();
    const analyzer = startService('analyzer', {
      env: {
        HONEYPROXY_DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/honeyproxy`,
        HONEYPROXY_HTTP_PORT: String(await freePort()),
        HONEYPROXY_HTTP_HOST: '127.0.0.1',
        HONEYPROXY_DATA_DIR: join(dir, 'analyzer'),
        HONEYPROXY_NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      },
    });
    cleanup.add(() => analyzer.stop());
    const retrying = (attempt: number) => (l: Record<string, unknown>) =>
      l['msg'] === 'service not reachable yet; retrying' &&
      l['service'] === 'PostgreSQL' &&
      l['attempt'] === attempt;
    const first = await analyzer.waitForLog(retrying(1), 'PostgreSQL retry 1', 15_000);
    assert.match(String(first['error']), /ECONNREFUSED/);
    await analyzer.waitForLog(retrying(2), 'PostgreSQL retry 2', 10_000);
    assert.equal(analyzer.exit(), null, 'still running');
    assert.deepEqual(await analyzer.stop(), { code: 0, signal: null }, analyzer.describe());
  });

  it('keeps capturing while NATS is unreachable and says so', async () => {
    const proxyPort = await freePort();
    const sensor = startService('sensor', {
      env: {
        HONEYPROXY_PROXY_PORT: String(proxyPort),
        HONEYPROXY_DATA_DIR: join(dir, 'sensor'),
        HONEYPROXY_NATS_URL: `nats://127.0.0.1:${await freePort()}`,
        HONEYPROXY_SENSOR_ID: 'lonely-sensor',
      },
    });
    cleanup.add(() => sensor.stop());
    await sensor.waitForLog((l) => l.msg === 'sensor started', 'sensor started', 30_000);
    const warning = await sensor.waitForLog(
      (l) => l.msg === 'NATS unreachable, retrying',
      'NATS unreachable',
      15_000,
    );
    assert.match(JSON.stringify(warning['err']), /ECONNREFUSED|CONNECTION_REFUSED|refused/i);
    const res = await viaProxy(proxyPort, `${origin.httpUrl}/text?nats=down`);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), TEXT, 'the proxy serves while NATS is down');
    assert.equal(sensor.exit(), null, 'still running');
    assert.deepEqual(await sensor.stop(), { code: 0, signal: null }, sensor.describe());
  });
});
