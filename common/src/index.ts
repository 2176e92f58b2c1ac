/** @honeyproxy/common: Node-side plumbing shared by the services (not the wire contract). */
export * from './settings.js';
export * from './logger.js';
export * from './shutdown.js';
export * from './nats-settings.js';
