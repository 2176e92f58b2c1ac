/** @honeyproxy/standalone: sensor + analyzer + GUI in one process on an embedded Postgres. */
export { startStandalone, type Standalone } from './standalone.js';
export { loadStandaloneConfig, standaloneSettings, type StandaloneConfig } from './config.js';
export { createStoreSink, type StoreSinkOptions } from './store-sink.js';
