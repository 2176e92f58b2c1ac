/** The migration list applies on a fresh PostgreSQL database, is idempotent, and rolls back cleanly. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, Migrator, NO_MIGRATIONS, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createTempDatabase, type TempDatabase } from '@honeyproxy/testkit';
import { migrations } from './index.js';

const TABLES = ['audit_log', 'bodies', 'dead_letters', 'flows', 'sensors'];

async function tables(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%' ORDER BY table_name`.execute(
    db,
  );
  return rows.map((r) => r.name);
}

describe('migrations', { timeout: 60_000 }, () => {
  let temp: TempDatabase;
  let db: Kysely<unknown>;
  let migrator: Migrator;

  before(async () => {
    temp = await createTempDatabase('hp_migrations');
    db = new Kysely({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: temp.url, max: 2 }) }),
    });
    migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  });
  after(async () => {
    await db.destroy();
    await temp.close();
  });

  it('creates every table on a fresh database', async () => {
    const { error, results } = await migrator.migrateToLatest();
    assert.equal(error, undefined);
    assert.deepEqual(
      results?.map((r) => r.status),
      Object.keys(migrations).map(() => 'Success'),
    );
    assert.deepEqual(await tables(db), TABLES);
  });

  it('does nothing when run again', async () => {
    const { error, results } = await migrator.migrateToLatest();
    assert.equal(error, undefined);
    assert.deepEqual(results, []);
    assert.deepEqual(await tables(db), TABLES);
  });

  it('rolls back to an empty schema and forward again', async () => {
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    assert.equal(down.error, undefined);
    assert.deepEqual(await tables(db), []);
    const up = await migrator.migrateToLatest();
    assert.equal(up.error, undefined);
    assert.deepEqual(await tables(db), TABLES);
  });
});
