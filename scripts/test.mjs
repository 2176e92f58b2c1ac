#!/usr/bin/env node
// Runs every test: unit tests beside the code and the integration/end-to-end tests in tests/, as
// compiled JS (npm test builds first). Tests need real services — PostgreSQL on 127.0.0.1:5432, the
// nats-server binary, Chromium, curl — so a missing one is installed/started first by
// scripts/ensure-services.sh rather than failing half-way through.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = (line) => process.stdout.write(`${line}\n`);

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.setTimeout(2000, () => (socket.destroy(), resolve(false)));
  });
}

const missing = [];
if (!onPath('nats-server')) missing.push('nats-server');
if (!onPath('curl')) missing.push('curl');
if (!onPath('iptables') || !onPath('ip6tables')) missing.push('iptables');
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
if (!(await portOpen(5432))) missing.push('postgresql (127.0.0.1:5432)');
if (missing.length > 0) {
  out(`test prerequisites missing: ${missing.join(', ')} — running scripts/ensure-services.sh`);
  const r = spawnSync('bash', [join(root, 'scripts/ensure-services.sh')], { stdio: 'inherit' });
  if (r.status !== 0) {
    out('could not install/start the test prerequisites (see above); tests need root on Debian 12');
    process.exit(1);
  }
}

const dirs = [
  'protocol',
  'common',
  'migrations',
  'sensor',
  'analyzer',
  'web',
  'standalone',
  'tests',
]
  .map((pkg) => join(pkg, 'dist'))
  .filter((dir) => existsSync(join(root, dir)));

const args = [
  '--test',
  '--enable-source-maps',
  '--test-timeout=180000',
  `--test-concurrency=${process.env['HONEYPROXY_TEST_CONCURRENCY'] ?? '2'}`,
  ...(process.env['HONEYPROXY_TEST_REPORTER']
    ? [`--test-reporter=${process.env['HONEYPROXY_TEST_REPORTER']}`]
    : []),
  ...dirs,
];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
