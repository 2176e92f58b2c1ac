/** Behaviour of the sensor's configuration: defaults, flags over variables, and named errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ConfigError, settingsHelp } from '@honeyproxy/common';
import { defaultSensorId, loadSensorConfig, sensorSettings } from './config.js';

describe('sensor configuration', { timeout: 60_000 }, () => {
  it('uses the documented defaults', () => {
    const { config, help } = loadSensorConfig([], {});
    assert.equal(help, false);
    assert.equal(config.proxyPort, 8080);
    assert.equal(config.dataDir, resolve('./data'));
    assert.equal(config.caDir, resolve('./data/ca'));
    assert.deepEqual(config.natsServers, ['nats://127.0.0.1:4222']);
    assert.equal(config.maxBody, 64 * 1024 * 1024);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.write, undefined);
    assert.match(config.sensorId, /^[A-Za-z0-9_-]{1,64}$/);
  });

  it('takes flags over variables and derives the CA dir from the data dir', () => {
    const { config } = loadSensorConfig(
      ['--proxy-port', '3128', '--max-body=512KiB', '--data-dir', '/var/hp'],
      {
        HONEYPROXY_PROXY_PORT: '9999',
        HONEYPROXY_SENSOR_ID: 'gw-7',
        HONEYPROXY_NATS_URL: 'nats://a:4222,tls://b:4222',
        HONEYPROXY_WRITE: 'flows.har',
      },
    );
    assert.equal(config.proxyPort, 3128);
    assert.equal(config.maxBody, 512 * 1024);
    assert.equal(config.caDir, '/var/hp/ca');
    assert.equal(config.sensorId, 'gw-7');
    assert.deepEqual(config.natsServers, ['nats://a:4222', 'tls://b:4222']);
    assert.equal(config.write, resolve('flows.har'));
  });

  it('names every bad value in one error', () => {
    assert.throws(
      () =>
        loadSensorConfig(['--proxy-port', '70000'], {
          HONEYPROXY_MAX_BODY: 'lots',
          HONEYPROXY_SENSOR_ID: 'a.b',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.includes('--proxy-port') && p.includes('70000')) &&
        err.problems.some((p) => p.includes('HONEYPROXY_MAX_BODY') && p.includes('lots')) &&
        err.problems.some((p) => p.includes('HONEYPROXY_SENSOR_ID')),
    );
  });

  it('rejects a zero max-body and a user without a password', () => {
    assert.throws(() => loadSensorConfig(['--max-body', '0'], {}), /--max-body/);
    assert.throws(() => loadSensorConfig(['--nats-user', 'sensor'], {}), /--nats-password/);
    assert.throws(() => loadSensorConfig(['stray'], {}), /unexpected argument/);
  });

  it('reads NATS credentials settings', () => {
    const { config } = loadSensorConfig(['--nats-user', 'u', '--nats-ca', '/etc/ca.pem'], {
      HONEYPROXY_NATS_PASSWORD: 'p',
    });
    assert.deepEqual(config.nats, { user: 'u', password: 'p', tlsCaFile: '/etc/ca.pem' });
  });

  it('reports --help and lists every setting in the help text', () => {
    assert.equal(loadSensorConfig(['--help'], {}).help, true);
    const help = settingsHelp(sensorSettings);
    for (const flag of [
      '--proxy-port',
      '--data-dir',
      '--ca-dir',
      '--nats-url',
      '--sensor-id',
      '--max-body',
      '--write',
      '--log-level',
      '--nats-creds',
      '--mode',
      '--allow-destinations',
      '--deny-destinations',
      '--allow-clients',
    ]) {
      assert.ok(help.includes(flag), flag);
    }
  });

  it('reads the mode and the containment lists, default both and empty', () => {
    const defaults = loadSensorConfig([], {}).config;
    assert.equal(defaults.mode, 'both');
    assert.deepEqual(defaults.allowDestinations, []);
    assert.deepEqual(defaults.denyDestinations, []);
    assert.deepEqual(defaults.allowClients, []);
    const { config } = loadSensorConfig(
      ['--mode', 'transparent', '--deny-destinations', '203.0.113.0/24'],
      {
        HONEYPROXY_ALLOW_DESTINATIONS: '198.18.2.0/24, fd00:2::/64',
        HONEYPROXY_ALLOW_CLIENTS: '198.18.1.0/24',
      },
    );
    assert.equal(config.mode, 'transparent');
    assert.deepEqual(
      config.allowDestinations?.map((c) => c.text),
      ['198.18.2.0/24', 'fd00:2::/64'],
    );
    assert.deepEqual(
      config.denyDestinations?.map((c) => c.text),
      ['203.0.113.0/24'],
    );
    assert.deepEqual(
      config.allowClients?.map((c) => c.text),
      ['198.18.1.0/24'],
    );
  });

  it('refuses bad CIDRs and modes, naming the setting and every bad entry', () => {
    assert.throws(
      () =>
        loadSensorConfig(['--allow-clients', '10.0.0.0/8,10.0.0.300'], {
          HONEYPROXY_ALLOW_DESTINATIONS: 'fd00::/200',
          HONEYPROXY_DENY_DESTINATIONS: 'example.com',
          HONEYPROXY_MODE: 'sideways',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.includes('--allow-clients') && p.includes('10.0.0.300')) &&
        err.problems.some(
          (p) => p.includes('HONEYPROXY_ALLOW_DESTINATIONS') && p.includes('fd00::/200'),
        ) &&
        err.problems.some(
          (p) => p.includes('HONEYPROXY_DENY_DESTINATIONS') && p.includes('example.com'),
        ) &&
        err.problems.some((p) => p.includes('HONEYPROXY_MODE') && p.includes('both')),
    );
  });

  it('makes a valid sensor id from any host name', () => {
    assert.equal(defaultSensorId('gw.lab.example'), 'gw-lab-example');
    assert.equal(defaultSensorId('...'), 'sensor');
    assert.equal(defaultSensorId('x'.repeat(100)).length, 64);
  });
});
