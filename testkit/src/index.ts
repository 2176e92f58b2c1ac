/** @honeyproxy/testkit: real services for tests (never shipped). */
export * from './free-port.js';
export * from './nats-server.js';
export * from './postgres.js';
export * from './origin.js';
export * from './browser.js';
export * from './sample-flow.js';
export * from './proxy-client.js';
export * from './cleanup-list.js';
export * from './capture-origin.js';
export * from './wait-until.js';
export * from './suite-resource.js';
export * from './postgres-server.js';
export * from './load-generator.js';
