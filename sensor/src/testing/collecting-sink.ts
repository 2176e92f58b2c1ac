/**
 * A FlowSink for tests that keeps every flow in memory and lets a test wait for the one it expects.
 */
import type { CapturedFlow, FlowSink } from '../flow-sink.js';

export interface CollectingSink extends FlowSink {
  readonly flows: CapturedFlow[];
  /** Resolves with the first flow (already collected or future) matching `match`. */
  waitFor(match: (c: CapturedFlow) => boolean, timeoutMs?: number): Promise<CapturedFlow>;
}

export function createCollectingSink(): CollectingSink {
  const flows: CapturedFlow[] = [];
  const waiters = new Set<{
    match: (c: CapturedFlow) => boolean;
    resolve: (c: CapturedFlow) => void;
  }>();
  return {
    flows,
    write(c) {
      flows.push(c);
      for (const waiter of waiters) {
        if (waiter.match(c)) {
          waiters.delete(waiter);
          waiter.resolve(c);
        }
      }
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
    waitFor(match, timeoutMs = 10_000) {
      const found = flows.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (c: CapturedFlow) => {
            clearTimeout(timer);
            resolve(c);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching flow within ${timeoutMs} ms (${flows.length} collected)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
