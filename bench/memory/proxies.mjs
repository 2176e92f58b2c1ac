/**
 * The proxies the memory bench compares, each started fresh per phase (so each phase measures
 * growth from its own idle state): the sensor bin (this build, or NAME=path/to/main.js for
 * another build) publishing to a private nats-server, or the shared harness's bare mockttp.
 */
import { once } from 'node:events';
import { cpSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { drain, proxyGet } from './load.mjs';
import { freePort, listening, rss, sleep, start, stop, waitFor } from './processes.mjs';
import { sensorFlows, startNats } from './sensor-flows.mjs';

/** 'sensor' is the repository's build; NAME=path/main.js another build of it (before/after). */
function sensorMainOf(root, target) {
  if (target === 'sensor') return join(root, 'sensor/dist/main.js');
  const eq = target.indexOf('=');
  return eq > 0 ? resolve(target.slice(eq + 1)) : undefined;
}

/**
 * `maxBody`: the sensor's --max-body ('' = its default); `nodeArgs`: extra node flags for the
 * sensor's process (e.g. --max-semi-space-size=4), to measure V8 settings.
 */
export function createProxies({ root, work, out, originPort, maxBody, nodeArgs = [] }) {
  let natsRun;

  async function startProxy(target, phase) {
    const port = await freePort();
    let proxy;
    let sensorId;
    const sensorMain = sensorMainOf(root, target);
    if (sensorMain) {
      natsRun ??= await startNats(root, join(work, 'nats'));
      sensorId = `membench-${phase}-${Date.now()}`;
      const env = {
        HONEYPROXY_PROXY_PORT: String(port),
        HONEYPROXY_DATA_DIR: join(work, 'sensor-data'),
        HONEYPROXY_NATS_URL: natsRun.url,
        HONEYPROXY_SENSOR_ID: sensorId,
        HONEYPROXY_LOG_LEVEL: 'warn',
        ...(maxBody && { HONEYPROXY_MAX_BODY: maxBody }),
      };
      // loopback origins: allowed explicitly where the sensor contains its destinations
      const help = start('node', [sensorMain, '--help']);
      await once(help, 'exit');
      if (help.output().includes('HONEYPROXY_ALLOW_DESTINATIONS'))
        env.HONEYPROXY_ALLOW_DESTINATIONS = '127.0.0.0/8';
      const logFile = join(out, `${target.split('=')[0]}-${phase}.log`);
      proxy = start('node', [...nodeArgs, sensorMain], env, logFile);
    } else if (target === 'mockttp') {
      // from a folder where 'mockttp' resolves to the repository's pinned 4.6.5
      const script = join(root, 'node_modules/.cache/honeyproxy-bench/mockttp-passthrough.mjs');
      mkdirSync(dirname(script), { recursive: true });
      cpSync(join(root, '../shared/bench/mockttp-passthrough.mjs'), script);
      proxy = start('node', [script, String(port)], {}, join(out, `mockttp-${phase}.log`));
    } else {
      throw new Error(`unknown target ${target} (sensor, NAME=path/to/sensor/main.js, mockttp)`);
    }
    await waitFor(`${target} on port ${port}`, () => listening(port));
    // warm up (JIT, first upstream connection), then settle
    const agent = new http.Agent({ keepAlive: false });
    for (let i = 0; i < 20; i++) {
      await drain(await proxyGet(agent, port, `http://127.0.0.1:${originPort}/small`));
    }
    await sleep(1500);
    return { proxy, port, sensorId, idle: rss(proxy.pid) };
  }

  /** Stops a proxy; for the sensor, reads back what it published. */
  async function stopProxy(p) {
    await stop(p.proxy);
    return p.sensorId ? sensorFlows(natsRun.url, p.sensorId) : undefined;
  }

  return { startProxy, stopProxy };
}
