/**
 * Connecting to PostgreSQL: a kysely instance over a pg Pool, and a first-start helper that creates
 * the database itself when it does not exist yet. Connection errors outside a query (Postgres
 * restarted) are logged, not thrown — on idle clients (the pool's 'error') and on clients checked
 * out between two queries of a transaction (each client's own 'error', which pg emits only when no
 * query is running to reject): an unhandled 'error' event would kill the process.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '@honeyproxy/common';
import type { Database } from './database.js';
import { sqlState } from './pg-errors.js';

export interface CreateDatabaseOptions {
  log?: Logger;
  /** Pool size (default 10). */
  max?: number;
}

// The pg pool behind each kysely instance made here: the flow store writes batches by COPY on it.
const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/** The pg pool of a kysely instance made by createDatabase (undefined for PGlite and others). */
export function poolOf(db: Kysely<Database>): pg.Pool | undefined {
  return pools.get(db);
}

/** A kysely instance on `url`; `db.destroy()` ends the pool. Connects lazily. */
export function createDatabase(url: string, options: CreateDatabaseOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (err) =>
    options.log?.warn({ err: { message: err.message } }, 'idle database connection failed'),
  );
  pool.on('connect', (client) =>
    client.on('error', (err) =>
      options.log?.warn({ err: { message: err.message } }, 'database connection failed'),
    ),
  );
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** The database name in a postgres:// URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/**
 * Creates the URL's database if it is missing, connecting to the server's `postgres` database only
 * then (so an existing database needs no extra rights). Returns true when it was created. Throws
 * when the server cannot be reached (callers retry).
 */
export async function ensureDatabaseExists(url: string, log: Logger): Promise<boolean> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await probe.connect();
    return false;
  } catch (err) {
    if (sqlState(err) !== '3D000') throw err; // 3D000: invalid_catalog_name, the database is missing
  } finally {
    await probe.end().catch(() => undefined);
  }
  const name = databaseName(url);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: adminUrl.toString(),
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    log.info({ database: name }, 'database created');
    return true;
  } catch (err) {
    if (sqlState(err) === '42P04') return false; // created meanwhile by another analyzer
    throw err;
  } finally {
    await client.end();
  }
}
