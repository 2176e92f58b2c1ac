/** The live hub: fan-out to every client, and a slow client is dropped without holding others up. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeFlow } from '@honeyproxy/protocol';
import { createLiveHub, SLOW_CLIENT_CLOSE, type LiveClient } from './live-hub.js';
import { sampleFlow } from '@honeyproxy/testkit';

class FakeClient implements LiveClient {
  bufferedAmount = 0;
  sent: string[] = [];
  closed: number | undefined;
  readonly sink: boolean;
  constructor(sink: boolean) {
    this.sink = sink;
  }
  send(data: string) {
    this.sent.push(data);
    if (!this.sink) this.bufferedAmount += data.length; // never drains
  }
  close(code?: number) {
    this.closed = code;
  }
}

describe('live hub', { timeout: 10_000 }, () => {
  it('sends each flow to every client and drops one that stops reading', () => {
    const hub = createLiveHub({ maxBufferedBytes: 2000 });
    const fast = new FakeClient(true);
    const slow = new FakeClient(false);
    hub.add(fast);
    hub.add(slow);
    const flow = summarizeFlow(sampleFlow().flow);
    for (let i = 0; i < 50; i++) hub.publish(flow);
    assert.equal(fast.sent.length, 50);
    assert.deepEqual(JSON.parse(fast.sent[0]!), { type: 'flow', flow });
    assert.equal(slow.closed, SLOW_CLIENT_CLOSE);
    assert.ok(slow.sent.length < 50);
    assert.equal(hub.size, 1);
  });

  it('stops sending after unsubscribe and closes everyone on close', () => {
    const hub = createLiveHub();
    const a = new FakeClient(true);
    const b = new FakeClient(true);
    const off = hub.add(a);
    hub.add(b);
    off();
    hub.publish(summarizeFlow(sampleFlow().flow));
    assert.equal(a.sent.length, 0);
    assert.equal(b.sent.length, 1);
    hub.close();
    assert.equal(b.closed, 1001);
    assert.equal(hub.size, 0);
  });
});
