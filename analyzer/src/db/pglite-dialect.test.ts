/** The PGlite dialect keeps concurrent transactions apart on PGlite's single session. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from './pglite-dialect.js';

interface Db {
  t: { id: number; note: string };
}

describe('PGlite dialect', { timeout: 60_000 }, () => {
  it('does not let a rolled-back transaction undo a concurrent one', async (t) => {
    const db = new Kysely<Db>({ dialect: new PGliteDialect(new PGlite()) });
    t.after(() => db.destroy());
    await sql`create table t (id int primary key, note text not null)`.execute(db);

    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, note: 'doomed' }).execute();
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('roll me back');
    });
    const succeeding = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 2, note: 'kept' }).execute();
    });
    const plain = db.insertInto('t').values({ id: 3, note: 'outside' }).execute();

    await assert.rejects(failing, /roll me back/);
    await succeeding;
    await plain;
    const rows = await db.selectFrom('t').select(['id', 'note']).orderBy('id').execute();
    assert.deepEqual(rows, [
      { id: 2, note: 'kept' },
      { id: 3, note: 'outside' },
    ]);
  });

  it('reports affected rows and round-trips bytes', async (t) => {
    const db = new Kysely<{ b: { k: number; data: Uint8Array } }>({
      dialect: new PGliteDialect(new PGlite()),
    });
    t.after(() => db.destroy());
    await sql`create table b (k int primary key, data bytea not null)`.execute(db);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const res = await db.insertInto('b').values({ k: 1, data: bytes }).executeTakeFirst();
    assert.equal(res.numInsertedOrUpdatedRows, 1n);
    const row = await db.selectFrom('b').select('data').executeTakeFirstOrThrow();
    assert.deepEqual(new Uint8Array(row.data), bytes);
  });
});
