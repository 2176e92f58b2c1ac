/**
 * Polling with a deadline, for state that settles asynchronously (a flow on its way through NATS
 * and Postgres, a socket count, a log line). One loop for every test: a check that throws is
 * retried like one that says "not yet", and the timeout names what was awaited and the last error.
 */

export interface WaitOptions {
  /** What is awaited, for the timeout message (a function is called then: it can tell the state). */
  what?: string | (() => string);
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Pause between checks (default 50 ms). */
  intervalMs?: number;
}

/** Polls `probe` until it returns a value other than undefined, and resolves with that value. */
export async function waitForValue<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const { what = 'a condition', timeoutMs = 20_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
    }
    if (Date.now() > deadline) {
      const awaited = typeof what === 'function' ? what() : what;
      const cause = last ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${awaited}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls `check` until it returns true. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  await waitForValue(async () => ((await check()) ? true : undefined), options);
}
