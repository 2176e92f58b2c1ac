/**
 * A child process owned by a test: output kept (for assertions and failure messages), its JSON log
 * lines parsed, waits that name what they waited for and show the output's tail, a stop that
 * escalates to SIGKILL, and a SIGKILL safety net when the test process exits. The parent's
 * HONEYPROXY_* variables are never inherited: a child's configuration is exactly its own.
 * The project's bins (tests/) and processes inside network namespaces (netns-process) build on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A JSON log line of a child (pino writes one a line on stdout). */
export type JsonLine = Record<string, unknown> & { msg?: string; level?: number };

export interface LoggedProcess {
  readonly name: string;
  readonly pid: number;
  /** stdout and stderr as received, interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** The JSON lines written to stdout so far. */
  logs(): JsonLine[];
  /** Null while running. */
  exit(): ProcessExit | null;
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the match once the output matches; rejects if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the first log line `match` accepts. */
  waitForLog(
    match: (line: JsonLine) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<JsonLine>;
  waitForExit(timeoutMs?: number): Promise<ProcessExit>;
  /** SIGTERM; SIGKILL if still running after `timeoutMs`. Resolves with how it ended. */
  stop(timeoutMs?: number): Promise<ProcessExit>;
  /** SIGKILL, as a crash. */
  kill9(): Promise<ProcessExit>;
  /** The output's tail, for failure messages. */
  describe(): string;
}

export interface SpawnLoggedOptions {
  /** Variables on top of the parent's environment minus HONEYPROXY_*. */
  env?: Record<string, string>;
  cwd?: string;
  /** Label in messages (defaults to the command's base name). */
  name?: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The parent's environment minus HONEYPROXY_*, plus `extra`. */
export function childEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('HONEYPROXY_')) env[key] = value;
  }
  return { ...env, ...extra };
}

const OUTPUT_MAX = 8 * 1024 * 1024;

/** Starts `command args…`; register `stop()` with your cleanup right away. */
export function spawnLogged(
  command: string,
  args: readonly string[],
  options: SpawnLoggedOptions = {},
): LoggedProcess {
  const name = options.name ?? command.split('/').pop() ?? command;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  running.add(child);
  let out = '';
  let stdoutText = '';
  let stderrText = '';
  let exitInfo: ProcessExit | null = null;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  const append = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (out.length < OUTPUT_MAX) out += text;
    if (which === 'stdout') stdoutText += text;
    else stderrText += text;
    changed();
  };
  child.stdout.on('data', append('stdout'));
  child.stderr.on('data', append('stderr'));
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      exitInfo = { code, signal };
      // stdio may still deliver its last chunks: let them arrive before waiters give up
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

  const logs = (): JsonLine[] => {
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

  /** Re-checks `probe` on every output change until it yields a value, the deadline, or exit. */
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

  const waitForExit = async (timeoutMs = 15_000): Promise<ProcessExit> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${name} did not exit within ${timeoutMs} ms\n${describe()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    name,
    pid: child.pid,
    output: () => out,
    stdout: () => stdoutText,
    stderr: () => stderrText,
    logs,
    exit: () => exitInfo,
    exited,
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      waitFor(
        () => out.match(pattern) ?? undefined,
        `output matching ${String(pattern)}`,
        timeoutMs,
      ),
    waitForLog: (match, what, timeoutMs = 30_000) =>
      waitFor(() => logs().find(match), `log: ${what}`, timeoutMs),
    waitForExit,
    async stop(timeoutMs = 15_000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async kill9() {
      if (!exitInfo) child.kill('SIGKILL');
      return exited;
    },
    describe,
  };
}
