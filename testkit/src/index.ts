/** @honeyproxy/testkit: real services for tests (never shipped). */
export * from './free-port.js';
export * from './nats-server.js';
export * from './postgres.js';
export * from './origin.js';
export * from './browser.js';
export * from './sample-flow.js';
