/**
 * The optional unauthenticated /metrics listener (--metrics-listen host:port): Prometheus scrapers rarely hold
 * API credentials, so metrics can be served on a separate, private address instead. Nothing else is
 * reachable there, and the metrics name no flow content (sensor ids and counts only).
 */
import { createServer, type Server } from 'node:http';
import type { AnalyzerMetrics } from './analyzer-metrics.js';

export async function startMetricsServer(
  metrics: AnalyzerMetrics,
  options: { host: string; port: number },
): Promise<{ server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) =>
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
