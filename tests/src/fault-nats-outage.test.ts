/**
 * Delivery fault: NATS goes away for 20+ seconds in the middle of a steady load and comes back.
 * The sensor keeps answering honeypots and holds every flow until JetStream takes it.
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

const OUTAGE_MS = 21_000;

describe('NATS outage mid-load', { timeout: 240_000 }, () => {
  const cleanup = createCleanupList();
  let stack: FaultStack;
  before(async () => {
    stack = await startFaultStack(cleanup);
  });
  after(() => cleanup.run());

  it('stores every answered flow exactly once after NATS was stopped for 20 s and started again', async () => {
    const run = `nats-${Date.now()}`;
    const load = startLoad({
      proxyPort: stack.proxyPort,
      originUrl: stack.origin.url,
      run,
      ratePerWorker: 60,
    });
    try {
      await answeredAtLeast(load, 300);
      await stack.nats.stop();
      const before = load.answeredCount;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const during = load.answeredCount - before;
      assert.ok(during > 500, `the sensor kept answering while NATS was away (${during})`);
      await stack.nats.start();
      await answeredAtLeast(load, 300);
    } finally {
      const result = await load.stop();
      await assertDeliveredExactlyOnce(stack, run, result);
    }
    assert.equal(stack.sensor.exit(), null, 'the sensor is still running');
  });
});
