/* eslint-disable @typescript-eslint/no-explicit-any -- kysely: migrations are frozen in time, so they take Kysely<any> */
/**
 * The traffic table's server-side sort orders and helpers: the sniffed response type (magic bytes,
 * set at ingest) and the host-mismatch flag as columns, one (sort key, id) index per sortable column so every sort is a keyset range scan
 * in both directions, and a hash index on url for "earlier flows for this URL" / "the request that
 * followed a redirect". Text keys are indexed by a bounded prefix: a btree entry must stay under
 * ~2.7 kB and URLs may be 64 kB. The expressions here are repeated verbatim in
 * analyzer/src/store/sort-keys.ts (an index is only used when the query's expression is identical).
 */
import { sql, type Kysely } from 'kysely';

const SORT_INDEXES: readonly (readonly [name: string, expression: string])[] = [
  ['flows_sort_method_idx', 'left(method, 64)'],
  ['flows_sort_url_idx', 'left(url, 256)'],
  ['flows_sort_host_idx', 'left(host, 256)'],
  ['flows_sort_status_idx', 'coalesce(status, -1)'],
  ['flows_sort_type_idx', "left(coalesce(content_type, ''), 128)"],
  ['flows_sort_sniffed_idx', "coalesce(sniffed_type, '')"],
  ['flows_sort_size_idx', 'coalesce(response_size, -1)'],
  ['flows_sort_duration_idx', "coalesce(duration, '-1'::double precision)"],
  ['flows_sort_sensor_idx', 'sensor_id'],
  ['flows_sort_tls_idx', 'tls'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE flows ADD COLUMN sniffed_type text`.execute(db);
  // The sensor's "Host does not resolve to the address connected to" flag, for the table's host cell.
  await sql`ALTER TABLE flows ADD COLUMN host_mismatch boolean NOT NULL DEFAULT false`.execute(db);
  for (const [name, expression] of SORT_INDEXES) {
    await sql`CREATE INDEX ${sql.id(name)} ON flows ((${sql.raw(expression)}), id)`.execute(db);
  }
  await sql`CREATE INDEX flows_url_hash_idx ON flows USING hash (url)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS flows_url_hash_idx`.execute(db);
  for (const [name] of SORT_INDEXES) await sql`DROP INDEX IF EXISTS ${sql.id(name)}`.execute(db);
  await sql`ALTER TABLE flows DROP COLUMN IF EXISTS host_mismatch`.execute(db);
  await sql`ALTER TABLE flows DROP COLUMN IF EXISTS sniffed_type`.execute(db);
}
