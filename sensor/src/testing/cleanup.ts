/**
 * Cleanups registered from inside a `before` hook (where node:test's `after` would attach to the
 * hook itself): collect them, then run them newest first from the suite's `after`.
 */
export interface CleanupList {
  add(fn: () => Promise<void> | void): void;
  run(): Promise<void>;
}

export function createCleanupList(): CleanupList {
  const fns: (() => Promise<void> | void)[] = [];
  return {
    add: (fn) => void fns.push(fn),
    async run() {
      const errors: unknown[] = [];
      for (const fn of fns.splice(0).reverse()) {
        try {
          await fn();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw errors[0];
    },
  };
}
