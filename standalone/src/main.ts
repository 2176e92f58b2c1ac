#!/usr/bin/env node
/**
 * `npm start` / `honeyproxy`: standalone HoneyProxy. Prints where the proxy and the GUI are, and on
 * the very first start the generated admin password (once: only its hash is kept).
 */
import { hostname } from 'node:os';
import { ConfigError, createLogger, createShutdown, settingsHelp } from '@honeyproxy/common';
import { loadStandaloneConfig, standaloneSettings } from './config.js';
import { startStandalone } from './standalone.js';

const USAGE =
  'Usage: honeyproxy [options]   (standalone: sensor + analyzer + GUI in one process)\n';

async function main(): Promise<void> {
  const { config, help } = loadStandaloneConfig(process.argv.slice(2), process.env);
  if (help) {
    process.stdout.write(
      `${USAGE}\nOptions (each also a variable):\n${settingsHelp(standaloneSettings)}\n`,
    );
    return;
  }
  const log = createLogger({ name: 'honeyproxy', level: config.logLevel });
  const shutdown = createShutdown(log);
  shutdown.installSignalHandlers();
  const hp = await startStandalone(config, log);
  shutdown.add({ name: 'standalone', close: () => hp.close() });

  const host =
    config.http.httpHost === '0.0.0.0' || config.http.httpHost === '::'
      ? hostname()
      : config.http.httpHost;
  const lines = [
    '',
    'HoneyProxy is running (standalone).',
    `  Proxy:  http://${host}:${hp.proxyPort}   (explicit HTTP/HTTPS proxy; e.g. curl -x http://${host}:${hp.proxyPort} --cacert ${hp.caPath} https://example.com)`,
    `  GUI:    http://localhost:${hp.httpPort}/`,
    `  CA:     ${hp.caPath}   (SHA-256 ${hp.caSha256}; also at http://localhost:${hp.httpPort}/api/ca.pem)`,
    `  Data:   ${config.proxy.dataDir}`,
  ];
  if (hp.bootstrap.created && hp.bootstrap.generatedPassword !== undefined) {
    lines.push(
      `  Login:  ${hp.bootstrap.name} / ${hp.bootstrap.generatedPassword}`,
      '          (generated now and shown only this once; add users with: npx honeyproxy-analyzer user add NAME --users-file ' +
        `${config.http.usersFile})`,
    );
  } else if (hp.bootstrap.created) {
    lines.push(`  Login:  ${hp.bootstrap.name} (from HONEYPROXY_BOOTSTRAP_USER)`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  log.info({ proxyPort: hp.proxyPort, httpPort: hp.httpPort }, 'standalone started');
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError;
  process.stderr.write(
    `honeyproxy: ${err instanceof Error ? err.message : String(err)}\n${known ? `\n${USAGE}` : ''}`,
  );
  process.exitCode = known ? 2 : 1;
});
