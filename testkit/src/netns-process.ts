/**
 * A long-running process inside a network namespace (`ip netns exec NS cmd…`, which execs the
 * command itself, so the pid and the signals are the command's), with everything testkit's
 * logged processes give: kept output, parsed JSON lines, named waits, a stop escalating to SIGKILL.
 */
import { spawnLogged, type LoggedProcess, type SpawnLoggedOptions } from './logged-process.js';

export type { JsonLine, ProcessExit } from './logged-process.js';
export { childEnv } from './logged-process.js';

export type SpawnOptions = SpawnLoggedOptions;
export type NetnsProcess = LoggedProcess;

export function spawnInNamespace(
  ns: string,
  cmd: readonly string[],
  options: SpawnOptions = {},
): NetnsProcess {
  return spawnLogged('ip', ['netns', 'exec', ns, ...cmd], {
    ...options,
    name: options.name ?? `${(cmd[0] ?? '').split('/').pop() ?? ''}@${ns}`,
  });
}
