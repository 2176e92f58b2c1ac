/**
 * flowMessageJson writes what JSON.stringify writes (same value, same escaping), the decoder
 * accepts it, hostile strings and odd numbers included, and it keeps up with the schema.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FlowMessage,
  flowMessageCodec,
  flowMessageJson,
  type FlowMessage as Flow,
} from './index.js';

const SHA = 'ab'.repeat(32);

/** Every optional field present, every body form. */
function maximal(): Flow {
  return {
    v: 1,
    flowId: '01936b2e-7c4a-7000-8000-000000000001',
    sensorId: 'gw-1',
    mode: 'transparent',
    ts: {
      start: 1700000000000.5,
      requestEnd: 1700000000001,
      responseStart: 1700000000002.25,
      end: 1700000000010.125,
    },
    client: { ip: '10.0.0.5', port: 50000 },
    server: {
      ip: '192.0.2.1',
      port: 443,
      host: 'example.test',
      sni: 'example.test',
      hostMismatch: true,
    },
    tls: {
      version: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      alpn: 'h2',
      ja3: 'abc',
      ja4: 't13d',
      upstream: {
        version: 'TLSv1.3',
        cipher: 'TLS_AES_256_GCM_SHA384',
        alpn: 'http/1.1',
        authorized: false,
        authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN',
        certificates: [
          {
            subject: 'CN=example.test',
            issuer: 'CN=evil CA',
            san: ['example.test', '*.example.test'],
            serialNumber: '01',
            notBefore: '2024-01-01T00:00:00.000Z',
            notAfter: '2034-01-01T00:00:00.000Z',
            sha256: Array.from({ length: 32 }, () => 'AB').join(':'),
            pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
          },
        ],
      },
    },
    request: {
      method: 'POST',
      url: 'https://example.test/upload?x=1',
      httpVersion: '2.0',
      headers: [
        [':method', 'POST'],
        ['content-type', 'application/octet-stream'],
      ],
      body: { len: 10, capturedLen: 4, sha256: SHA, truncated: true, inline: 'AAECAw==' },
    },
    response: {
      status: 502,
      reason: 'Bad Gateway',
      httpVersion: '1.1',
      headers: [['Content-Length', '300000']],
      body: {
        len: 300000,
        capturedLen: 300000,
        sha256: SHA,
        truncated: false,
        ref: `BODIES/${SHA}`,
      },
    },
    error: { kind: 'upstream-unreachable', code: 'ECONNRESET', message: 'socket hang up' },
    anomalies: ['upstream-aborted-mid-response', 'host-sni-differ'],
  };
}

/** A failed exchange: no response, no tls, empty lists, no optional ts or server fields. */
function minimal(): Flow {
  return {
    v: 1,
    flowId: '01936b2e-7c4a-7000-8000-000000000002',
    sensorId: 'gw-1',
    mode: 'explicit',
    ts: { start: 0 },
    client: { ip: '', port: 0 },
    server: { port: 0 },
    request: { method: '', url: '', httpVersion: '', headers: [], body: null },
    error: { kind: 'client-abort', message: 'gone' },
    anomalies: [],
  };
}

const sameAsBuiltin = (flow: Flow) => {
  const text = flowMessageJson(flow);
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(flow)));
  return text;
};

/** Property names anywhere in a JSON schema. */
function schemaKeys(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const s of schema) schemaKeys(s, into);
  } else if (schema && typeof schema === 'object') {
    const s = schema as Record<string, unknown>;
    if (s.properties && typeof s.properties === 'object') {
      for (const [key, sub] of Object.entries(s.properties)) {
        into.add(key);
        schemaKeys(sub, into);
      }
    }
    for (const k of ['anyOf', 'oneOf', 'allOf', 'items', 'prefixItems']) schemaKeys(s[k], into);
  }
  return into;
}

describe('flow message JSON', () => {
  it('is the same value as JSON.stringify, and the decoder takes it', () => {
    for (const flow of [maximal(), minimal()]) {
      const text = sameAsBuiltin(flow);
      assert.deepEqual(flowMessageCodec.decodeJson(new TextEncoder().encode(text)), flow);
    }
  });

  it('writes every property the schema has', () => {
    const written = Object.keys(JSON.parse(flowMessageJson(maximal())) as object);
    const all = new Set<string>();
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, sub] of Object.entries(v)) {
          all.add(k);
          walk(sub);
        }
    };
    walk(JSON.parse(flowMessageJson(maximal())));
    const missing = [...schemaKeys(FlowMessage)].filter((k) => !all.has(k));
    // 'inline' and 'ref' are alternatives: the maximal flow has one of each
    assert.deepEqual(missing, [], `schema properties not written: ${missing.join(', ')}`);
    assert.ok(written.includes('error'));
  });

  it('escapes hostile strings exactly as JSON.stringify does', () => {
    const hostile = [
      '\ud800', // lone high surrogate
      'x\udfffy', // lone low surrogate
      '\ud83d\ude00', // a pair (kept as is)
      '\u0000\u0001\u001f\u007f', // control characters and DEL
      '"quoted" \\back\\slash\\',
      '\u2028\u2029', // line separators (valid in JSON strings)
      'Ünïcödé ✓ 中文',
      '</script><!--',
    ];
    for (const s of hostile) {
      const flow = maximal();
      flow.request.url = s;
      flow.request.headers = [[s, s]];
      flow.anomalies = [s];
      flow.server.host = s;
      if (flow.error) flow.error.message = s;
      const text = sameAsBuiltin(flow);
      assert.ok(
        text.includes(`"url":${JSON.stringify(s)}`),
        `url escaped like JSON.stringify: ${JSON.stringify(s)}`,
      );
      flowMessageCodec.decodeJson(new TextEncoder().encode(text));
    }
  });

  it('writes numbers as JSON.stringify does, huge and non-finite ones too', () => {
    for (const n of [Number.MAX_SAFE_INTEGER + 2, 1e21, 1.7976931348623157e308, 5e-324, -0]) {
      const flow = minimal();
      flow.ts.start = n;
      const text = sameAsBuiltin(flow);
      assert.ok(text.includes(`"start":${JSON.stringify(n)}`), String(n));
    }
    for (const n of [Number.NaN, Infinity, -Infinity]) {
      const flow = minimal();
      flow.ts.start = n;
      flow.client.port = n;
      // invalid flows, but the text stays JSON (null, like JSON.stringify) and the decoder says no
      const text = sameAsBuiltin(flow);
      assert.throws(() => flowMessageCodec.decodeJson(new TextEncoder().encode(text)));
    }
  });
});
