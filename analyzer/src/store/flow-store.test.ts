/** The flow store on real PostgreSQL: idempotent batches, verified bodies, keyset pages. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { flowRecordCodec } from '@honeyproxy/protocol';
import { createFlowStore, MissingBodyError, type FlowStore } from './flow-store.js';
import { InvalidFlowError } from './prepare-flow.js';
import {
  createMigratedDatabase,
  silentLogger,
  type MigratedDatabase,
} from '../testing/migrated-database.js';
import { sampleFlow } from '@honeyproxy/testkit';
import type { IngestItem } from './ingest-item.js';
import { InvalidCursorError } from './cursor.js';

function item(s: ReturnType<typeof sampleFlow>): IngestItem {
  return { sensorId: s.flow.sensorId, flow: s.flow, bodies: s.refBodies };
}

describe('flow store', { timeout: 60_000 }, () => {
  let mdb: MigratedDatabase;
  let store: FlowStore;
  const count = async (table: 'flows' | 'bodies' | 'dead_letters') =>
    Number(
      (await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(mdb.db))
        .rows[0]?.n,
    );

  before(async () => {
    mdb = await createMigratedDatabase();
    store = createFlowStore({ db: mdb.db, log: silentLogger() });
  });
  after(() => mdb.close());

  it('stores a batch of flows with inline and referenced bodies, once', async () => {
    const big = new Uint8Array(200_000).fill(7);
    const batch = [
      sampleFlow({ responseBody: Buffer.from('<h1>hi</h1>') }),
      sampleFlow({ requestBody: Buffer.from('user=root&pass=toor'), responseBody: big }),
      sampleFlow({ noResponse: true }),
      sampleFlow({ responseBody: Buffer.from('<h1>hi</h1>') }), // same body content: stored once
    ].map(item);
    const summaries = await store.insertBatch(batch);
    assert.deepEqual(summaries.map((s) => s.id).sort(), batch.map((b) => b.flow.flowId).sort());
    assert.equal(await count('flows'), 4);
    assert.equal(await count('bodies'), 3);

    const again = await store.insertBatch(batch);
    assert.deepEqual(again, []);
    assert.equal(await count('flows'), 4);
    assert.equal(await count('bodies'), 3);

    const record = await store.get(batch[1]!.flow.flowId);
    assert.ok(record && flowRecordCodec.check(record));
    assert.deepEqual(record.response?.body, {
      len: 200_000,
      capturedLen: 200_000,
      sha256: batch[1]!.flow.response!.body!.sha256,
      truncated: false,
    });
    assert.deepEqual(
      record.request.headers,
      batch[1]!.flow.request.headers,
      'header order and case kept',
    );
    const stored = await store.body(batch[1]!.flow.flowId, 'response');
    assert.deepEqual(Buffer.from(stored!.data!), Buffer.from(big));
    const requestBody = await store.body(batch[1]!.flow.flowId, 'request');
    assert.equal(Buffer.from(requestBody!.data!).toString(), 'user=root&pass=toor');
    assert.equal(await store.body(batch[2]!.flow.flowId, 'response'), undefined);
  });

  it('stores the new flows of a batch that also holds stored ones, and returns only those', async () => {
    const shared = Buffer.from('<h1>the same 404 page</h1>');
    const first = [sampleFlow({ responseBody: shared }), sampleFlow()].map(item);
    await store.insertBatch(first);
    const bodiesBefore = await count('bodies');
    const fresh = [sampleFlow({ responseBody: shared }), sampleFlow({ noResponse: true })].map(
      item,
    );
    const summaries = await store.insertBatch([first[0]!, ...fresh, first[1]!]);
    assert.deepEqual(summaries.map((s) => s.id).sort(), fresh.map((f) => f.flow.flowId).sort());
    assert.equal(await count('bodies'), bodiesBefore, 'a body already stored is not written again');
    const record = await store.get(fresh[0]!.flow.flowId);
    assert.equal(record?.response?.body?.sha256, first[0]!.flow.response!.body!.sha256);
  });

  it('stores a new body once when two batches carrying it commit at the same time', async () => {
    const body = Buffer.from(`dropper ${Date.now()}`);
    const before = await count('bodies');
    const batches = [0, 1, 2].map(() =>
      [sampleFlow({ responseBody: body }), sampleFlow()].map(item),
    );
    const results = await Promise.all(batches.map((b) => store.insertBatch(b)));
    assert.deepEqual(
      results.map((r) => r.length),
      [2, 2, 2],
    );
    assert.equal(await count('bodies'), before + 1);
  });

  it('writes the same columns whichever way a batch goes (COPY, or statements after a conflict)', async () => {
    const a = sampleFlow({ url: 'https://x.test/p?q=\u00e9\t"', responseBody: Buffer.from('é\n') });
    const b = sampleFlow({ url: 'https://x.test/p?q=\u00e9\t"', responseBody: Buffer.from('é\n') });
    b.flow.flowId = a.flow.flowId.slice(0, -4) + (a.flow.flowId.endsWith('ffff') ? '0000' : 'ffff');
    await store.insertBatch([item(a)]); // alone: by COPY
    const dup = sampleFlow();
    await store.insertBatch([item(dup)]);
    await store.insertBatch([item(dup), item(b)]); // holds a stored flow: by statements
    const columns = sql.raw(
      'sensor_id, mode, started_at, duration, method, url, host, path, status, content_type, sniffed_type, ' +
        "response_size, tls, client_ip, server_ip, host_mismatch, error_kind, request_body_sha256, response_body_sha256, record - 'flowId' - 'ts' AS record",
    );
    const { rows } = await sql<Record<string, unknown>>`
      SELECT ${columns} FROM flows WHERE id IN (${a.flow.flowId}::uuid, ${b.flow.flowId}::uuid)`.execute(
      mdb.db,
    );
    assert.equal(rows.length, 2);
    const [x, y] = rows.map((r) => ({ ...r, started_at: 0, duration: 0 }));
    assert.deepEqual(x, y);
  });

  it('refuses a body whose bytes do not match its sha256 or length', () => {
    const lying = sampleFlow({ responseBody: Buffer.from('abc') });
    const body = lying.flow.response!.body!;
    lying.flow.response!.body = { ...body, sha256: 'f'.repeat(64) };
    assert.throws(() => store.prepare(item(lying)), InvalidFlowError);

    const short = sampleFlow({ responseBody: Buffer.from('abc') });
    short.flow.response!.body = { ...short.flow.response!.body!, len: 4, capturedLen: 4 };
    assert.throws(() => store.prepare(item(short)), /capturedLen/);

    const ref = sampleFlow({ responseBody: new Uint8Array(70_000) });
    const [sha] = ref.refBodies.keys();
    ref.refBodies.set(sha!, new Uint8Array(70_000).fill(1));
    assert.throws(() => store.prepare(item(ref)), /sha256/);
  });

  it('refuses a payload that claims another sensor', () => {
    const s = sampleFlow({ sensorId: 'gw-evil' });
    assert.throws(
      () => store.prepare({ sensorId: 'gw-1', flow: s.flow, bodies: new Map() }),
      /differs/,
    );
  });

  it('refuses to rely on a referenced body that is not stored', async () => {
    const s = sampleFlow({ responseBody: new Uint8Array(100_000).fill(3) });
    await assert.rejects(
      store.insertBatch([{ sensorId: 'gw-1', flow: s.flow, bodies: new Map() }]),
      MissingBodyError,
    );
    assert.equal(await store.get(s.flow.flowId), undefined);
  });

  it('stores text PostgreSQL cannot hold (NUL, lone surrogates) with U+FFFD instead', async () => {
    const s = sampleFlow({ url: 'http://example.test/a' });
    s.flow.request.url = 'http://example.test/a\u0000b\ud800c';
    s.flow.request.headers.push(['X-Nul', 'a\u0000\\u0000']);
    const [summary] = await store.insertBatch([item(s)]);
    assert.equal(summary?.url, 'http://example.test/a\ufffdb\ufffdc');
    const record = await store.get(s.flow.flowId);
    assert.deepEqual(record?.request.headers.at(-1), ['X-Nul', 'a\ufffd\\u0000']);
  });

  it('keeps dead letters', async () => {
    await store.insertDeadLetters([
      { subject: 'honeyproxy.flows.v1.gw-1', reason: 'bad \u0000 json', payload: Buffer.from('{') },
    ]);
    assert.equal(await count('dead_letters'), 1);
  });

  it('walks every flow newest first through keyset pages, without gaps or duplicates', async () => {
    const base = 1_600_000_000_000;
    const batch = Array.from({ length: 120 }, (_, i) =>
      item(sampleFlow({ sensorId: 'gw-pages', start: base + Math.floor(i / 3) })),
    );
    await store.insertBatch(batch);
    const all = (
      await sql<{ id: string }>`SELECT id FROM flows ORDER BY started_at DESC, id DESC`.execute(
        mdb.db,
      )
    ).rows.map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await store.list({ limit: 7, cursor });
      assert.ok(page.flows.length <= 7);
      seen.push(...page.flows.map((f) => f.id));
      if (page.next === null) break;
      cursor = page.next;
    }
    assert.deepEqual(seen, all);
    const starts = seen.length;
    assert.equal(new Set(seen).size, starts);
  });

  it('rejects a cursor it did not make', async () => {
    await assert.rejects(store.list({ limit: 5, cursor: 'bm90LWEtY3Vyc29y' }), InvalidCursorError);
    await assert.rejects(store.list({ limit: 5, cursor: '../../etc' }), InvalidCursorError);
  });

  it('answers ping', async () => {
    assert.equal(await store.ping(), true);
  });
});
