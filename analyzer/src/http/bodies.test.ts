/** Body downloads: raw bytes with download-only headers, decoded views, and decompression bombs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { apiError, basic, httpFixtureSuite, VIEWER } from '../testing/http-fixture.js';
import { sampleFlow } from '@honeyproxy/testkit';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);
const deflateRaw = promisify(zlib.deflateRaw);

/** `size` zero bytes, gzip-compressed in a stream (never materialised uncompressed). */
async function gzipBomb(size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const gz = zlib.createGzip({ level: 1 });
  gz.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => gz.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < size / zeros.length; i++)
    if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(chunks);
}

describe('body downloads', { timeout: 60_000 }, () => {
  const auth = { authorization: basic(VIEWER) };
  const page = Buffer.from('<html><script>alert(1)</script></html>'.repeat(50));
  const cases: Record<string, ReturnType<typeof sampleFlow>> = {};

  const fx = httpFixtureSuite(async ({ store }) => {
    const enc = (value: string) =>
      [
        ['Content-Type', 'text/html'],
        ['Content-Encoding', value],
      ] as [string, string][];
    cases['gzip'] = sampleFlow({
      requestBody: Buffer.from('a=1'),
      responseBody: await gzip(page),
      responseHeaders: enc('gzip'),
    });
    cases['layered'] = sampleFlow({
      responseBody: await brotli(await deflateRaw(page)),
      responseHeaders: [
        ['content-encoding', 'deflate'],
        ['Content-Encoding', ' br '],
      ],
    });
    cases['gzipBomb'] = sampleFlow({
      responseBody: await gzipBomb(256 * 1024 * 1024),
      responseHeaders: enc('gzip'),
    });
    cases['brBomb'] = sampleFlow({
      responseBody: await brotli(Buffer.alloc(64 * 1024 * 1024), {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
      }),
      responseHeaders: enc('br'),
    });
    cases['deep'] = sampleFlow({
      responseBody: Buffer.from('x'),
      responseHeaders: enc('gzip, gzip, gzip, gzip, gzip, gzip'),
    });
    cases['unknown'] = sampleFlow({
      responseBody: Buffer.from('x'),
      responseHeaders: enc('x-unknown'),
    });
    cases['corrupt'] = sampleFlow({
      responseBody: Buffer.from('definitely not gzip'),
      responseHeaders: enc('gzip'),
    });
    cases['truncated'] = sampleFlow({
      responseBody: (await gzip(page)).subarray(0, 200),
      responseHeaders: enc('gzip'),
    });
    cases['empty'] = sampleFlow({ noResponse: true });
    cases['refresh'] = sampleFlow({
      responseBody: Buffer.from(
        '<meta HTTP-EQUIV="refresh" content="0;url=http://198.18.0.1/"><p>caf\xe9</p>',
        'latin1',
      ),
      responseHeaders: [['Content-Type', 'text/html; charset=iso-8859-1']],
    });
    await store.insertBatch(
      Object.values(cases).map((s) => ({ sensorId: 'gw-1', flow: s.flow, bodies: s.refBodies })),
    );
  });

  const url = (name: string, side = 'response', query = '', route = 'body') =>
    `/api/flows/${cases[name]!.flow.flowId}/${side}/${route}${query}`;

  it('serves the raw bytes as an inert download', async () => {
    const r = await fx().app.inject({ url: url('gzip'), headers: auth });
    assert.equal(r.statusCode, 200);
    assert.equal(zlib.gunzipSync(r.rawPayload).toString(), page.toString());
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.equal(
      r.headers['content-disposition'],
      `attachment; filename="${cases['gzip']!.flow.flowId}-response.bin"`,
    );
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(String(r.headers['content-security-policy']), /^sandbox/);
    assert.equal(r.headers['cache-control'], 'no-store');
    const request = await fx().app.inject({ url: url('gzip', 'request'), headers: auth });
    assert.equal(request.body, 'a=1');
  });

  it('removes gzip, and stacked deflate + br, with ?decoded=1', async () => {
    const r = await fx().app.inject({ url: url('gzip', 'response', '?decoded=1'), headers: auth });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, page.toString());
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.match(String(r.headers['content-disposition']), /-response-decoded\.bin"$/);
    const layered = await fx().app.inject({
      url: url('layered', 'response', '?decoded=1'),
      headers: auth,
    });
    assert.equal(layered.body, page.toString());
    const truncated = await fx().app.inject({
      url: url('truncated', 'response', '?decoded=1'),
      headers: auth,
    });
    assert.equal(truncated.statusCode, 200, 'a truncated stream decodes as far as it goes');
    assert.ok(page.toString().startsWith(truncated.body) && truncated.body.length > 0);
  });

  it('stops gzip and brotli bombs at the limit with a 422, quickly', async () => {
    for (const name of ['gzipBomb', 'brBomb']) {
      const started = Date.now();
      const r = await fx().app.inject({ url: url(name, 'response', '?decoded=1'), headers: auth });
      assert.equal(r.statusCode, 422, name);
      assert.deepEqual(r.json(), {
        error: 'undecodable_body',
        message: 'decoded body exceeds the 8388608-byte limit',
      });
      assert.ok(Date.now() - started < 5000, `${name} took ${Date.now() - started} ms`);
    }
  });

  it('refuses too many layers, unknown codings and corrupt data with a 422', async () => {
    for (const [name, message] of [
      ['deep', /too many content-encoding layers/],
      ['unknown', /unsupported content-encoding "x-unknown"/],
      ['corrupt', /cannot decode gzip/],
    ] as const) {
      const r = await fx().app.inject({ url: url(name, 'response', '?decoded=1'), headers: auth });
      assert.equal(r.statusCode, 422, name);
      assert.match(apiError(r).message, message);
    }
  });

  it('serves the HTML preview with its sandbox CSP as a header, framable by the GUI only', async () => {
    const r = await fx().app.inject({ url: url('gzip', 'response', '', 'preview'), headers: auth });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, page.toString(), 'content-decoded');
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(
      r.headers['content-security-policy'],
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'self'",
    );
    assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['content-disposition'], undefined);
    // every other response still refuses to be framed
    const raw = await fx().app.inject({ url: url('gzip'), headers: auth });
    assert.equal(raw.headers['x-frame-options'], 'DENY');
    assert.match(String(raw.headers['content-security-policy']), /^sandbox; default-src 'none'$/);
    const unauthenticated = await fx().app.inject({ url: url('gzip', 'response', '', 'preview') });
    assert.equal(unauthenticated.statusCode, 401);
  });

  it('renames http-equiv and re-encodes the preview as UTF-8 from the declared or given charset', async () => {
    const declared = await fx().app.inject({
      url: url('refresh', 'response', '', 'preview'),
      headers: auth,
    });
    assert.equal(
      declared.body,
      '<meta data-hp-neutralised-http-equiv="refresh" content="0;url=http://198.18.0.1/"><p>café</p>',
    );
    const given = await fx().app.inject({
      url: url('refresh', 'response', '?charset=utf-8', 'preview'),
      headers: auth,
    });
    assert.match(given.body, /<p>caf\uFFFD<\/p>/, 'the GUI-detected charset wins');
    for (const charset of ['no-such-charset', '"><script>']) {
      const bad = await fx().app.inject({
        url: url('refresh', 'response', `?charset=${encodeURIComponent(charset)}`, 'preview'),
        headers: auth,
      });
      assert.equal(bad.statusCode, 400, charset);
    }
    const undecodable = await fx().app.inject({
      url: url('corrupt', 'response', '', 'preview'),
      headers: auth,
    });
    assert.equal(undecodable.body, 'definitely not gzip', 'raw bytes when they cannot be decoded');
    const bomb = await fx().app.inject({
      url: url('gzipBomb', 'response', '', 'preview'),
      headers: auth,
    });
    assert.equal(bomb.statusCode, 200, 'bounded: a bomb previews its raw bytes');
    assert.ok(bomb.rawPayload.length < 8 * 1024 * 1024);
  });

  it('answers 404 for a side without a body', async () => {
    const r = await fx().app.inject({ url: url('empty'), headers: auth });
    assert.equal(r.statusCode, 404);
    assert.equal(apiError(r).error, 'not_found');
    const noRequest = await fx().app.inject({ url: url('layered', 'request'), headers: auth });
    assert.equal(noRequest.statusCode, 404);
  });
});
