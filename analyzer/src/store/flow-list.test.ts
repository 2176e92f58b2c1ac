/**
 * The flow list on real PostgreSQL: every sort column pages both ways through keyset cursors without
 * gaps or duplicates, filters give the same answers in SQL as the browser predicate, and the 2012
 * helpers find earlier content for a 304 and the request that followed a redirect.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLOW_SORT_KEYS,
  compileFilter,
  parseFilter,
  type FlowMessage,
  type FlowSortKey,
  type FlowSummary,
} from '@honeyproxy/protocol';
import { sampleFlow } from '@honeyproxy/testkit';
import { createFlowStore, type FlowStore } from './flow-store.js';
import {
  createMigratedDatabase,
  silentLogger,
  type MigratedDatabase,
} from '../testing/migrated-database.js';
import { InvalidCursorError } from './cursor.js';

const HOSTS = ['a.test', 'b.test', 'evil.example', 'Z.test'];
const METHODS = ['GET', 'POST', 'HEAD'];
const PE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);

function variety(i: number): FlowMessage {
  const host = HOSTS[i % HOSTS.length] ?? 'a.test';
  const s = sampleFlow({
    start: 1_700_000_000_000 + Math.floor(i / 3) * 1000, // ties in start time on purpose
    url: `http${i % 2 ? 's' : ''}://${host}/p/${i % 7}.jpg`,
    responseBody: i % 5 === 0 ? PE : Buffer.from(`<html>${'x'.repeat(i)}</html>`),
    responseHeaders: [['Content-Type', i % 4 === 0 ? 'image/jpeg' : 'text/html']],
    noResponse: i % 11 === 0,
    sensorId: i % 3 ? 'gw-1' : 'gw-2',
  });
  const flow = s.flow;
  flow.request.method = METHODS[i % METHODS.length] ?? 'GET';
  if (flow.response) flow.response.status = [200, 404, 301, 500, 204][i % 5] ?? 200;
  if (flow.ts.end !== undefined) flow.ts.end = flow.ts.start + (i % 9) * 10;
  return flow;
}

async function walk(
  store: FlowStore,
  sort: FlowSortKey,
  dir: 'asc' | 'desc',
  q?: string,
): Promise<{ forward: FlowSummary[]; backward: FlowSummary[] }> {
  const filter = parseFilter(q ?? '');
  const forward: FlowSummary[] = [];
  let cursor: string | undefined;
  let lastPage;
  for (let guard = 0; guard < 100; guard++) {
    lastPage = await store.list({ limit: 7, cursor, sort, dir, filter });
    forward.push(...lastPage.flows);
    if (lastPage.next === null) break;
    cursor = lastPage.next;
  }
  // Back from the last page to the first, through `prev`.
  const backward: FlowSummary[] = [...(lastPage?.flows ?? [])];
  let prev = lastPage?.prev ?? null;
  for (let guard = 0; prev !== null && guard < 100; guard++) {
    const page = await store.list({ limit: 7, cursor: prev, sort, dir, filter });
    backward.unshift(...page.flows);
    prev = page.prev ?? null;
  }
  return { forward, backward };
}

describe('flow list: sorting, keyset paging, filters, related flows', { timeout: 60_000 }, () => {
  let mdb: MigratedDatabase;
  let store: FlowStore;
  let all: FlowSummary[];

  before(async () => {
    mdb = await createMigratedDatabase();
    store = createFlowStore({ db: mdb.db, log: silentLogger() });
    const flows = Array.from({ length: 61 }, (_, i) => variety(i));
    await store.insertBatch(
      flows.map((flow) => ({ sensorId: flow.sensorId, flow, bodies: new Map() })),
    );
    all = (await store.list({ limit: 1000 })).flows;
    assert.equal(all.length, 61);
  });
  after(() => mdb.close());

  it('stores the sniffed type of each response body', () => {
    const pe = all.filter((f) => f.sniffedType === 'application/x-msdownload');
    assert.equal(pe.length, 11); // every 5th flow, minus the two without a response (0, 55)
    assert.ok(all.some((f) => f.sniffedType === 'text/html'));
  });

  for (const sort of FLOW_SORT_KEYS) {
    for (const dir of ['asc', 'desc'] as const) {
      it(`pages by ${sort} ${dir} both ways without gaps or duplicates`, async () => {
        const { forward, backward } = await walk(store, sort, dir);
        assert.equal(new Set(forward.map((f) => f.id)).size, all.length);
        assert.deepEqual(
          backward.map((f) => f.id),
          forward.map((f) => f.id),
        );
        const numeric: Partial<Record<FlowSortKey, (f: FlowSummary) => number>> = {
          start: (f) => f.start,
          status: (f) => f.status ?? -1,
          size: (f) => f.size ?? -1,
          duration: (f) => f.duration ?? -1,
        };
        const get = numeric[sort];
        if (get) {
          const values = forward.map(get);
          const sorted = [...values].sort((a, b) => (dir === 'asc' ? a - b : b - a));
          assert.deepEqual(values, sorted);
        }
      });
    }
  }

  it('filters in SQL exactly as the browser predicate does', async () => {
    const corpus = [
      '~d evil',
      '~c 4xx | ~c 5xx',
      '!~tls ~m POST',
      '~mismatch',
      '~e',
      '~q | ~size >100',
      '~sensor gw-2 & !(~c 200)',
      '~dur >=50 ~u "\\.jpg$"',
      '~mime msdownload',
      'P/3',
    ];
    for (const q of corpus) {
      const { forward } = await walk(store, 'status', 'desc', q);
      const predicate = compileFilter(parseFilter(q));
      assert.deepEqual(
        forward.map((f) => f.id).sort(),
        all
          .filter(predicate)
          .map((f) => f.id)
          .sort(),
        q,
      );
    }
  });

  it('pages after and before a flow id like after and before a cursor', async () => {
    const { forward } = await walk(store, 'host', 'asc');
    const middle = forward[20];
    assert.ok(middle);
    const after = await store.list({
      limit: 5,
      sort: 'host',
      dir: 'asc',
      anchor: { direction: 'after', id: middle.id },
    });
    assert.deepEqual(
      after.flows.map((f) => f.id),
      forward.slice(21, 26).map((f) => f.id),
    );
    const before = await store.list({
      limit: 5,
      sort: 'host',
      dir: 'asc',
      anchor: { direction: 'before', id: middle.id },
    });
    assert.deepEqual(
      before.flows.map((f) => f.id),
      forward.slice(15, 20).map((f) => f.id),
    );
    await assert.rejects(
      store.list({
        limit: 5,
        anchor: { direction: 'after', id: '01936b2e-7c4a-7000-8000-00000000ffff' },
      }),
      InvalidCursorError,
    );
  });

  it('refuses a cursor made for another sort column', async () => {
    const page = await store.list({ limit: 5, sort: 'host', dir: 'asc' });
    assert.ok(page.next);
    await assert.rejects(
      store.list({ limit: 5, sort: 'status', cursor: page.next }),
      InvalidCursorError,
    );
  });

  it('finds earlier flows with content for a 304, and the request that followed a redirect', async () => {
    const url = 'http://cache.test/logo.png';
    const earlier = sampleFlow({ start: 1_800_000_000_000, url, responseBody: Buffer.from('png') });
    const notModified = sampleFlow({ start: 1_800_000_001_000, url });
    notModified.flow.response!.status = 304;
    const redirect = sampleFlow({
      start: 1_800_000_002_000,
      url: 'http://r.test/go',
      responseHeaders: [['Location', '/landing?x=1#frag']],
    });
    redirect.flow.response!.status = 302;
    const landing = sampleFlow({ start: 1_800_000_002_500, url: 'http://r.test/landing?x=1' });
    const items = [earlier, notModified, redirect, landing].map((s) => ({
      sensorId: s.flow.sensorId,
      flow: s.flow,
      bodies: s.refBodies,
    }));
    await store.insertBatch(items);
    const content = await store.related(notModified.flow.flowId, 'earlier-content');
    assert.deepEqual(
      content?.map((f) => f.id),
      [earlier.flow.flowId],
    );
    const next = await store.related(redirect.flow.flowId, 'redirect-target');
    assert.deepEqual(
      next?.map((f) => f.id),
      [landing.flow.flowId],
    );
    assert.equal(
      await store.related('01936b2e-7c4a-7000-8000-00000000ffff', 'redirect-target'),
      undefined,
    );
  });
});
