/** Behaviour of the filter language: parsing, errors that point at the problem, and the predicate. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FilterSyntaxError, parseFilter, quoteLiteral } from './filter-expression.js';
import { compileFilter, FilterNeedsServerError, needsServer } from './filter-predicate.js';
import type { FlowSummary } from './flow-summary.js';

const base: FlowSummary = {
  id: '01936b2e-7c4a-7000-8000-000000000001',
  sensorId: 'gw-1',
  mode: 'explicit',
  start: 1700000000000,
  duration: 120,
  method: 'GET',
  url: 'https://evil.example/payload.jpg?x=1',
  host: 'evil.example',
  path: '/payload.jpg?x=1',
  status: 200,
  contentType: 'image/jpeg',
  sniffedType: 'application/x-msdownload',
  size: 4096,
  tls: true,
  clientIp: '198.18.0.2',
  serverIp: '198.19.0.1',
  hostMismatch: false,
  error: null,
};

const matches = (expr: string, flow: Partial<FlowSummary> = {}) =>
  compileFilter(parseFilter(expr))({ ...base, ...flow });

describe('filter expressions', () => {
  it('treats a blank expression as everything', () => {
    assert.equal(parseFilter('   '), null);
    assert.equal(matches(''), true);
  });

  it('matches a bare word against the URL, case-insensitively', () => {
    assert.equal(matches('PAYLOAD'), true);
    assert.equal(matches('nothere'), false);
  });

  it('combines operators with juxtaposition, &, | and !', () => {
    assert.equal(matches('~d evil ~m GET'), true);
    assert.equal(matches('~d evil & ~m POST'), false);
    assert.equal(matches('~m POST | ~c 200'), true);
    assert.equal(matches('!~tls'), false);
    assert.equal(matches('!(~m POST | ~c 404) ~s'), true);
  });

  it('compares status, size and duration with units and classes', () => {
    assert.equal(matches('~c 2xx'), true);
    assert.equal(matches('~c 4xx'), false);
    assert.equal(matches('~size >=4k'), true);
    assert.equal(matches('~size >4k'), false);
    assert.equal(matches('~dur <1s'), true);
    assert.equal(matches('~c 200', { status: null }), false);
  });

  it('finds declared-versus-sniffed mismatches, but not text guesses or octet-stream', () => {
    assert.equal(matches('~mismatch'), true);
    assert.equal(matches('~mismatch', { sniffedType: 'text/plain' }), false);
    assert.equal(matches('~mismatch', { contentType: 'application/octet-stream' }), false);
    assert.equal(matches('~mime x-msdownload ~t image'), true);
  });

  it('tells error, response and no-response flows apart', () => {
    const failed = { status: null, error: 'upstream-unreachable' as const, size: null };
    assert.equal(matches('~e', failed), true);
    assert.equal(matches('~q', failed), true);
    assert.equal(matches('~s', failed), false);
  });

  it('names the position of a syntax error', () => {
    assert.throws(
      () => parseFilter('~d evil ~zz'),
      (e: unknown) => {
        assert.ok(e instanceof FilterSyntaxError);
        assert.equal(e.position, 8);
        assert.match(e.message, /unknown operator ~zz/);
        return true;
      },
    );
    assert.throws(() => parseFilter('(~d a'), /missing "\)"/);
    assert.throws(() => parseFilter('~c abc'), /not a number/);
    assert.throws(() => parseFilter('~u "(unclosed"'), /not a valid regular expression/);
    assert.throws(() => parseFilter('~d'), /needs an argument/);
  });

  it('bounds depth and size', () => {
    assert.throws(() => parseFilter('!'.repeat(100) + 'a'), /nested too deeply/);
    assert.throws(() => parseFilter('a '.repeat(1500)), /longer than|too large/);
  });

  it('parses the header, body, content-type and hash operators with their side', () => {
    assert.deepEqual(parseFilter('~hq "^user-agent: curl"'), {
      kind: 'header',
      side: 'request',
      pattern: '^user-agent: curl',
    });
    assert.deepEqual(parseFilter('~hs x'), { kind: 'header', side: 'response', pattern: 'x' });
    assert.deepEqual(parseFilter('~h x'), { kind: 'header', side: 'any', pattern: 'x' });
    assert.deepEqual(parseFilter('~bq x'), { kind: 'body', side: 'request', pattern: 'x' });
    assert.deepEqual(parseFilter('~bs x'), { kind: 'body', side: 'response', pattern: 'x' });
    assert.deepEqual(parseFilter('~b x'), { kind: 'body', side: 'any', pattern: 'x' });
    assert.deepEqual(parseFilter('~tq json'), {
      kind: 'contentType',
      side: 'request',
      pattern: 'json',
    });
    assert.deepEqual(parseFilter('~ts charset'), {
      kind: 'contentType',
      side: 'response',
      pattern: 'charset',
    });
    const hash = 'AB'.repeat(32);
    assert.deepEqual(parseFilter(`~sha256 ${hash}`), { kind: 'sha256', hash: hash.toLowerCase() });
    assert.throws(() => parseFilter('~sha256 abc'), /64 hex digits/);
    assert.throws(() => parseFilter('~b "(x"'), /not a valid regular expression/);
    assert.throws(() => parseFilter('~hq'), /needs an argument/);
  });

  it('leaves header, body and hash operators to the server instead of guessing', () => {
    for (const expr of ['~h x', '~bq x', '~ts x', `~sha256 ${'0'.repeat(64)}`, '~d a | !~b x']) {
      assert.equal(needsServer(parseFilter(expr)), true, expr);
      assert.throws(() => compileFilter(parseFilter(expr)), FilterNeedsServerError);
    }
    for (const expr of ['', '~d a | !~c 200', '~a', '~t x']) {
      assert.equal(needsServer(parseFilter(expr)), false, expr);
    }
  });

  it('matches assets by declared type like mitmproxy: scripts, styles, images, fonts', () => {
    assert.equal(matches('~a'), true); // image/jpeg
    for (const contentType of ['application/javascript', 'TEXT/CSS', 'font/woff2']) {
      assert.equal(matches('~a', { contentType }), true, contentType);
    }
    for (const contentType of ['text/html', 'application/json', null]) {
      assert.equal(matches('~a', { contentType }), false, String(contentType));
    }
  });

  it('quotes literals so they match exactly', () => {
    const host = 'a.b (c)"d';
    const expr = `~d ${quoteLiteral(host)}`;
    assert.equal(matches(expr, { host }), true);
    assert.equal(matches(expr, { host: 'axb (c)"d' }), false);
    assert.equal(matches(expr, { host: `${host}x` }), false);
  });
});
