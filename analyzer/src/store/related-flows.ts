/**
 * The 2012 helpers: for a flow, the earlier 2xx flows with a body for the same URL (what a 304
 * revalidated), or the requests to its Location that followed a redirect.
 */
import { sql, type Kysely } from 'kysely';
import { RELATED_MAX, headerValue, type FlowRecord, type FlowSummary } from '@honeyproxy/protocol';
import type { Database } from '../db/database.js';
import { SUMMARY_COLUMNS, toSummary } from './flow-summary-row.js';

export type RelatedKind = 'earlier-content' | 'redirect-target';

// Flows with a given URL are found through the url sort index (migration 0003 dropped the hash
// index that served only this): the expression must be the index's own, written exactly so.
const URL_KEY = sql.raw('left(url, 256)');

/** How long after a redirect its follow-up request is looked for. */
const REDIRECT_WINDOW_MS = 5 * 60_000;

/** The absolute URL a Location header points to (relative to the request URL), without fragment. */
export function resolveLocation(location: string, base: string): string | undefined {
  try {
    const url = new URL(location, base);
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

/** The related flows of `record` (stored under `id`). */
export async function relatedFlows(
  db: Kysely<Database>,
  id: string,
  record: FlowRecord,
  kind: RelatedKind,
): Promise<FlowSummary[]> {
  const base = db
    .selectFrom('flows')
    .select(SUMMARY_COLUMNS)
    .where('id', '<>', id)
    .limit(RELATED_MAX);
  if (kind === 'earlier-content') {
    const rows = await base
      .where(sql<boolean>`${URL_KEY} = left(${record.request.url}, 256)`)
      .where('url', '=', record.request.url)
      .where('started_at', '<', record.ts.start)
      .where('status', '>=', 200)
      .where('status', '<', 300)
      .where(sql<boolean>`coalesce(response_size, 0) > 0`)
      .orderBy('started_at', 'desc')
      .execute();
    return rows.map(toSummary);
  }
  const location = record.response ? headerValue(record.response.headers, 'location') : undefined;
  const target = location ? resolveLocation(location, record.request.url) : undefined;
  if (target === undefined) return [];
  // The same client's follow-up first, then anyone's, in time order.
  const rows = await base
    .where(sql<boolean>`${URL_KEY} = left(${target}, 256)`)
    .where('url', '=', target)
    .where('started_at', '>=', record.ts.start)
    .where('started_at', '<=', record.ts.start + REDIRECT_WINDOW_MS)
    .orderBy(sql`(client_ip = ${record.client.ip})`, 'desc')
    .orderBy('started_at', 'asc')
    .execute();
  return rows.map(toSummary);
}
