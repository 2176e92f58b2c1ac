/**
 * The list window's live merge and coalescing: live flows land in (start, id) order at the live
 * edge without duplicates, the rest of the window is left as it was, and a stream of live flows
 * reaches the store at most once per interval.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowSummary, LiveMessage } from '@honeyproxy/protocol';
import { EMPTY_WINDOW, initialState } from './app-state.js';
import { createFlowWindow, mergeNewest, mergeOldest } from './flow-window.js';
import { DEFAULT_PREFS } from './prefs.js';
import { parseRoute } from './route.js';
import { Store } from './store.js';

function row(start: number, id = `id-${String(start).padStart(6, '0')}`): FlowSummary {
  return {
    id,
    sensorId: 's',
    mode: 'explicit',
    start,
    duration: null,
    method: 'GET',
    url: `http://h.test/${start}`,
    host: 'h.test',
    path: `/${start}`,
    status: 200,
    contentType: null,
    sniffedType: null,
    size: null,
    tls: false,
    clientIp: '10.0.0.1',
    serverIp: null,
    hostMismatch: false,
    error: null,
  };
}

const starts = (rows: readonly FlowSummary[]) => rows.map((r) => r.start);

describe('merging live flows into the window', () => {
  it('puts newer flows on top in order, and late ones where they belong', () => {
    const rows = [row(10), row(8), row(6), row(4)];
    assert.deepEqual(starts(mergeNewest(rows, [row(11), row(12)])), [12, 11, 10, 8, 6, 4]);
    assert.deepEqual(starts(mergeNewest(rows, [row(12), row(7)])), [12, 10, 8, 7, 6, 4]);
    assert.deepEqual(
      starts(mergeOldest([...rows].reverse(), [row(7), row(12)])),
      [4, 6, 7, 8, 10, 12],
    );
  });

  it('drops flows already in the window or twice in the batch, and keeps the array when nothing is new', () => {
    const rows = [row(10), row(8)];
    assert.equal(mergeNewest(rows, [row(10)]), rows);
    assert.equal(mergeNewest(rows, []), rows);
    assert.deepEqual(starts(mergeNewest(rows, [row(11), row(11), row(10)])), [11, 10, 8]);
    assert.equal(mergeOldest([...rows].reverse(), [row(8)]).length, 2);
  });

  it('leaves the rows below the merged part untouched (the same objects, in order)', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(10_000 - i));
    const merged = mergeNewest(rows, [row(20_000)]);
    assert.equal(merged.length, 1001);
    assert.ok(merged.slice(1).every((r, i) => r === rows[i]));
  });
});

describe('live flows reaching the store', () => {
  it('coalesces a stream into one update per interval, the first one at once', async () => {
    const store = new Store({ ...initialState(parseRoute(''), DEFAULT_PREFS), list: EMPTY_WINDOW });
    let onMessage: ((m: LiveMessage) => void) | undefined;
    const timers: { fn: () => void; wait: number }[] = [];
    const list = createFlowWindow({
      api: { listFlows: () => Promise.resolve({ flows: [row(1)], next: null, prev: null }) },
      store,
      createLive: (handlers) => {
        onMessage = handlers.onMessage;
        return { start() {}, close() {} };
      },
      defer: (fn, wait) => void timers.push({ fn, wait }),
      liveIntervalMs: 250,
    });
    list.start();
    await new Promise((r) => setTimeout(r, 0)); // the first page
    let updates = 0;
    store.subscribe((s, prev) => void (s.list !== prev.list && updates++));
    for (let i = 2; i < 50; i++) onMessage?.({ type: 'flow', flow: row(i) });
    assert.equal(timers.length, 1, 'one flush queued for the whole burst');
    assert.equal(timers[0]?.wait, 0, 'the first flow after a quiet spell is not held back');
    timers.shift()?.fn();
    assert.equal(updates, 1);
    assert.equal(store.state.list.rows.length, 49);
    onMessage?.({ type: 'flow', flow: row(60) });
    assert.ok((timers[0]?.wait ?? 0) > 200, 'the next batch waits for the interval');
    timers.shift()?.fn();
    assert.deepEqual(starts(store.state.list.rows.slice(0, 2)), [60, 49]);
    list.stop();
  });
});
