/** The sensor's version (from its package.json), reported in heartbeats and HAR files. */
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version?: unknown };

export const SENSOR_VERSION = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
