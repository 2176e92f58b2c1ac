/**
 * @honeyproxy/protocol: the wire contract between sensors, analyzers and the browser. No I/O here;
 * it also ships to the browser, so it imports nothing from Node.
 */
export * from './limits.js';
export * from './body.js';
export * from './flow.js';
export * from './flow-json.js';
export * from './drop-bodies.js';
export * from './flow-summary.js';
export * from './subjects.js';
export * from './decoder.js';
export * from './api.js';
export * from './heartbeat.js';
export * from './codecs.js';
export * from './live-ticket.js';
export * from './sniff-type.js';
export * from './filter-expression.js';
export * from './filter-predicate.js';
export * from './flow-category.js';
