/**
 * Cleanups registered while a suite's `before` hook builds its stack (node:test's `after` there
 * would attach to the hook itself): collected, then run newest first from the suite's `after`, so
 * processes stop before the NATS server, database and temp dirs they use go away.
 */
export interface CleanupList {
  /** A function property, not a method: `cleanup.add` can be handed on as a callback. */
  add: (fn: () => unknown) => void;
  run(): Promise<void>;
}

export function createCleanupList(): CleanupList {
  const fns: (() => unknown)[] = [];
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
