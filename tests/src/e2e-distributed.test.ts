/**
 * End to end, distributed: curl and Node clients → sensor process → private nats-server (JetStream,
 * BODIES) → analyzer process → temp PostgreSQL → REST API. Every captured exchange must come back
 * from the API with the exact bytes, headers, status, timings, addresses and certificates.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { BODIES_BUCKET, FLOW_PAGE_MAX, type FlowRecord } from '@honeyproxy/protocol';
import {
  BIG,
  BINARY,
  CHUNKS,
  DUP_HEADERS,
  DUP_REASON,
  DUP_STATUS,
  GZIPPED,
  GZIP_TEXT,
  TEXT,
  abortAfterFirstChunk,
  createCleanupList,
  curl,
  freePort,
  httpsViaProxy,
  startCaptureOrigin,
  viaProxy,
  waitForValue,
} from '@honeyproxy/testkit';
import { startDistributedStack, type DistributedStack } from './testing/service-stacks.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
let sequence = 0;
/** The same route under a URL no other test uses. */
const unique = (base: string, path: string) =>
  `${base}${path}?case=${++sequence}-${randomBytes(4).toString('hex')}`;

function assertTimings(flow: FlowRecord): void {
  const { start, requestEnd, responseStart, end } = flow.ts;
  assert.ok(
    requestEnd !== undefined && responseStart !== undefined && end !== undefined,
    `timings: ${JSON.stringify(flow.ts)}`,
  );
  assert.ok(
    start <= requestEnd && requestEnd <= responseStart && responseStart <= end,
    `ordered: ${JSON.stringify(flow.ts)}`,
  );
  assert.ok(Math.abs(start - Date.now()) < 120_000, 'start is an epoch time of this test');
}

/** Header pairs named `names` (case-insensitive), in recorded order. */
const pick = (headers: readonly (readonly [string, string])[], ...names: string[]) =>
  headers.filter(([name]) => names.includes(name.toLowerCase()));

