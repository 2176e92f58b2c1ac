/**
 * Header and body filters through the API: `GET /api/flows?q=~hq …` returns exactly the flows with
 * that header or body, `ids=` restricts the answer to the flows asked about (what the GUI does for
 * live flows), and a search past the statement timeout is a 503 with a message, not a hung request.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlowPage, createDecoder } from '@honeyproxy/protocol';
import { sampleFlow } from '@honeyproxy/testkit';
import { apiError, basic, httpFixtureSuite, VIEWER } from '../testing/http-fixture.js';
import { createFlowStore } from '../store/flow-store.js';
import { silentLogger } from '../testing/migrated-database.js';

const pageCodec = createDecoder(FlowPage, 'flow page');

describe('header and body filters over the API', { timeout: 120_000 }, () => {
  const auth = { authorization: basic(VIEWER) };
  const tagged = [0, 1, 2].map((i) => {
    const s = sampleFlow({ url: `http://t${i}.test/`, requestBody: Buffer.from(`beacon-${i}`) });
    s.flow.request.headers.push(['X-Implant-Id', `hp-${i}`]);
    return s;
  });
  const plain = [0, 1, 2, 3].map((i) =>
    sampleFlow({ url: `http://p${i}.test/`, responseBody: Buffer.alloc(4 * 1024 * 1024, 0x61) }),
  );

  const fx = httpFixtureSuite(async ({ store }) => {
    await store.insertBatch(
      [...tagged, ...plain].map((s) => ({ sensorId: 'gw-1', flow: s.flow, bodies: s.refBodies })),
    );
  });

  async function ids(query: string): Promise<string[]> {
    const r = await fx().app.inject({ url: `/api/flows?${query}`, headers: auth });
    assert.equal(r.statusCode, 200, r.body);
    return pageCodec
      .decode(r.json())
      .flows.map((f) => f.id)
      .sort();
  }
  const q = (expr: string) => `q=${encodeURIComponent(expr)}`;
  const idsOf = (flows: typeof tagged) => flows.map((s) => s.flow.flowId).sort();

  it('returns exactly the flows with a matching request header', async () => {
    assert.deepEqual(await ids(q('~hq "^x-implant-id: hp-"')), idsOf(tagged));
    assert.deepEqual(await ids(q('~hq "x-implant-id: hp-1$"')), idsOf([tagged[1]!]));
    assert.deepEqual(await ids(q('~hs x-implant-id')), []);
  });

  it('returns exactly the flows with a matching body', async () => {
    assert.deepEqual(await ids(q('~bq beacon-')), idsOf(tagged));
    assert.deepEqual(await ids(q('~b beacon-2 | ~hq hp-0')), idsOf([tagged[0]!, tagged[2]!]));
  });

  it('answers only for the ids asked about', async () => {
    const asked = [tagged[0]!, plain[0]!].map((s) => s.flow.flowId).join(',');
    assert.deepEqual(await ids(`${q('~hq implant')}&ids=${asked}`), idsOf([tagged[0]!]));
    const bad = await fx().app.inject({ url: `/api/flows?ids=not-a-uuid`, headers: auth });
    assert.equal(bad.statusCode, 400);
  });

  it('refuses a malformed hash with the position', async () => {
    const r = await fx().app.inject({ url: `/api/flows?${q('~sha256 abc')}`, headers: auth });
    assert.equal(r.statusCode, 400);
    assert.match(apiError(r).message, /64 hex digits \(at 8\)/);
  });

  it('answers a search past the statement timeout with 503 and says why', async () => {
    const { mdb } = fx();
    const hasty = await fx().build({
      store: createFlowStore({ db: mdb.db, log: silentLogger(), filterTimeoutMs: 20 }),
    });
    const r = await hasty.inject({ url: `/api/flows?${q('~b "(a|b)*z$"')}`, headers: auth });
    assert.equal(r.statusCode, 503);
    const error = apiError(r);
    assert.equal(error.error, 'filter_timeout');
    assert.match(error.message, /took longer than/);
  });
});
