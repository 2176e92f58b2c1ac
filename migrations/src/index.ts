/**
 * @honeyproxy/migrations: the database schema as kysely migrations, listed explicitly (no directory
 * scanning, so the same list works compiled, bundled and under tests). Keys sort alphanumerically
 * into the order kysely applies them; add new ones at the end with the next number.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_flow_table_sorting.js';
import * as m0003 from './0003_ingest_cost.js';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_flow_table_sorting': m0002,
  '0003_ingest_cost': m0003,
};
