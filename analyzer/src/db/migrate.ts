/* eslint-disable @typescript-eslint/no-explicit-any -- works on any schema version, like the migrations it runs */
/**
 * Applies the schema (@honeyproxy/migrations) with kysely's Migrator: its lock table makes analyzers
 * that start together take turns, so running this on every start is safe.
 */
import { Migrator, type Kysely } from 'kysely';
import type { Logger } from '@honeyproxy/common';
import { migrations } from '@honeyproxy/migrations';

/** A migration failed; the schema is left at the last successful one. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<any>, log: Logger): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const r of results) {
    if (r.status === 'Success') log.info({ migration: r.migrationName }, 'migration applied');
    else if (r.status === 'Error') log.error({ migration: r.migrationName }, 'migration failed');
  }
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : 'unknown error';
    throw new MigrationError(`database migration failed: ${message}`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
