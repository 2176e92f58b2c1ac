/**
 * Write-before-last-byte: a client has a complete response only once the sink has stored its flow
 * (the spool's write), over HTTP/1.1 keep-alive (Content-Length and chunked) and HTTP/2, and a sink
 * that refuses the flow does not keep the client waiting.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request, type IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import {
  BINARY,
  connectTunnel,
  createCleanupList,
  startCaptureOrigin,
  type Origin,
} from '@honeyproxy/testkit';
import type { CapturedFlow } from './flow-sink.js';
import { startTestSensor, type TestSensor } from './testing/in-process-sensor.js';
import { byUrl } from './testing/flow-bytes.js';

/** Flows whose storing the test decides: each waits until released (or refused). */
function gatedStore() {
  const gates = new Map<string, { release: () => void; refuse: (err: Error) => void }>();
  return {
    store(c: CapturedFlow): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        gates.set(c.flow.request.url, { release: resolve, refuse: reject });
      });
    },
    gate(url: string) {
      const gate = gates.get(url);
      assert.ok(gate, `a flow for ${url} waits to be stored`);
      return gate;
    },
  };
}

/** A GET through the proxy on `agent`; resolves at the response's end with its body. */
function get(proxyPort: number, url: string, agent: Agent) {
  const response = new Promise<{ res: IncomingMessage; body: Buffer; localPort: number }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: proxyPort,
          path: url,
          agent,
          headers: { host: new URL(url).host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('end', () =>
            resolve({ res, body: Buffer.concat(chunks), localPort: req.socket?.localPort ?? 0 }),
          );
          res.once('error', reject);
        },
      );
      req.once('error', reject);
      req.end();
    },
  );
  let ended = false;
  void response.then(
    () => (ended = true),
    () => undefined,
  );
  return { response, ended: () => ended };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('responses wait for their flow to be stored', { timeout: 60_000 }, () => {
  const cleanup = createCleanupList();
  const gated = gatedStore();
  let origin: Origin;
  let test: TestSensor;
  before(async () => {
    origin = await startCaptureOrigin();
    cleanup.add(() => origin.close());
    test = await startTestSensor(cleanup.add, { storeFlow: (c) => gated.store(c) });
  });
  after(() => cleanup.run());

  for (const route of ['/binary', '/chunked']) {
    it(`HTTP/1.1 keep-alive, ${route}: the last byte goes once the flow is stored`, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const url = `${origin.httpUrl}${route}?n=1`;
        const first = get(test.sensor.port, url, agent);
        await test.sink.waitFor(byUrl(url));
        await settle(150);
        assert.equal(first.ended(), false, 'no complete response before the flow is stored');
        gated.gate(url).release();
        const { body, localPort } = await first.response;
        if (route === '/binary') assert.deepEqual(body, BINARY);
        else assert.equal(body.toString(), 'part1,part2');

        // the connection goes on: the next exchange on it is held and released the same way
        const next = `${origin.httpUrl}${route}?n=2`;
        const second = get(test.sensor.port, next, agent);
        await test.sink.waitFor(byUrl(next));
        gated.gate(next).release();
        assert.equal((await second.response).localPort, localPort, 'same keep-alive connection');
      } finally {
        agent.destroy();
      }
    });
  }

  it('HTTP/2: the stream ends once the flow is stored', async () => {
    const socket = await connectTunnel(test.sensor.port, `localhost:${origin.httpsPort}`);
    const tls = tlsConnect({
      socket,
      servername: 'localhost',
      ca: test.sensor.caPem,
      ALPNProtocols: ['h2'],
    });
    await once(tls, 'secureConnect');
    const session = http2.connect(`https://localhost:${origin.httpsPort}`, {
      createConnection: () => tls,
    });
    try {
      const stream = session.request({ ':path': '/binary?h2-hold=1' });
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      let ended = false;
      const end = once(stream, 'end').then(() => (ended = true));
      const url = `${origin.httpsUrl}/binary?h2-hold=1`;
      await test.sink.waitFor(byUrl(url));
      await settle(150);
      assert.equal(ended, false, 'no END_STREAM before the flow is stored');
      gated.gate(url).release();
      await end;
      assert.deepEqual(Buffer.concat(chunks), BINARY);
    } finally {
      session.close();
    }
  });

  it('a sink that refuses the flow does not keep the client waiting', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `${origin.httpUrl}/binary?refused=1`;
      const exchange = get(test.sensor.port, url, agent);
      await test.sink.waitFor(byUrl(url));
      gated.gate(url).refuse(new Error('spool full'));
      assert.deepEqual((await exchange.response).body, BINARY);
    } finally {
      agent.destroy();
    }
  });

  it('a client that leaves while its response is held costs nothing but its own exchange', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = `${origin.httpUrl}/binary?left=1`;
    const exchange = get(test.sensor.port, url, agent);
    await test.sink.waitFor(byUrl(url));
    agent.destroy(); // the socket goes while the last bytes are held
    await exchange.response.catch(() => undefined);
    await settle(50);
    assert.equal(exchange.ended(), false, 'the client never had the whole response');
    gated.gate(url).release();
    // the sensor still answers
    const again = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const next = `${origin.httpUrl}/binary?left=2`;
      const second = get(test.sensor.port, next, again);
      await test.sink.waitFor(byUrl(next));
      gated.gate(next).release();
      assert.deepEqual((await second.response).body, BINARY);
    } finally {
      again.destroy();
    }
  });
});
