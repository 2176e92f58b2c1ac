/**
 * Many flows written straight through the analyzer's store (for scale tests and the GUI benchmark):
 * small, body-less summaries with some variety in host, method, status, type and size, so every sort
 * column has something to order. Time-ordered ids, oldest first, `startMs` apart.
 */
import { createDatabase, createFlowStore } from '@honeyproxy/analyzer';
import { createLogger } from '@honeyproxy/common';
import type { FlowMessage } from '@honeyproxy/protocol';
import { flowIdAt } from '@honeyproxy/testkit';

const HOSTS = [
  'cdn.example',
  'evil.example',
  'update.vendor.test',
  'c2.bad.test',
  'ads.track.test',
];
const PATHS = [
  '/index.html',
  '/app.js',
  '/style.css',
  '/logo.png',
  '/api/v1/items',
  '/setup.exe',
  '/font.woff2',
];
const TYPES = [
  'text/html',
  'application/javascript',
  'text/css',
  'image/png',
  'application/json',
  'application/octet-stream',
  'font/woff2',
];
const STATUS = [200, 200, 200, 304, 404, 302, 500, 200];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'HEAD'];

export function bulkFlow(i: number, startMs: number, sensorId = 'bulk-sensor'): FlowMessage {
  const p = i % PATHS.length;
  const start = startMs + i;
  return {
    v: 1,
    flowId: flowIdAt(start),
    sensorId,
    mode: 'transparent',
    ts: { start, end: start + (i % 97) * 3 },
    client: { ip: `198.18.0.${(i % 200) + 2}`, port: 40000 + (i % 20000) },
    server: {
      ip: `198.19.${i % 7}.${(i % 250) + 1}`,
      port: i % 2 ? 443 : 80,
      host: HOSTS[i % HOSTS.length] ?? 'x.test',
    },
    request: {
      method: METHODS[i % METHODS.length] ?? 'GET',
      url: `http${i % 2 ? 's' : ''}://${HOSTS[i % HOSTS.length] ?? 'x.test'}${PATHS[p] ?? '/'}?n=${i}`,
      httpVersion: '1.1',
      headers: [['Host', HOSTS[i % HOSTS.length] ?? 'x.test']],
      body: null,
    },
    response: {
      status: STATUS[i % STATUS.length] ?? 200,
      reason: 'OK',
      httpVersion: '1.1',
      headers: [['Content-Type', TYPES[p] ?? 'text/plain']],
      body: null,
    },
    anomalies: [],
  };
}

/** Inserts `count` flows starting at `startMs` (1 ms apart) through the store; returns the time taken. */
export async function insertBulkFlows(
  databaseUrl: string,
  count: number,
  options: { startMs?: number; batch?: number; offset?: number } = {},
): Promise<number> {
  const db = createDatabase(databaseUrl, { max: 4 });
  const store = createFlowStore({ db, log: createLogger({ name: 'bulk', level: 'silent' }) });
  const startMs = options.startMs ?? Date.now() - count - 60_000;
  const batch = options.batch ?? 5000;
  const offset = options.offset ?? 0;
  const t0 = performance.now();
  try {
    for (let i = 0; i < count; i += batch) {
      const items = [];
      for (let j = i; j < Math.min(count, i + batch); j++) {
        const flow = bulkFlow(offset + j, startMs);
        items.push({ sensorId: flow.sensorId, flow, bodies: new Map<string, Uint8Array>() });
      }
      await store.insertBatch(items);
    }
  } finally {
    await db.destroy();
  }
  return performance.now() - t0;
}
