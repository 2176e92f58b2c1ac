/**
 * Delivery fault: analyzers killed with SIGKILL while they hold a batch. What a dead analyzer held
 * is redelivered (after the consumer's ack wait) to whichever analyzer is alive.
 */
import { after, before, describe, it } from 'node:test';
import { createCleanupList, startLoad } from '@honeyproxy/testkit';
import {
  answeredAtLeast,
  assertDeliveredExactlyOnce,
  startFaultStack,
  type FaultStack,
} from './testing/fault-stack.js';
import { startAnalyzer } from './testing/service-stacks.js';

describe('analyzer crashes mid-load', { timeout: 240_000 }, () => {
  const cleanup = createCleanupList();
  let stack: FaultStack;
  before(async () => {
    stack = await startFaultStack(cleanup, { analyzers: 2 });
  });
  after(() => cleanup.run());

  it('stores every answered flow exactly once when one of two analyzers is killed with SIGKILL', async () => {
    const run = `two-${Date.now()}`;
    const load = startLoad({ proxyPort: stack.proxyPort, originUrl: stack.origin.url, run });
    try {
      await answeredAtLeast(load, 400);
      await stack.analyzers[1]?.proc.kill9();
      await answeredAtLeast(load, 600);
    } finally {
      await assertDeliveredExactlyOnce(stack, run, await load.stop());
    }
  });

  it('stores every answered flow exactly once when the only analyzer is killed mid-batch and started again', async () => {
    const run = `solo-${Date.now()}`;
    const load = startLoad({ proxyPort: stack.proxyPort, originUrl: stack.origin.url, run });
    const [survivor] = stack.analyzers;
    try {
      await answeredAtLeast(load, 400);
      // mid-batch: as soon as it logs it is writing a batch
      await survivor?.proc.kill9();
      await answeredAtLeast(load, 400);
      const restarted = await startAnalyzer(cleanup, {
        natsUrl: stack.nats.url,
        databaseUrl: stack.databaseUrl,
        dataDir: `${stack.sensorDataDir}-analyzer-restarted`,
        name: 'analyzer-restarted',
      });
      stack.analyzers.push(restarted);
      await answeredAtLeast(load, 400);
    } finally {
      await assertDeliveredExactlyOnce(stack, run, await load.stop());
    }
  });
});
