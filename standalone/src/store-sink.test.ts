/** The standalone sink stores captured flows on PGlite, announces them live, and loses none. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { pino } from 'pino';
import {
  createFlowStore,
  createLiveHub,
  migrateToLatest,
  PGliteDialect,
  type Database,
  type FlowStore,
} from '@honeyproxy/analyzer';
import type { FlowSummary } from '@honeyproxy/protocol';
import { sampleFlow } from '@honeyproxy/testkit';
import { createStoreSink } from './store-sink.js';

const log = pino({ level: 'silent' });

async function pgliteStore(t: { after: (fn: () => Promise<void>) => void }) {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
  t.after(() => db.destroy());
  await migrateToLatest(db, log);
  return { db, store: createFlowStore({ db, log }) };
}

function liveHub(seen: FlowSummary[]) {
  const hub = createLiveHub();
  const publish = hub.publish.bind(hub);
  hub.publish = (summary) => {
    seen.push(summary);
    publish(summary);
  };
  return hub;
}

describe('standalone store sink', { timeout: 60_000 }, () => {
  it('stores every written flow, with big bodies, before write resolves', async (t) => {
    const { store } = await pgliteStore(t);
    const seen: FlowSummary[] = [];
    const sink = createStoreSink({
      store,
      hub: liveHub(seen),
      log,
      sensorId: 'standalone',
      maxWaitMs: 2,
    });
    const big = new Uint8Array(200 * 1024).map((_, i) => i % 251);
    const flows = Array.from({ length: 40 }, (_, i) =>
      sampleFlow({
        sensorId: 'standalone',
        responseBody: i === 7 ? big : new TextEncoder().encode(`body ${i}`),
      }),
    );
    await Promise.all(flows.map((f) => sink.write({ flow: f.flow, bodies: f.refBodies })));
    const page = await store.list({ limit: 100 });
    assert.equal(page.flows.length, 40);
    assert.deepEqual(new Set(seen.map((s) => s.id)), new Set(flows.map((f) => f.flow.flowId)));
    const stored = await store.body(flows[7]!.flow.flowId, 'response');
    assert.deepEqual(stored?.data && new Uint8Array(stored.data), big);
    await sink.close();
  });

  it('keeps an invalid flow as a dead letter instead of failing the batch', async (t) => {
    const { db, store } = await pgliteStore(t);
    const sink = createStoreSink({ store, hub: createLiveHub(), log, sensorId: 'standalone' });
    const good = sampleFlow({ sensorId: 'standalone' });
    const bad = sampleFlow({ sensorId: 'standalone', responseBody: new Uint8Array([1, 2, 3]) });
    if (bad.flow.response?.body) bad.flow.response.body.sha256 = '0'.repeat(64); // lies about its bytes
    await Promise.all([
      sink.write({ flow: good.flow, bodies: good.refBodies }),
      sink.write({ flow: bad.flow, bodies: bad.refBodies }),
    ]);
    await sink.close();
    assert.equal((await store.list({ limit: 10 })).flows.length, 1);
    const letters = await db.selectFrom('dead_letters').select(['reason']).execute();
    assert.equal(letters.length, 1);
    assert.match(letters[0]?.reason ?? '', /sha256/i);
  });

  it('retries a failing commit and reports the flows lost only after its attempts', async () => {
    let calls = 0;
    const failing = {
      prepare: (item: unknown) => item,
      commit: () => {
        calls++;
        return Promise.reject(new Error('database is gone'));
      },
    } as unknown as FlowStore;
    const sink = createStoreSink({
      store: failing,
      hub: createLiveHub(),
      log,
      sensorId: 's',
      maxAttempts: 3,
    });
    const f = sampleFlow();
    await assert.rejects(sink.write({ flow: f.flow, bodies: f.refBodies }), /database is gone/);
    assert.equal(calls, 3);
  });
});
