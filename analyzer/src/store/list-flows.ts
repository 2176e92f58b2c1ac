/**
 * One page of the flow list: server-side sort on any column with keyset paging (the key is the
 * column's sort expression and the id, read through that column's index in either direction), an
 * optional filter expression, and a statement_timeout around filtered reads.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  FLOW_PAGE_MAX,
  type FilterNode,
  type FlowPage,
  type FlowSortKey,
} from '@honeyproxy/protocol';
import type { Database } from '../db/database.js';
import { sqlState } from '../db/pg-errors.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';
import { filterToSql } from './filter-sql.js';
import { SORT_KEYS } from './sort-keys.js';
import { SUMMARY_COLUMNS, toSummary } from './flow-summary-row.js';

export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
  /** Instead of a cursor: the rows after / before this flow in the sort order. */
  anchor?: { direction: 'after' | 'before'; id: string } | undefined;
  sort?: FlowSortKey | undefined;
  dir?: 'asc' | 'desc' | undefined;
  /** A parsed filter expression; null or undefined: every flow. */
  filter?: FilterNode | null | undefined;
  /** Only these flows (the GUI asks which live flows match a header/body filter). */
  ids?: readonly string[] | undefined;
}

/** A filtered list query ran past its statement_timeout (a body search over too many flows). */
export class FilterTimeoutError extends Error {
  override readonly name = 'FilterTimeoutError';
}

/** Default bound on a filtered list query (header and body operators scan). */
export const FILTER_TIMEOUT_MS = 10_000;

async function listIn(
  q: Kysely<Database> | Transaction<Database>,
  options: ListOptions,
): Promise<FlowPage> {
  const n = Math.max(1, Math.min(FLOW_PAGE_MAX, Math.floor(options.limit)));
  const sortKey = options.sort ?? 'start';
  const dir = options.dir ?? 'desc';
  const spec = SORT_KEYS[sortKey];
  let cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  if (options.anchor) {
    // A flow id as the page boundary: its own sort value becomes the keyset position.
    const row = await q
      .selectFrom('flows')
      .select(sql<string | number | boolean>`${spec.expression}`.as('v'))
      .where('id', '=', options.anchor.id)
      .executeTakeFirst();
    if (!row) throw new InvalidCursorError('the anchor flow does not exist');
    const value = spec.kind === 'number' ? Number(row.v) : row.v;
    cursor = {
      direction: options.anchor.direction,
      sort: sortKey,
      value,
      id: options.anchor.id,
    };
  }
  if (cursor && cursor.sort !== sortKey)
    throw new InvalidCursorError(`cursor is for sort "${cursor.sort}", not "${sortKey}"`);
  const backward = cursor?.direction === 'before';
  // Reading backward walks the index the other way and flips the page afterwards.
  const readAsc = (dir === 'asc') !== backward;
  const order = sql.raw(readAsc ? 'ASC' : 'DESC');
  const rows = await q
    .selectFrom('flows')
    .select([
      ...SUMMARY_COLUMNS,
      sql<string | number | boolean>`${spec.expression}`.as('sort_value'),
    ])
    .$if(cursor !== undefined, (qb) =>
      qb.where(
        sql<boolean>`(${spec.expression}, id) ${sql.raw(readAsc ? '>' : '<')} (${spec.param(cursor?.value ?? 0)}, ${cursor?.id}::uuid)`,
      ),
    )
    .$if(options.filter !== undefined, (qb) =>
      qb.where(options.filter ? filterToSql(options.filter) : sql<boolean>`TRUE`),
    )
    .$if(options.ids !== undefined, (qb) =>
      qb.where(sql<boolean>`id = ANY(${[...(options.ids ?? [])]}::uuid[])`),
    )
    .orderBy(sql`${spec.expression} ${order}`)
    .orderBy(sql`id ${order}`)
    .limit(n + 1)
    .execute();
  const more = rows.length > n;
  const page = rows.slice(0, n);
  if (backward) page.reverse();
  const keyOf = (r: (typeof page)[number]) => ({
    value: spec.kind === 'number' ? Number(r.sort_value) : r.sort_value,
    id: r.id,
  });
  const first = page[0];
  const last = page.at(-1);
  const at = (
    direction: 'after' | 'before',
    key: { value: string | number | boolean; id: string },
  ) => encodeCursor({ direction, sort: sortKey, ...key });
  let next: string | null;
  let prev: string | null;
  if (backward) {
    prev = more && first ? at('before', keyOf(first)) : null;
    next = last ? at('after', keyOf(last)) : cursor ? at('after', cursor) : null;
  } else {
    next = more && last ? at('after', keyOf(last)) : null;
    prev = cursor === undefined ? null : first ? at('before', keyOf(first)) : at('before', cursor);
  }
  return { flows: page.map(toSummary), next, prev };
}

/** A page of summaries; filtered reads run under `filterTimeoutMs` (FilterTimeoutError past it). */
export async function listFlows(
  db: Kysely<Database>,
  options: ListOptions,
  filterTimeoutMs: number,
): Promise<FlowPage> {
  if (!options.filter && options.ids === undefined) return listIn(db, options);
  // Header and body operators scan: the whole read runs under a statement_timeout, so a broad
  // search (or a regex slow on attacker-written bodies) ends as an error, never a hung API.
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('statement_timeout', ${String(filterTimeoutMs)}, true)`.execute(
        trx,
      );
      return await listIn(trx, options);
    });
  } catch (err) {
    if (sqlState(err) === '57014')
      throw new FilterTimeoutError(
        `the filter took longer than ${filterTimeoutMs / 1000} s; narrow it (e.g. ~d, ~c, ~t before ~b)`,
      );
    throw err;
  }
}
