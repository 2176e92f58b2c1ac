/**
 * The project's bins as child processes, the way users run them (`node sensor/dist/main.js` …),
 * configured only through the environment. Output is kept (for assertions and failure messages),
 * waits name what they waited for and show the output's tail, and every child is stopped by its
 * owner's cleanup — with a SIGKILL safety net when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BINS = {
  sensor: fileURLToPath(new URL('../../../sensor/dist/main.js', import.meta.url)),
  analyzer: fileURLToPath(new URL('../../../analyzer/dist/main.js', import.meta.url)),
  standalone: fileURLToPath(new URL('../../../standalone/dist/main.js', import.meta.url)),
} as const;

export type BinName = keyof typeof BINS;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A pino log line of a child (JSON on stdout). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** stdout and stderr as received, interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines written so far. */
  logs(): LogLine[];
  /** Null while running. */
  exit(): Exit | null;
  /** Resolves with the match once the output matches; rejects if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the first log line `match` accepts. */
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  waitForExit(timeoutMs?: number): Promise<Exit>;
  /** SIGTERM; SIGKILL if still running after `timeoutMs`. Resolves with how it ended. */
  stop(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL, as a crash. */
  kill9(): Promise<Exit>;
  /** The output's tail, for failure messages. */
  describe(): string;
}

export interface StartServiceOptions {
  /** HONEYPROXY_* and other variables; the parent's HONEYPROXY_* ones are never inherited. */
  env?: Record<string, string>;
  cwd?: string;
  args?: string[];
  /** Label in messages (defaults to the bin name). */
  name?: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The parent's environment minus HONEYPROXY_*: each child's configuration is exactly its own. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('HONEYPROXY_')) env[key] = value;
  }
  return env;
}

/** Settings every test service gets unless the test says otherwise. */
const TEST_DEFAULTS: Record<string, string> = {
  // the test origins are on loopback, which the proxy's containment refuses by default
  HONEYPROXY_ALLOW_DESTINATIONS: '127.0.0.0/8,::1/128',
};

const OUTPUT_MAX = 8 * 1024 * 1024;

/**
 * Starts `node <bin>`; register `stop()` with your cleanup right away. (Use `kill9` for crashes.)
 */
export function startService(bin: BinName, options: StartServiceOptions = {}): ServiceProcess {
  const name = options.name ?? bin;
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', BINS[bin], ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { ...baseEnv(), ...TEST_DEFAULTS, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  running.add(child);
  let out = '';
  let stdoutText = '';
  let stderrText = '';
  let exitInfo: Exit | null = null;
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
  const exited = new Promise<Exit>((resolve) => {
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

  const logs = (): LogLine[] => {
    const lines: LogLine[] = [];
    for (const line of stdoutText.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
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

  const waitForExit = async (timeoutMs = 15_000): Promise<Exit> => {
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
