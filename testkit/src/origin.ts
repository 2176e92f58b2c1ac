/**
 * A local HTTP and HTTPS origin for tests, with a certificate from a CA made for it (so a test can
 * choose whether the sensor trusts it). Routes are a plain handler; the default serves a few
 * fixtures used across tests.
 */
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateCACertificate } from 'mockttp';
// mockttp's CA class signs leaf certificates; test-only use of an internal module (pinned version).
import { getCA } from 'mockttp/dist/util/certificates';

export interface Origin {
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly httpUrl: string;
  /** https://localhost:<port> (the certificate is for localhost). */
  readonly httpsUrl: string;
  /** PEM of the CA that signed the origin's certificate. */
  readonly caPem: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startOrigin(handler: RequestListener): Promise<Origin> {
  const ca = await generateCACertificate({ subject: { commonName: 'HoneyProxy Test Origin CA' } });
  const leaf = await (
    await getCA({ key: ca.key, cert: ca.cert, keyLength: 2048 })
  ).generateCertificate('localhost');
  const http = createHttpServer(handler);
  const https = createHttpsServer({ key: leaf.key, cert: leaf.cert }, handler);
  const httpPort = await listen(http);
  const httpsPort = await listen(https);
  return {
    httpPort,
    httpsPort,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpsUrl: `https://localhost:${httpsPort}`,
    caPem: ca.cert,
    async close() {
      await Promise.all([closeServer(http), closeServer(https)]);
    },
  };
}
