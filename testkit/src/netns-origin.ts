/**
 * Starts bin/netns-origin.js inside a namespace (the server host of a topology) with a certificate
 * for `names` from a CA made for it, and reads back what reached it: every connection and request
 * the origin printed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCACertificate } from 'mockttp';
// mockttp's CA class signs leaf certificates; test-only use of an internal module (pinned version).
import { getCA } from 'mockttp/dist/util/certificates';
import type { OriginEcho } from './netns-origin-routes.js';
import type { JsonLine, NetnsProcess } from './netns-process.js';
import type { Topology } from './netns-topology.js';

export const NETNS_ORIGIN_BIN = fileURLToPath(new URL('./bin/netns-origin.js', import.meta.url));

export interface OriginConnection {
  proto: 'http' | 'https';
  remote: { ip: string; port: number };
  local: { ip: string; port: number };
}

export interface NetnsOrigin {
  readonly proc: NetnsProcess;
  /** PEM of the CA that signed the origin's certificate, and a file holding it. */
  readonly caPem: string;
  readonly caFile: string;
  /** The connections accepted so far. */
  connections(): OriginConnection[];
  /** The requests answered so far. */
  requests(): (OriginEcho & { proto: 'http' | 'https' })[];
  close(): Promise<void>;
}

function isEvent(line: JsonLine, event: string): boolean {
  return line['event'] === event;
}

export async function startNetnsOrigin(
  topology: Topology,
  options: { ns?: string; names?: readonly string[]; httpPort?: number; httpsPort?: number } = {},
): Promise<NetnsOrigin> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-netns-origin-'));
  try {
    const ca = await generateCACertificate({
      subject: { commonName: 'HoneyProxy Netns Origin CA' },
    });
    const leaf = await (
      await getCA({ key: ca.key, cert: ca.cert, keyLength: 2048 })
    ).generateCertificate(options.names?.[0] ?? 'origin.test');
    const caFile = join(dir, 'origin-ca.pem');
    await writeFile(caFile, ca.cert);
    await writeFile(join(dir, 'leaf.pem'), leaf.cert);
    await writeFile(join(dir, 'leaf.key'), leaf.key, { mode: 0o600 });
    const proc = topology.spawn(
      options.ns ?? topology.server,
      [
        process.execPath,
        '--enable-source-maps',
        NETNS_ORIGIN_BIN,
        '--cert',
        join(dir, 'leaf.pem'),
        '--key',
        join(dir, 'leaf.key'),
        '--http-port',
        String(options.httpPort ?? 80),
        '--https-port',
        String(options.httpsPort ?? 443),
      ],
      { name: 'netns-origin' },
    );
    await proc.waitForLog((l) => isEvent(l, 'listening'), 'the origin listening', 30_000);
    return {
      proc,
      caPem: ca.cert,
      caFile,
      connections: () =>
        proc.logs().filter((l) => isEvent(l, 'connection')) as unknown as OriginConnection[],
      requests: () =>
        proc.logs().filter((l) => isEvent(l, 'request')) as unknown as (OriginEcho & {
          proto: 'http' | 'https';
        })[],
      async close() {
        await proc.stop(3000);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
