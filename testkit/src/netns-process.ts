/**
 * A long-running process inside a network namespace (`ip netns exec NS cmd…`, which execs the
 * command itself, so the pid and the signals are the command's): output kept for assertions and
 * failure messages, waits that name what they waited for, and a stop that escalates to SIGKILL.
 * The parent's HONEYPROXY_* variables are never inherited: a child's configuration is its own.
 */
import { spawn } from 'node:child_process';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A JSON log line of a child (pino writes one a line on stdout). */
export type JsonLine = Record<string, unknown> & { msg?: string };

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Label in messages (defaults to the command's base name). */
  name?: string;
}

export interface NetnsProcess {
  readonly name: string;
  readonly pid: number;
  /** stdout and stderr as received, interleaved. */
  output(): string;
  stdout(): string;
  /** The JSON lines written to stdout so far. */
  jsonLines(): JsonLine[];
  /** Null while running. */
  exit(): ProcessExit | null;
  readonly exited: Promise<ProcessExit>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  waitForJson(
    match: (line: JsonLine) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<JsonLine>;
  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ProcessExit>;
  /** The output's tail, for failure messages. */
  describe(): string;
}

const OUTPUT_MAX = 8 * 1024 * 1024;

/** The parent's environment minus HONEYPROXY_*, plus `extra`. */
export function childEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('HONEYPROXY_')) env[key] = value;
  }
  return { ...env, ...extra };
}

export function spawnInNamespace(
  ns: string,
  cmd: readonly string[],
  options: SpawnOptions = {},
): NetnsProcess {
  const name = options.name ?? `${(cmd[0] ?? '').split('/').pop() ?? ''}@${ns}`;
  const child = spawn('ip', ['netns', 'exec', ns, ...cmd], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  let out = '';
  let stdoutText = '';
  let exitInfo: ProcessExit | null = null;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (out.length < OUTPUT_MAX) out += text;
    if (stdoutText.length < OUTPUT_MAX) stdoutText += text;
    changed();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (out.length < OUTPUT_MAX) out += chunk.toString('utf8');
    changed();
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      setImmediate(() => {
        changed();
        resolve({ code, signal });
      });
    });
  });

  const describe = () => {
    const state = exitInfo
      ? `exited (code ${String(exitInfo.code)}, signal ${String(exitInfo.signal)})`
      : 'running';
    return `${name} [pid ${String(child.pid)}, ${state}] output tail:\n${out.slice(-4000)}`;
  };

  const jsonLines = (): JsonLine[] => {
    const lines: JsonLine[] = [];
    for (const line of stdoutText.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as JsonLine);
      } catch {
        // a line still being written
      }
    }
    return lines;
  };

  const waitFor = <T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (exitInfo) {
          done();
          reject(new Error(`${name} exited while waiting for ${what}\n${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  return {
    name,
    pid: child.pid,
    output: () => out,
    stdout: () => stdoutText,
    jsonLines,
    exit: () => exitInfo,
    exited,
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      waitFor(
        () => out.match(pattern) ?? undefined,
        `output matching ${String(pattern)}`,
        timeoutMs,
      ),
    waitForJson: (match, what, timeoutMs = 30_000) =>
      waitFor(() => jsonLines().find(match), what, timeoutMs),
    async stop(timeoutMs = 10_000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    describe,
  };
}
