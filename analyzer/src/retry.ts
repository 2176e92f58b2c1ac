/**
 * Start-up against services that may not be up yet (Postgres, NATS): try, log clearly what is
 * missing and when the next attempt is, back off up to 30 s, and stop trying when shutting down.
 */
import type { Logger } from '@honeyproxy/common';

/** Shutting down while waiting for a service. */
export class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

export interface RetryControl {
  readonly stopped: boolean;
}

export async function retryUntilReady<T>(
  what: string,
  fn: () => Promise<T>,
  log: Logger,
  control: RetryControl,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (control.stopped) throw new StoppedError(`stopped while waiting for ${what}`);
    try {
      const result = await fn();
      if (attempt > 1) log.info({ service: what, attempts: attempt }, 'service reachable');
      return result;
    } catch (err) {
      const retryInMs = Math.min(30_000, 500 * 2 ** Math.min(6, attempt));
      log.warn(
        {
          service: what,
          error: err instanceof Error ? err.message : String(err),
          attempt,
          retryInMs,
        },
        'service not reachable yet; retrying',
      );
      // Not unref'd: while waiting for the first service nothing else keeps the event loop
      // alive, and an unref'd timer would let the process end (status 0) instead of retrying.
      // Shutdown does not wait for it: the signal handler exits the process.
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}
