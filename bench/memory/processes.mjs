/**
 * Child processes of the memory bench (origin, nats-server, proxies) and how their memory is
 * read: VmRSS from /proc, sampled every 100 ms. Every child is killed if the bench is.
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const children = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}

/** Spawns a child whose output is kept (and written to `logFile` when it exits). */
export function start(cmd, args, env, logFile) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const chunks = [];
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => chunks.push(d));
  child.output = () => Buffer.concat(chunks).toString();
  if (logFile) child.once('exit', () => writeFileSync(logFile, child.output()));
  return child;
}

export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

export async function stopAll() {
  for (const c of [...children]) await stop(c);
}

export async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}

export async function waitFor(what, check, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function listening(port) {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });
}

/** VmRSS of a process in bytes (0 once it is gone). */
export function rss(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far (/proc/<pid>/stat, 100 Hz ticks). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 100 ms until stopped: peak, and steady (median of 2nd half). */
export function sampler(pid) {
  const samples = [];
  const timer = setInterval(() => samples.push(rss(pid)), 100);
  samples.push(rss(pid));
  return {
    stop() {
      clearInterval(timer);
      samples.push(rss(pid));
      const sorted = [...samples.slice(Math.floor(samples.length / 2))].sort((a, b) => a - b);
      return {
        peak: Math.max(...samples),
        steady: sorted[Math.floor(sorted.length / 2)] ?? 0,
        samples: samples.length,
      };
    },
  };
}
