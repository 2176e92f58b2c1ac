/** Flow ids are UUIDv7 and sort in creation order. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newFlowId } from './flow-id.js';

describe('flow ids', { timeout: 60_000 }, () => {
  it('are unique UUIDv7 in creation order, with the current time', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5000 }, () => newFlowId());
    assert.ok(
      ids.every((id) =>
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id),
      ),
    );
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    const ms = parseInt((ids[0] ?? '').replace(/-/g, '').slice(0, 12), 16);
    assert.ok(ms >= before && ms <= Date.now() + 1);
  });
});
