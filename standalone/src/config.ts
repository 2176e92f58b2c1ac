/**
 * Settings of the standalone mode (`npm start`): the sensor's proxy settings and the analyzer's
 * HTTP/users settings, read once from flags and HONEYPROXY_* variables. The embedded database lives
 * in `<data-dir>/pgdata`.
 */
import { join, resolve } from 'node:path';
import { ConfigError, loadSettings, type LOG_LEVELS, type SettingSource } from '@honeyproxy/common';
import { httpSettings, resolveHttpConfig, type HttpConfig } from '@honeyproxy/analyzer';
import {
  proxyPolicyConfig,
  proxySettings,
  sensorSettings,
  type ProxyConfig,
} from '@honeyproxy/sensor';

export const standaloneSettings = {
  ...proxySettings,
  sensorId: { ...sensorSettings.sensorId, default: 'standalone', defaultText: 'standalone' },
  write: sensorSettings.write,
  ...httpSettings,
};

export interface StandaloneConfig {
  readonly proxy: ProxyConfig;
  readonly http: HttpConfig;
  readonly write: string | undefined;
  readonly pgDataDir: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

export function loadStandaloneConfig(
  argv: readonly string[],
  env: SettingSource['env'],
): { config: StandaloneConfig; help: boolean } {
  const { values: v, positionals, help } = loadSettings(standaloneSettings, { argv, env });
  if (positionals.length > 0)
    throw new ConfigError([`unexpected argument ${JSON.stringify(positionals[0])}`]);
  const dataDir = resolve(v.dataDir);
  const http = resolveHttpConfig({ ...v, dataDir });
  const config: StandaloneConfig = {
    proxy: {
      proxyPort: v.proxyPort,
      dataDir,
      caDir: resolve(v.caDir ?? join(dataDir, 'ca')),
      maxBody: v.maxBody,
      sensorId: v.sensorId,
      ...proxyPolicyConfig(v),
    },
    http,
    write: v.write === undefined ? undefined : resolve(v.write),
    pgDataDir: join(dataDir, 'pgdata'),
    logLevel: v.logLevel,
  };
  return { config: Object.freeze(config), help };
}
