/** The micro-batcher: full batches at once, partial ones after the wait, nothing lost in between. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMicroBatcher } from './micro-batcher.js';

async function* trickle(values: number[], gapMs: number) {
  for (const v of values) {
    await new Promise((r) => setTimeout(r, gapMs));
    yield v;
  }
}

describe('micro-batcher', { timeout: 10_000 }, () => {
  it('fills batches up to the maximum from a fast source', async () => {
    const b = createMicroBatcher(trickle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0), {
      max: 4,
      maxWaitMs: 200,
    });
    assert.deepEqual(await b.next(), [0, 1, 2, 3]);
    assert.deepEqual(await b.next(), [4, 5, 6, 7]);
    assert.deepEqual(await b.next(), [8, 9]);
    assert.equal(await b.next(), null);
  });

  it('closes a batch after the wait and keeps the pending read for the next one', async () => {
    const b = createMicroBatcher(trickle([1, 2, 3, 4, 5], 30), { max: 100, maxWaitMs: 45 });
    const seen: number[] = [];
    let batches = 0;
    for (let batch = await b.next(); batch; batch = await b.next()) {
      batches++;
      seen.push(...batch);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.ok(batches >= 2, `several batches (${batches})`);
  });
});
