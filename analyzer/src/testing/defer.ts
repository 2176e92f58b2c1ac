/**
 * Cleanup in reverse order of creation (node:test runs `after` hooks first-in first-out, but a
 * consumer must stop before its connection closes, and a connection before its server).
 */
import type { TestContext } from 'node:test';

export function deferrer(t: TestContext): (fn: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  t.after(async () => {
    for (const step of steps.reverse()) await step();
  });
  return (fn) => void steps.push(fn);
}
