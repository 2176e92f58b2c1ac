/** The live WebSocket: authentication (Basic or single-use ticket), same-origin, and flow delivery. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import {
  liveMessageCodec,
  liveTicketCodec,
  summarizeFlow,
  type LiveMessage,
} from '@honeyproxy/protocol';
import { basic, httpFixtureSuite, VIEWER } from '../testing/http-fixture.js';
import { sampleFlow } from '@honeyproxy/testkit';

interface LiveSocket {
  ws: WebSocket;
  /** The next message (queued from the start: the server may send before 'open' is handled). */
  next(): Promise<LiveMessage>;
}

/** Resolves with the open socket, or rejects with the HTTP status the upgrade got. */
function connect(url: string, headers: Record<string, string> = {}): Promise<LiveSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const queue: LiveMessage[] = [];
    const waiting: ((m: LiveMessage) => void)[] = [];
    ws.on('message', (data: Buffer) => {
      const message = liveMessageCodec.decodeJson(data.toString('utf8'));
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    });
    const next = () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise<LiveMessage>((r) => waiting.push(r));
    };
    ws.once('open', () => resolve({ ws, next }));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(Object.assign(new Error(`status ${res.statusCode ?? 0}`), { status: res.statusCode }));
    });
    ws.once('error', reject);
  });
}

describe('live WebSocket', { timeout: 60_000 }, () => {
  let base: string;
  let host: string;
  const fx = httpFixtureSuite(async ({ app }) => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    host = `127.0.0.1:${port}`;
    base = `ws://${host}/api/live`;
  });

  const ticket = async () =>
    liveTicketCodec.decode(
      (
        await fx().app.inject({
          url: '/api/live/ticket',
          headers: { authorization: basic(VIEWER) },
        })
      ).json(),
    ).ticket;

  it('refuses an upgrade without credentials, with a bad ticket, or from another origin', async () => {
    await assert.rejects(connect(base), { status: 401 });
    await assert.rejects(connect(`${base}?ticket=forged`), { status: 401 });
    await assert.rejects(
      connect(base, { authorization: basic(VIEWER), origin: 'https://evil.example' }),
      { status: 403 },
    );
    await assert.rejects(
      connect(`${base}?ticket=${await ticket()}`, { origin: 'http://evil.example' }),
      { status: 403 },
    );
  });

  it('accepts a ticket once, then streams each new flow from the hub', async () => {
    const t = await ticket();
    const live = await connect(`${base}?ticket=${encodeURIComponent(t)}`, {
      origin: `http://${host}`,
    });
    try {
      assert.deepEqual(await live.next(), { type: 'hello' });
      const flow = summarizeFlow(sampleFlow().flow);
      fx().hub.publish(flow);
      assert.deepEqual(await live.next(), { type: 'flow', flow });
    } finally {
      live.ws.close();
    }
    await assert.rejects(
      connect(`${base}?ticket=${encodeURIComponent(t)}`),
      { status: 401 },
      'a ticket is single-use',
    );
  });

  it('accepts Basic credentials from a non-browser client (no Origin)', async () => {
    const live = await connect(base, { authorization: basic(VIEWER) });
    assert.deepEqual(await live.next(), { type: 'hello' });
    const closed = new Promise((resolve) => live.ws.once('close', resolve));
    live.ws.close();
    await closed;
  });
});
