/**
 * A three-host network made of Linux network namespaces, for tests of the transparent sensor with
 * real kernel routing and iptables: client ──veth── gateway ──veth── server, IPv4 in 198.18.0.0/15
 * and a ULA IPv6 prefix, forwarding on in the gateway. Nothing is connected to the host's own
 * network, so nothing a test sends can leave. Names are unique per topology (tests run in
 * parallel), every namespace gets its own /etc/hosts and resolv.conf (`ip netns exec` bind-mounts
 * /etc/netns/<ns>/*), and close() — or, failing that, the exit of the test process — kills what runs
 * inside and deletes the namespaces. Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import {
  childEnv,
  spawnInNamespace,
  type NetnsProcess,
  type SpawnOptions,
} from './netns-process.js';

export interface DualStack {
  readonly ipv4: string;
  readonly ipv6: string;
}

/** The same in every topology: each lives in namespaces of its own, so they never clash. */
export const TOPOLOGY_ADDRESSES = {
  client: { ipv4: '198.18.1.2', ipv6: 'fd00:198:18:1::2' },
  /** The gateway on the client's link (the client's default route). */
  gatewayClientSide: { ipv4: '198.18.1.1', ipv6: 'fd00:198:18:1::1' },
  /** The gateway on the server's link (the server's default route). */
  gatewayServerSide: { ipv4: '198.18.2.1', ipv6: 'fd00:198:18:2::1' },
  server: { ipv4: '198.18.2.2', ipv6: 'fd00:198:18:2::2' },
  /** A second address of the server host: a "somewhere else" a spoofed Host name can point to. */
  serverAlias: { ipv4: '198.18.2.3', ipv6: 'fd00:198:18:2::3' },
} as const satisfies Record<string, DualStack>;

/** Prefixes of the two links (for allow-lists). */
export const TOPOLOGY_NETWORKS = {
  clientLink: { ipv4: '198.18.1.0/24', ipv6: 'fd00:198:18:1::/64' },
  serverLink: { ipv4: '198.18.2.0/24', ipv6: 'fd00:198:18:2::/64' },
} as const;

/** Interface names inside the namespaces (never visible in the host's namespace). */
export const TOPOLOGY_INTERFACES = {
  client: 'hp-c0',
  /** The gateway's honeypot-facing interface: where the REDIRECT rules apply. */
  gatewayClientSide: 'hp-gw-c',
  gatewayServerSide: 'hp-gw-s',
  server: 'hp-s0',
} as const;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

