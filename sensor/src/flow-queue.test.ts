/** The in-memory backlog: order, retries, and what happens at its limits. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { flowMessageCodec } from '@honeyproxy/protocol';
import { createMemoryFlowQueue } from './flow-queue.js';
import { sampleFlow } from './testing/sample-flow.js';

describe('memory flow queue', { timeout: 60_000 }, () => {
  it('hands flows out oldest first and takes a failed one back to the front', async () => {
    const queue = createMemoryFlowQueue();
    const [a, b] = await Promise.all([sampleFlow(), sampleFlow()]);
    assert.equal(queue.push(a), 'queued');
    assert.equal(queue.push(b), 'queued');
    const first = queue.take();
    assert.equal(first?.flowId, a.flow.flowId);
    assert.deepEqual(flowMessageCodec.decodeJson(first?.payload ?? new Uint8Array()), a.flow);
    assert.ok(first);
    queue.release(first);
    assert.equal(queue.take()?.flowId, a.flow.flowId);
    assert.equal(queue.depth, 2, 'taken flows count until acknowledged');
    queue.ack(first);
    assert.equal(queue.depth, 1);
  });

  it('keeps a flow without its large bodies past the byte budget, and says so', async () => {
    const queue = createMemoryFlowQueue({ maxBytes: 200 * 1024 });
    const big = await sampleFlow({ responseBody: randomBytes(300 * 1024) });
    assert.equal(queue.push(big), 'degraded');
    const kept = queue.take();
    assert.equal(kept?.bodies.size, 0);
    const flow = flowMessageCodec.decodeJson(kept?.payload ?? new Uint8Array());
    assert.equal(flow.response?.body, null);
    assert.ok(flow.anomalies.some((a) => a.startsWith('response-body-dropped:len=307200,sha256=')));
  });

  it('refuses flows past its count limit', async () => {
    const queue = createMemoryFlowQueue({ maxFlows: 1 });
    assert.equal(queue.push(await sampleFlow()), 'queued');
    assert.equal(queue.push(await sampleFlow()), 'rejected');
    assert.equal(queue.depth, 1);
  });
});
