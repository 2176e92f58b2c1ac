/** Behaviour of the flow message codec: what is accepted, and that rejections name the field. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  flowMessageCodec,
  DecodeError,
  summarizeFlow,
  sensorIdFromSubject,
  flowSubject,
} from './index.js';
import type { FlowMessage } from './index.js';

function sample(): FlowMessage {
  return {
    v: 1,
    flowId: '01936b2e-7c4a-7000-8000-000000000001',
    sensorId: 'gw-1',
    mode: 'explicit',
    ts: { start: 1700000000000.5, end: 1700000000010.25 },
    client: { ip: '127.0.0.1', port: 50000 },
    server: { ip: '127.0.0.1', port: 80, host: 'example.test' },
    request: {
      method: 'GET',
      url: 'http://example.test/a?b=1',
      httpVersion: '1.1',
      headers: [
        ['Host', 'example.test'],
        ['X-Dup', '1'],
        ['x-dup', '2'],
      ],
      body: null,
    },
    response: {
      status: 200,
      reason: 'OK',
      httpVersion: '1.1',
      headers: [['Content-Type', 'text/html; charset=utf-8']],
      body: { len: 2, capturedLen: 2, sha256: 'a'.repeat(64), truncated: false, inline: 'aGk=' },
    },
    anomalies: [],
  };
}

describe('flow message codec', () => {
  it('accepts a well-formed flow', () => {
    const flow = sample();
    assert.deepEqual(flowMessageCodec.decodeJson(JSON.stringify(flow)), flow);
  });

  it('names the offending field', () => {
    const flow = { ...sample(), sensorId: 'a.b' };
    assert.throws(
      () => flowMessageCodec.decode(flow),
      (err: unknown) => err instanceof DecodeError && err.path === '/sensorId',
    );
  });

  it('rejects an oversized method', () => {
    const flow = sample();
    flow.request.method = 'X'.repeat(65);
    assert.throws(() => flowMessageCodec.decode(flow), DecodeError);
  });

  it('rejects unknown fields and non-JSON payloads', () => {
    assert.throws(() => flowMessageCodec.decode({ ...sample(), extra: 1 }), DecodeError);
    assert.throws(() => flowMessageCodec.decodeJson(new Uint8Array([0xff, 0xfe])), DecodeError);
  });

  it('rejects a body ref that is not a sha256 name', () => {
    const flow = sample();
    flow.request.body = {
      len: 1,
      capturedLen: 1,
      sha256: 'b'.repeat(64),
      truncated: false,
      ref: 'BODIES/../x',
    };
    assert.throws(() => flowMessageCodec.decode(flow), DecodeError);
  });
});

describe('flow summary', () => {
  it('derives the table row', () => {
    const s = summarizeFlow(sample());
    assert.equal(s.host, 'example.test');
    assert.equal(s.path, '/a?b=1');
    assert.equal(s.contentType, 'text/html');
    assert.equal(s.size, 2);
    assert.equal(s.duration, 9.75);
  });
});

describe('subjects', () => {
  it('round-trips the sensor id and refuses other subjects', () => {
    assert.equal(sensorIdFromSubject(flowSubject('gw-1')), 'gw-1');
    assert.equal(sensorIdFromSubject('honeyproxy.flows.v1.a.b'), null);
    assert.equal(sensorIdFromSubject('other.subject'), null);
  });
});
