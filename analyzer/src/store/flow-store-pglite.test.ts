/** The same schema and store SQL on PGlite, the embedded Postgres of standalone mode. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { migrations } from '@honeyproxy/migrations';
import { migrateToLatest } from '../db/migrate.js';
import type { Database } from '../db/database.js';
import { createFlowStore, type FlowStore } from './flow-store.js';
import { createSensorStore } from './sensor-store.js';
import { PGliteDialect } from '../db/pglite-dialect.js';
import { silentLogger } from '../testing/migrated-database.js';
import { sampleFlow } from '@honeyproxy/testkit';
import { parseFilter } from '@honeyproxy/protocol';

describe('flow store on PGlite', { timeout: 60_000 }, () => {
  let db: Kysely<Database>;
  let store: FlowStore;

  before(async () => {
    db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
    assert.deepEqual(await migrateToLatest(db, silentLogger()), Object.keys(migrations));
    assert.deepEqual(await migrateToLatest(db, silentLogger()), []);
    store = createFlowStore({ db, log: silentLogger() });
  });
  after(() => db.destroy());

  it('stores, deduplicates, pages and serves bodies as on PostgreSQL', async () => {
    const big = new Uint8Array(100_000).fill(9);
    const flows = Array.from({ length: 25 }, (_, i) =>
      sampleFlow({
        start: 1_700_000_000_000 + i,
        responseBody: i % 2 ? big : Buffer.from(`body ${i}`),
      }),
    );
    const items = flows.map((s) => ({ sensorId: 'gw-1', flow: s.flow, bodies: s.refBodies }));
    assert.equal((await store.insertBatch(items)).length, 25);
    assert.equal((await store.insertBatch(items)).length, 0);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 4, cursor });
      seen.push(...page.flows.map((f) => f.id));
      cursor = page.next ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, flows.map((s) => s.flow.flowId).reverse());
    const body = await store.body(flows[1]!.flow.flowId, 'response');
    assert.deepEqual(Buffer.from(body!.data!), Buffer.from(big));
    const page = await store.list({ limit: 2 });
    assert.deepEqual(
      page.flows.map((f) => f.size),
      [7, 100_000],
    );
  });

  it('answers header, body and hash filters with the same SQL', async () => {
    const tagged = sampleFlow({ requestBody: Buffer.from('cmd=wget') });
    tagged.flow.request.headers.push(['X-Bot', 'mirai']);
    await store.insertBatch([{ sensorId: 'gw-1', flow: tagged.flow, bodies: tagged.refBodies }]);
    const ids = async (q: string) =>
      (await store.list({ limit: 100, filter: parseFilter(q) })).flows.map((f) => f.id);
    const id = tagged.flow.flowId;
    assert.deepEqual(await ids('~hq "^x-bot: mirai$"'), [id]);
    assert.deepEqual(await ids('~bq wget'), [id]);
    assert.deepEqual(await ids(`~sha256 ${tagged.flow.request.body?.sha256 ?? ''}`), [id]);
    assert.deepEqual(await ids('~hs x-bot'), []);
  });

  it('records sensor heartbeats and serves the newest CA', async () => {
    const sensors = createSensorStore({ db });
    const hb = {
      v: 1 as const,
      sensorId: 'gw-1',
      version: '0.1.0',
      mode: 'both' as const,
      startedAt: 1,
      sentAt: 2,
      caPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
      caSha256: Array(32).fill('AB').join(':'),
      counters: { captured: 1, published: 1, errors: 0 },
      backlog: 0,
      alarms: [],
    };
    await sensors.recordHeartbeat(hb);
    await sensors.recordHeartbeat({ ...hb, sentAt: 3 });
    assert.equal(await sensors.latestCaPem(), hb.caPem);
  });
});