describe(
  'distributed capture: sensor → NATS → analyzer → PostgreSQL → API',
  { timeout: 150_000 },
  () => {
    const cleanup = createCleanupList();
    let stack: DistributedStack;
    let sensorCa: string;
    before(async () => {
      stack = await startDistributedStack(cleanup);
      sensorCa = await readFile(stack.sensorCaPath, 'utf8');
    });
    after(() => cleanup.run());

    it('answers /healthz without credentials, refuses the API without them, and serves the CA from the heartbeat', async () => {
      const { api } = stack;
      assert.equal((await api.get('/healthz', null)).status, 200);
      assert.equal((await api.get('/api/flows', null)).status, 401);
      assert.equal(
        (await api.get('/api/flows', { user: 'admin', password: 'not-the-password' })).status,
        401,
      );
      const ca = await waitForValue(
        async () => {
          const res = await api.get('/api/ca.pem');
          return res.status === 200 ? res.body.toString('utf8') : undefined;
        },
        { what: 'the CA from the sensor heartbeat' },
      );
      assert.equal(ca, sensorCa, '/api/ca.pem is the sensor CA file');
      assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    });

    it('captures HTTP through curl -x with the exact bytes, status, addresses and timings', async () => {
      const url = unique(stack.origin.httpUrl, '/binary');
      const res = await curl(['-x', `http://127.0.0.1:${stack.proxyPort}`, url]);
      assert.equal(res.code, 0, res.stderr);
      assert.ok(res.stdout.equals(BINARY), 'curl got the origin bytes');

      const flow = await stack.api.waitForFlow((f) => f.url === url, url);
      assert.equal(flow.sensorId, stack.sensorId);
      assert.equal(flow.mode, 'explicit');
      assert.equal(flow.request.method, 'GET');
      assert.equal(flow.request.url, url);
      assert.equal(flow.request.body, null);
      assert.match(pick(flow.request.headers, 'user-agent')[0]?.[1] ?? '', /^curl\//);
      assert.equal(flow.response?.status, 200);
      assert.equal(flow.response?.reason, 'OK');
      assert.deepEqual(flow.response?.body, {
        len: BINARY.length,
        capturedLen: BINARY.length,
        sha256: sha256(BINARY),
        truncated: false,
      });
      assert.ok(
        (await stack.api.body(flow.flowId, 'response')).equals(BINARY),
        'raw body from the API',
      );
      assert.equal(flow.client.ip, '127.0.0.1');
      assert.equal(flow.server.ip, '127.0.0.1');
      assert.equal(flow.server.port, stack.origin.httpPort);
      assert.equal(flow.tls, undefined);
      assert.equal(flow.error, undefined);
      assertTimings(flow);
    });

    it('captures HTTPS through curl -x: raw gzip bytes, decoded on request, the trusted server certificate', async () => {
      const url = unique(stack.origin.httpsUrl, '/gzip');
      const res = await curl([
        '-x',
        `http://127.0.0.1:${stack.proxyPort}`,
        '--cacert',
        stack.sensorCaPath,
        url,
      ]);
      assert.equal(res.code, 0, res.stderr);
      assert.ok(res.stdout.equals(GZIPPED), 'curl (without --compressed) got the gzip bytes');

      const flow = await stack.api.waitForFlow((f) => f.url === url, url);
      assert.equal(flow.response?.status, 200);
      assert.deepEqual(pick(flow.response?.headers ?? [], 'content-encoding'), [
        ['Content-Encoding', 'gzip'],
      ]);
      assert.equal(flow.response?.body?.sha256, sha256(GZIPPED));
      assert.ok((await stack.api.body(flow.flowId, 'response')).equals(GZIPPED), 'raw stays gzip');
      assert.equal(
        (await stack.api.body(flow.flowId, 'response', true)).toString('utf8'),
        GZIP_TEXT,
        '?decoded=1 is the text',
      );

      // the certificate the origin really presents, read directly
      const direct = await new Promise<X509Certificate>((resolve, reject) => {
        const socket = tlsConnect(
          {
            host: '127.0.0.1',
            port: stack.origin.httpsPort,
            servername: 'localhost',
            ca: stack.origin.caPem,
          },
          () => {
            resolve(new X509Certificate(socket.getPeerCertificate().raw));
            socket.end();
          },
        );
        socket.once('error', reject);
      });
      const upstream = flow.tls?.upstream;
      assert.ok(upstream, 'upstream TLS recorded');
      assert.equal(
        upstream.authorized,
        true,
        `the sensor trusts the origin CA (NODE_EXTRA_CA_CERTS): ${upstream.authorizationError ?? ''}`,
      );
      assert.equal(upstream.authorizationError, undefined);
      assert.match(upstream.version ?? '', /^TLSv1\.[23]$/);
      const leaf = upstream.certificates[0];
      assert.ok(leaf);
      assert.match(leaf.subject, /CN=localhost/);
      assert.ok(leaf.san.includes('DNS:localhost'), leaf.san.join());
      assert.equal(leaf.sha256, direct.fingerprint256);
      assert.equal(leaf.pem.trim(), direct.toString().trim());
      assert.equal(flow.server.sni, 'localhost');
      assert.equal(flow.server.port, stack.origin.httpsPort);
      assert.match(flow.tls?.version ?? '', /^TLSv1\.[23]$/, 'client-side TLS');
      assertTimings(flow);
    });

    it('captures request bodies and exact client ports from a Node client, over HTTP and HTTPS (BODIES for > 64 KiB)', async () => {
      const small = randomBytes(20_000);
      const httpUrl = unique(stack.origin.httpUrl, '/echo');
      const headers = [
        'Host',
        new URL(httpUrl).host,
        'X-Dup',
        '1',
        'Content-Type',
        'application/x-test',
        'x-dup',
        '2',
        'Content-Length',
        String(small.length),
      ];
      const viaHttp = await viaProxy(stack.proxyPort, httpUrl, {
        method: 'POST',
        headers,
        body: small,
      });
      assert.ok(viaHttp.body.equals(small));

      const large = randomBytes(100 * 1024);
      const httpsUrl = unique(stack.origin.httpsUrl, '/echo');
      const viaHttps = await httpsViaProxy(stack.proxyPort, httpsUrl, sensorCa, {
        method: 'PUT',
        headers: ['Host', new URL(httpsUrl).host, 'Content-Length', String(large.length)],
        body: large,
      });
      assert.ok(viaHttps.body.equals(large));

      const h = await stack.api.waitForFlow((f) => f.url === httpUrl, httpUrl);
      assert.equal(h.request.method, 'POST');
      assert.deepEqual(
        pick(h.request.headers, 'x-dup'),
        [
          ['X-Dup', '1'],
          ['x-dup', '2'],
        ],
        'duplicates in order, case kept',
      );
      assert.deepEqual(h.request.body, {
        len: small.length,
        capturedLen: small.length,
        sha256: sha256(small),
        truncated: false,
      });
      assert.ok((await stack.api.body(h.flowId, 'request')).equals(small));
      assert.ok((await stack.api.body(h.flowId, 'response')).equals(small));
      assert.deepEqual(h.client, { ip: '127.0.0.1', port: viaHttp.localPort });
      assertTimings(h);

      const s = await stack.api.waitForFlow((f) => f.url === httpsUrl, httpsUrl);
      assert.equal(s.request.method, 'PUT');
      assert.equal(s.request.body?.len, large.length);
      assert.ok(
        (await stack.api.body(s.flowId, 'request')).equals(large),
        'request body through BODIES',
      );
      assert.ok((await stack.api.body(s.flowId, 'response')).equals(large));
      assert.deepEqual(s.client, { ip: '127.0.0.1', port: viaHttps.localPort });
      assert.equal(s.tls?.upstream?.authorized, true);
      assertTimings(s);
    });

    it('captures chunked, empty, and duplicate-header responses with status and reason', async () => {
      const chunkedUrl = unique(stack.origin.httpUrl, '/chunked');
      const emptyUrl = unique(stack.origin.httpsUrl, '/empty');
      const dupsUrl = unique(stack.origin.httpsUrl, '/dups');
      const [chunked, empty, dups] = await Promise.all([
        viaProxy(stack.proxyPort, chunkedUrl),
        httpsViaProxy(stack.proxyPort, emptyUrl, sensorCa),
        httpsViaProxy(stack.proxyPort, dupsUrl, sensorCa),
      ]);
      assert.equal(chunked.body.toString(), CHUNKS.join(''));
      assert.equal(empty.status, 204);
      assert.equal(dups.status, DUP_STATUS);
      assert.equal(dups.reason, DUP_REASON, 'the client got the odd reason through the sensor');

      const c = await stack.api.waitForFlow((f) => f.url === chunkedUrl, chunkedUrl);
      assert.deepEqual(pick(c.response?.headers ?? [], 'content-length', 'transfer-encoding'), [
        ['Transfer-Encoding', 'chunked'],
      ]);
      assert.equal((await stack.api.body(c.flowId, 'response')).toString(), CHUNKS.join(''));
      assert.equal(c.response?.body?.len, CHUNKS.join('').length);
      assertTimings(c);

      const e = await stack.api.waitForFlow((f) => f.url === emptyUrl, emptyUrl);
      assert.equal(e.response?.status, 204);
      assert.equal(e.response?.reason, 'No Content');
      assert.equal(e.response?.body, null, 'no bytes: no body');
      assert.equal((await stack.api.get(`/api/flows/${e.flowId}/response/body`)).status, 404);

      const d = await stack.api.waitForFlow((f) => f.url === dupsUrl, dupsUrl);
      assert.equal(d.response?.status, DUP_STATUS);
      assert.equal(d.response?.reason, DUP_REASON);
      assert.deepEqual(
        pick(d.response?.headers ?? [], 'x-dup', 'set-cookie', 'content-length'),
        DUP_HEADERS,
      );
      assert.equal((await stack.api.body(d.flowId, 'response')).toString(), 'ok');
    });

    it('moves a 5 MiB body through the BODIES object store and serves it byte-exact', async () => {
      // past the sensor's 1 MiB spill threshold: captured to a file in its spool dir, linked by
      // the spool, streamed from the file into BODIES (sensor/src/body-spill.ts)
      const url = unique(stack.origin.httpUrl, '/big');
      const res = await viaProxy(stack.proxyPort, url);
      assert.ok(res.body.equals(BIG));
      const flow = await stack.api.waitForFlow((f) => f.url === url, url, 30_000);
      assert.deepEqual(flow.response?.body, {
        len: BIG.length,
        capturedLen: BIG.length,
        sha256: sha256(BIG),
        truncated: false,
      });
      const stored = await stack.api.body(flow.flowId, 'response');
      assert.equal(stored.length, BIG.length);
      assert.equal(sha256(stored), sha256(BIG));

      const nc = await connect({ servers: stack.nats.url });
      try {
        const info = await (await jetstreamManager(nc)).streams.info(`OBJ_${BODIES_BUCKET}`);
        assert.ok(
          info.state.bytes >= BIG.length,
          `the BODIES bucket holds ${info.state.bytes} bytes`,
        );
      } finally {
        await nc.close();
      }
    });

    it('records an upstream whose certificate the sensor does not trust: authorized false, with the reason', async () => {
      const untrusted = await startCaptureOrigin(); // its own new CA, not in NODE_EXTRA_CA_CERTS
      try {
        const url = unique(untrusted.httpsUrl, '/text');
        const res = await httpsViaProxy(stack.proxyPort, url, sensorCa);
        assert.equal(res.body.toString(), TEXT, 'recorded, never refused');
        const flow = await stack.api.waitForFlow((f) => f.url === url, url);
        const upstream = flow.tls?.upstream;
        assert.ok(upstream);
        assert.equal(upstream.authorized, false);
        assert.match(
          upstream.authorizationError ?? '',
          /UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify/i,
        );
        assert.match(upstream.certificates[0]?.issuer ?? '', /HoneyProxy Test Origin CA/);
      } finally {
        await untrusted.close();
      }
    });

    it('records an unreachable upstream as a flow with the error', async () => {
      const closed = await freePort();
      const url = `http://127.0.0.1:${closed}/nobody-home?case=${randomBytes(4).toString('hex')}`;
      await assert.rejects(viaProxy(stack.proxyPort, url), 'the client sees the connection fail');
      const flow = await stack.api.waitForFlow((f) => f.url === url, url);
      assert.equal(flow.error?.kind, 'upstream-unreachable');
      assert.equal(flow.error?.code, 'ECONNREFUSED');
      assert.equal(flow.response, undefined);
      assert.equal(flow.server.port, closed);
      const summary = (await stack.api.flows('?limit=50')).flows.find((f) => f.id === flow.flowId);
      assert.equal(summary?.error, 'upstream-unreachable');
      assert.equal(summary?.status, null);
    });

    it('records a client that aborts mid-response as client-abort, with the bytes it had received', async () => {
      const url = unique(stack.origin.httpUrl, '/stall');
      await abortAfterFirstChunk(stack.proxyPort, url);
      const flow = await stack.api.waitForFlow((f) => f.url === url, url);
      assert.equal(flow.error?.kind, 'client-abort');
      assert.equal(flow.response?.status, 200);
      assert.equal((await stack.api.body(flow.flowId, 'response')).toString(), 'partial');
    });

    it('lists flows newest first in keyset pages that cover every flow once', async () => {
      const all = await stack.api.flows(`?limit=${FLOW_PAGE_MAX}`);
      assert.ok(all.flows.length >= 10, `${all.flows.length} flows so far`);
      assert.equal(all.next, null);
      const starts = all.flows.map((f) => f.start);
      assert.deepEqual(
        starts,
        [...starts].sort((a, b) => b - a),
        'newest first',
      );

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await stack.api.flows(
          `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.ok(page.flows.length <= 3);
        paged.push(...page.flows.map((f) => f.id));
        cursor = page.next;
      } while (cursor !== null);
      assert.deepEqual(
        paged,
        all.flows.map((f) => f.id),
      );
      assert.equal((await stack.api.get(`/api/flows?limit=${FLOW_PAGE_MAX + 1}`)).status, 400);
    });
  },
);
