/**
 * A fresh, migrated database on the real PostgreSQL for one test, dropped afterwards, plus a silent
 * logger. Register cleanup with the returned `close` in `after`/`t.after`.
 */
import type { Kysely } from 'kysely';
import { createLogger, type Logger } from '@honeyproxy/common';
import { createTempDatabase } from '@honeyproxy/testkit';
import { createDatabase } from '../db/create-database.js';
import type { Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

export function silentLogger(): Logger {
  return createLogger({ name: 'test', level: 'silent' });
}

export interface MigratedDatabase {
  db: Kysely<Database>;
  url: string;
  close(): Promise<void>;
}

export async function createMigratedDatabase(): Promise<MigratedDatabase> {
  const temp = await createTempDatabase('hp_analyzer');
  const db = createDatabase(temp.url, { max: 4 });
  await migrateToLatest(db, silentLogger());
  return {
    db,
    url: temp.url,
    async close() {
      await db.destroy();
      await temp.close();
    },
  };
}
