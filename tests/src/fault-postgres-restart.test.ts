/**
 * Delivery fault: PostgreSQL restarts in the middle of a steady load (a private cluster, so other
 * tests' database is untouched). The analyzer does not ack what it could not store, retries with
 * back-off, and stores everything once Postgres is back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCleanupList, startLoad } from '@honeyproxy/testkit';
import {
  answeredAtLeast,
  assertDeliveredExactlyOnce,
  startFaultStack,
  type FaultStack,
} from './testing/fault-stack.js';

describe('Postgres restart mid-load', { timeout: 240_000 }, () => {
  const cleanup = createCleanupList();
  let stack: FaultStack;
  before(async () => {
    stack = await startFaultStack(cleanup, { privatePostgres: true });
  });
  after(() => cleanup.run());

  it('stores every answered flow exactly once when Postgres is down for 5 s mid-load', async () => {
    const run = `pg-${Date.now()}`;
    const load = startLoad({ proxyPort: stack.proxyPort, originUrl: stack.origin.url, run });
    try {
      await answeredAtLeast(load, 400);
      await stack.postgres?.stop();
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await stack.postgres?.start();
      await answeredAtLeast(load, 400);
    } finally {
      await assertDeliveredExactlyOnce(stack, run, await load.stop());
    }
    for (const analyzer of stack.analyzers)
      assert.equal(analyzer.proc.exit(), null, `${analyzer.proc.name} survived the outage`);
  });
});