export interface Topology {
  /** Unique part of this topology's namespace names. */
  readonly id: string;
  /** Namespace names. */
  readonly client: string;
  readonly gateway: string;
  readonly server: string;
  readonly addresses: typeof TOPOLOGY_ADDRESSES;
  readonly interfaces: typeof TOPOLOGY_INTERFACES;
  /** Runs `cmd` inside namespace `ns` and collects its output (never rejects on a non-zero exit). */
  exec(ns: string, cmd: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit rejects with the output. */
  run(ns: string, cmd: readonly string[], options?: ExecOptions): Promise<string>;
  /** A long-running process inside `ns`, stopped by close() at the latest. */
  spawn(ns: string, cmd: readonly string[], options?: SpawnOptions): NetnsProcess;
  /**
   * The /etc/hosts that processes started in `ns` from now on see ({ 'origin.test': ['198.18.2.2'] }).
   * Lookups of other names fail fast: the namespace's resolv.conf names a server that is not there.
   */
  setHosts(ns: string, hosts: Record<string, readonly string[]>): Promise<void>;
  /** Kills every process inside the namespaces and deletes them. Safe to call twice. */
  close(): Promise<void>;
}

const IP = 'ip';
const NETNS_ETC = '/etc/netns';
/** Our namespaces are named hpt<pid>x<n>-<role>: the pid lets a later run remove a crashed run's. */
const NAME_PATTERN = /^hpt(\d+)x\d+-[cgsp]$/;
let sequence = 0;

function execFileResult(file: string, args: readonly string[], options: ExecOptions = {}) {
  return new Promise<ExecResult>((resolve) => {
    const child = execFile(
      file,
      args,
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 60_000,
        env: childEnv(options.env),
      },
      (err, stdout, stderr) => {
        const code =
          err === null ? 0 : typeof err.code === 'number' ? err.code : err.killed ? 124 : 1;
        resolve({ code, stdout, stderr: stderr || (err && code !== 0 ? err.message : '') });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

async function ip(args: readonly string[]): Promise<void> {
  const r = await execFileResult(IP, args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Synchronous teardown of one namespace: for close() and for the process-exit safety net. */
function destroyNamespaceSync(ns: string): void {
  const pids = spawnSync(IP, ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync(IP, ['netns', 'delete', ns], { stdio: 'ignore' });
  spawnSync('rm', ['-rf', `${NETNS_ETC}/${ns}`], { stdio: 'ignore' });
}

const live = new Set<string>();
let exitHookInstalled = false;
function trackNamespace(ns: string): void {
  live.add(ns);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const name of live) destroyNamespaceSync(name);
  });
}

/** Deletes namespaces left by test processes that died before their cleanup ran. */
function sweepOrphans(): void {
  const list = spawnSync(IP, ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = NAME_PATTERN.exec(name);
    if (match && !pidAlive(Number(match[1]))) destroyNamespaceSync(name);
  }
}

function uniqueName(role: 'c' | 'g' | 's' | 'p', id: string): string {
  return `hpt${id}-${role}`;
}

let probe: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/**
 * Whether this machine lets us create and enter network namespaces (root, iproute2, a kernel with
 * netns and veth). Tests skip — loudly, with this reason — only when it says no.
 */
export function canCreateNamespaces(): Promise<{ ok: true } | { ok: false; reason: string }> {
  probe ??= (async () => {
    if (process.platform !== 'linux') return { ok: false, reason: `platform ${process.platform}` };
    if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
    const ns = uniqueName('p', `${process.pid}x${++sequence}`);
    trackNamespace(ns);
    try {
      const add = await execFileResult(IP, ['netns', 'add', ns]);
      if (add.code !== 0) return { ok: false, reason: `ip netns add: ${add.stderr.trim()}` };
      const veth = await execFileResult(IP, [
        '-n',
        ns,
        'link',
        'add',
        'a0',
        'type',
        'veth',
        'peer',
        'name',
        'b0',
      ]);
      if (veth.code !== 0) return { ok: false, reason: `veth: ${veth.stderr.trim()}` };
      const enter = await execFileResult(IP, ['netns', 'exec', ns, IP, 'link', 'set', 'lo', 'up']);
      if (enter.code !== 0) return { ok: false, reason: `ip netns exec: ${enter.stderr.trim()}` };
      return { ok: true };
    } finally {
      destroyNamespaceSync(ns);
      live.delete(ns);
    }
  })();
  return probe;
}

const DEFAULT_HOSTS = '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n';
// Nothing listens on port 53 inside the namespace: a name not in /etc/hosts fails at once.
const RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

export async function createTopology(): Promise<Topology> {
  sweepOrphans();
  const id = `${process.pid}x${++sequence}`;
  const client = uniqueName('c', id);
  const gateway = uniqueName('g', id);
  const server = uniqueName('s', id);
  const namespaces = [client, gateway, server];
  const processes = new Set<NetnsProcess>();
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled([...processes].map((p) => p.stop(3000)));
    for (const ns of namespaces) {
      destroyNamespaceSync(ns);
      live.delete(ns);
    }
  };

  const exec: Topology['exec'] = (ns, cmd, options) =>
    execFileResult(IP, ['netns', 'exec', ns, ...cmd], options);
  const run: Topology['run'] = async (ns, cmd, options) => {
    const r = await exec(ns, cmd, options);
    if (r.code !== 0) {
      throw new Error(`in ${ns}: ${cmd.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
    }
    return r.stdout;
  };
  const setHosts: Topology['setHosts'] = async (ns, hosts) => {
    const lines = Object.entries(hosts).flatMap(([name, ips]) => ips.map((a) => `${a} ${name}`));
    await writeFile(`${NETNS_ETC}/${ns}/hosts`, `${DEFAULT_HOSTS}${lines.join('\n')}\n`);
  };

  try {
    for (const ns of namespaces) {
      trackNamespace(ns);
      await ip(['netns', 'add', ns]);
      await mkdir(`${NETNS_ETC}/${ns}`, { recursive: true });
      await writeFile(`${NETNS_ETC}/${ns}/hosts`, DEFAULT_HOSTS);
      await writeFile(`${NETNS_ETC}/${ns}/resolv.conf`, RESOLV_CONF);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const A = TOPOLOGY_ADDRESSES;
    const I = TOPOLOGY_INTERFACES;
    // veth pairs made inside the namespaces: their names never exist in the host's namespace
    for (const [ns, dev, peer] of [
      [client, I.client, I.gatewayClientSide],
      [server, I.server, I.gatewayServerSide],
    ] as const) {
      await ip([
        '-n',
        ns,
        'link',
        'add',
        dev,
        'type',
        'veth',
        'peer',
        'name',
        peer,
        'netns',
        gateway,
      ]);
    }
    // forwarding first: turning it on later resets some per-interface IPv6 settings
    await run(gateway, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await run(gateway, ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    const links: [string, string, DualStack[]][] = [
      [client, I.client, [A.client]],
      [gateway, I.gatewayClientSide, [A.gatewayClientSide]],
      [gateway, I.gatewayServerSide, [A.gatewayServerSide]],
      [server, I.server, [A.server, A.serverAlias]],
    ];
    for (const [ns, dev, addrs] of links) {
      for (const a of addrs) {
        await ip(['-n', ns, 'addr', 'add', `${a.ipv4}/24`, 'dev', dev]);
        // nodad: usable at once, no duplicate-address detection delay
        await ip(['-n', ns, '-6', 'addr', 'add', `${a.ipv6}/64`, 'dev', dev, 'nodad']);
      }
      await ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
    for (const [ns, via] of [
      [client, A.gatewayClientSide],
      [server, A.gatewayServerSide],
    ] as const) {
      await ip(['-n', ns, 'route', 'add', 'default', 'via', via.ipv4]);
      await ip(['-n', ns, '-6', 'route', 'add', 'default', 'via', via.ipv6]);
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    id,
    client,
    gateway,
    server,
    addresses: TOPOLOGY_ADDRESSES,
    interfaces: TOPOLOGY_INTERFACES,
    exec,
    run,
    spawn(ns, cmd, options) {
      if (closed) throw new Error('the topology is closed');
      const proc = spawnInNamespace(ns, cmd, options);
      processes.add(proc);
      void proc.exited.then(() => processes.delete(proc));
      return proc;
    },
    setHosts,
    close,
  };
}
