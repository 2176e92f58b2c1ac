/**
 * The project's bins as child processes, the way users run them (`node sensor/dist/main.js` …),
 * configured only through the environment. Output is kept (for assertions and failure messages),
 * waits name what they waited for and show the output's tail, and every child is stopped by its
 * owner's cleanup — with a SIGKILL safety net when the test process exits.
 */
import { spawnLogged, type LoggedProcess } from '@honeyproxy/testkit';
import { fileURLToPath } from 'node:url';

export const BINS = {
  sensor: fileURLToPath(new URL('../../../sensor/dist/main.js', import.meta.url)),
  analyzer: fileURLToPath(new URL('../../../analyzer/dist/main.js', import.meta.url)),
  standalone: fileURLToPath(new URL('../../../standalone/dist/main.js', import.meta.url)),
} as const;

export type BinName = keyof typeof BINS;

export type { ProcessExit as Exit, JsonLine as LogLine } from '@honeyproxy/testkit';
/** A running bin (see testkit's spawnLogged). */
export type ServiceProcess = LoggedProcess;

export interface StartServiceOptions {
  /** HONEYPROXY_* and other variables; the parent's HONEYPROXY_* ones are never inherited. */
  env?: Record<string, string>;
  cwd?: string;
  args?: string[];
  /** Label in messages (defaults to the bin name). */
  name?: string;
}

/** Settings every test service gets unless the test says otherwise. */
const TEST_DEFAULTS: Record<string, string> = {
  // the test origins are on loopback, which the proxy's containment refuses by default
  HONEYPROXY_ALLOW_DESTINATIONS: '127.0.0.0/8,::1/128',
};

/**
 * Starts `node <bin>`; register `stop()` with your cleanup right away. (Use `kill9` for crashes.)
 */
export function startService(bin: BinName, options: StartServiceOptions = {}): ServiceProcess {
  return spawnLogged(
    process.execPath,
    ['--enable-source-maps', BINS[bin], ...(options.args ?? [])],
    {
      name: options.name ?? bin,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      env: { ...TEST_DEFAULTS, ...options.env },
    },
  );
}
