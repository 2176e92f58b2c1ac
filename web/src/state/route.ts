/**
 * What the address bar says: the open flow, its tab and the table's sort. Everything an analyst can
 * open has a URL a teammate can open: `#/flows/<id>/response?sort=status&dir=desc`. Parsing is
 * tolerant (a bad part is dropped) and only well-formed flow ids get through.
 */
import { isFlowId } from '../api/paths.js';

export const DETAIL_TABS = ['request', 'response', 'connection'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export const SORT_KEYS = [
  'method',
  'host',
  'path',
  'status',
  'type',
  'size',
  'start',
  'duration',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SortSpec {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export interface Route {
  flowId: string | null;
  /** null: the default tab for the flow. */
  tab: DetailTab | null;
  /** null: arrival order, newest first. */
  sort: SortSpec | null;
}

export const EMPTY_ROUTE: Route = { flowId: null, tab: null, sort: null };

function isOneOf<T extends string>(
  list: readonly T[],
  value: string | null | undefined,
): value is T {
  return value !== null && value !== undefined && (list as readonly string[]).includes(value);
}

/** Reads a `location.hash`. */
export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const [pathPart = '', queryPart = ''] = text.split('?', 2);
  const segments = pathPart.split('/').filter((s) => s !== '');
  const query = new URLSearchParams(queryPart);
  let flowId: string | null = null;
  let tab: DetailTab | null = null;
  if (segments[0] === 'flows' && segments[1] !== undefined && isFlowId(segments[1])) {
    flowId = segments[1];
    if (isOneOf(DETAIL_TABS, segments[2])) tab = segments[2];
  }
  const key = query.get('sort');
  const dir = query.get('dir');
  const sort: SortSpec | null = isOneOf(SORT_KEYS, key)
    ? { key, dir: dir === 'asc' ? 'asc' : 'desc' }
    : null;
  return { flowId, tab, sort };
}

/** Writes a route as a `#…` fragment. */
export function formatRoute(route: Route): string {
  let path = '/';
  if (route.flowId !== null) path = `/flows/${route.flowId}${route.tab ? `/${route.tab}` : ''}`;
  const query = route.sort ? `?sort=${route.sort.key}&dir=${route.sort.dir}` : '';
  return `#${path}${query}`;
}
