/**
 * Something a whole describe block uses (an origin and a sensor, an HTTP app): started in the
 * suite's `before` hook and cleaned up in its `after`. The returned getter is for tests and hooks;
 * called while the suite is still being defined it throws rather than hand out undefined.
 */
import { after, before } from 'node:test';
import { createCleanupList, type CleanupList } from './cleanup-list.js';

export function suiteResource<T>(start: (cleanup: CleanupList) => Promise<T>): () => T {
  const cleanup = createCleanupList();
  let value: { current: T } | undefined;
  before(async () => {
    value = { current: await start(cleanup) };
  });
  after(() => cleanup.run());
  return () => {
    if (!value) throw new Error('a suite resource was used before the suite started it');
    return value.current;
  };
}
