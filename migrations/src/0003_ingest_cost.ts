/* eslint-disable @typescript-eslint/no-explicit-any -- kysely: migrations are frozen in time, so they take Kysely<any> */
/**
 * Cheaper ingest. Every index on `flows` is paid on every insert, so the hash index on url (0002) goes:
 * "earlier flows for this URL" and "the request after a redirect" find their rows through the url
 * sort index instead (`left(url, 256) = left($1, 256) AND url = $1`), the same lookup without a
 * second index. And the large values of a flow — the record (TLS certificate chains make it 5 kB
 * over HTTPS) and body bytes — are compressed with lz4 rather than pglz when TOAST compresses them:
 * several times less CPU per byte. lz4 only where the server has it (PGlite may not): the column
 * setting changes how new values are written, nothing stored is rewritten.
 */
import { sql, type Kysely } from 'kysely';

async function hasLz4(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    SELECT coalesce(bool_or('lz4' = ANY(enumvals)), false) AS ok
    FROM pg_settings WHERE name = 'default_toast_compression'`.execute(db);
  return rows[0]?.ok === true;
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS flows_url_hash_idx`.execute(db);
  if (await hasLz4(db)) {
    await sql`ALTER TABLE flows ALTER COLUMN record SET COMPRESSION lz4`.execute(db);
    await sql`ALTER TABLE bodies ALTER COLUMN data SET COMPRESSION lz4`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (await hasLz4(db)) {
    await sql`ALTER TABLE bodies ALTER COLUMN data SET COMPRESSION default`.execute(db);
    await sql`ALTER TABLE flows ALTER COLUMN record SET COMPRESSION default`.execute(db);
  }
  await sql`CREATE INDEX IF NOT EXISTS flows_url_hash_idx ON flows USING hash (url)`.execute(db);
}
