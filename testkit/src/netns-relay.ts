/**
 * Makes a service of the host's namespace (a nats-server on 127.0.0.1) reachable inside a test
 * namespace at 127.0.0.1:<port>, without connecting the namespace to the host's network: a relay
 * process in the namespace (bin/netns-relay.js) hands each connection over a Unix socket to this
 * process, which connects to the target.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topology } from './netns-topology.js';

const RELAY_BIN = fileURLToPath(new URL('./bin/netns-relay.js', import.meta.url));

export interface NetnsRelay {
  /** The address to use inside the namespace (127.0.0.1:<port>). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function relayIntoNamespace(
  topology: Topology,
  ns: string,
  target: { host: string; port: number },
  listenPort = target.port,
): Promise<NetnsRelay> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-netns-relay-'));
  const path = join(dir, 'relay.sock');
  const sockets = new Set<Socket>();
  const bridge = createServer((fromNs) => {
    const toTarget = createConnection(target.port, target.host);
    sockets.add(fromNs).add(toTarget);
    fromNs.pipe(toTarget).pipe(fromNs);
    for (const s of [fromNs, toTarget]) {
      s.on('error', () => {
        fromNs.destroy();
        toTarget.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve, reject) => {
    bridge.once('error', reject);
    bridge.listen(path, () => resolve());
  });
  const proc = topology.spawn(
    ns,
    [process.execPath, RELAY_BIN, '--listen', `127.0.0.1:${listenPort}`, '--unix', path],
    { name: `relay:${listenPort}` },
  );
  const close = async () => {
    await proc.stop(3000);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => bridge.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await proc.waitForLog((l) => l['event'] === 'listening', 'the relay listening', 15_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { host: '127.0.0.1', port: listenPort, close };
}
