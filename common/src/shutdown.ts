/**
 * Graceful shutdown: every resource's owner registers a close step; on SIGINT/SIGTERM they run in
 * reverse order of registration (last opened, first closed), raced against a timeout so a stuck
 * close can never keep a dead process around.
 */
import type { Logger } from 'pino';

export type CloseStep = { name: string; close: () => Promise<void> | void };

export interface Shutdown {
  /** Registers a close step; returns it for chaining. */
  add(step: CloseStep): void;
  /** Runs every step (once), newest first. */
  run(reason: string): Promise<void>;
  /** Installs SIGINT/SIGTERM handlers that run the steps and exit. */
  installSignalHandlers(): void;
}

export function createShutdown(log: Logger, timeoutMs = 10_000): Shutdown {
  const steps: CloseStep[] = [];
  let running: Promise<void> | undefined;

  const runSteps = async () => {
    for (const step of [...steps].reverse()) {
      try {
        await step.close();
      } catch (err) {
        log.error({ err, step: step.name }, 'close step failed');
      }
    }
  };

  const run = (reason: string): Promise<void> => {
    running ??= (async () => {
      log.info({ reason }, 'shutting down');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ timeoutMs }, 'shutdown timed out');
          resolve();
        }, timeoutMs);
        timer.unref();
      });
      await Promise.race([runSteps(), timeout]);
      clearTimeout(timer);
    })();
    return running;
  };

  return {
    add: (step) => void steps.push(step),
    run,
    installSignalHandlers() {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          void run(signal).finally(() => process.exit(0));
        });
      }
    },
  };
}
