/**
 * What the address bar says — everything a teammate needs to see the same screen: the open flow and
 * its detail tab, the list's filter, highlight and sort, the pane layout, and whether this window is
 * a pop-out. `#/flows/<id>/<tab>?q=~d%20evil&hl=~c%204xx&sort=status&dir=desc&layout=right`.
 * Parsing is tolerant (a bad part is dropped) and only well-formed flow ids get through.
 */
import { FILTER_MAX_LENGTH, FLOW_SORT_KEYS, type FlowSortKey } from '@honeyproxy/protocol';
import { isFlowId } from '../api/paths.js';
import { parseDetailTab, type DetailTabId } from '../detail/detail-tabs.js';

export interface SortSpec {
  key: FlowSortKey;
  dir: 'asc' | 'desc';
}

export type Layout = 'bottom' | 'right';

export interface Route {
  flowId: string | null;
  /** Detail tab (the pane's DETAIL_TABS); null: the pane's default for the flow. */
  tab: DetailTabId | null;
  /** null: the default order, newest first. */
  sort: SortSpec | null;
  /** Filter expression applied on the server ('' = everything). */
  q: string;
  /** Highlight expression marking rows ('' = none). */
  hl: string;
  layout: Layout;
  /** This window shows only the detail pane (a popped-out tab). */
  popout: boolean;
}

export const EMPTY_ROUTE: Route = {
  flowId: null,
  tab: null,
  sort: null,
  q: '',
  hl: '',
  layout: 'bottom',
  popout: false,
};

/** The default order the server uses when `sort` is absent. */
export const DEFAULT_SORT: SortSpec = { key: 'start', dir: 'desc' };

function isSortKey(value: string | null): value is FlowSortKey {
  return value !== null && (FLOW_SORT_KEYS as readonly string[]).includes(value);
}

/** Reads a `location.hash`. */
export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const cut = text.indexOf('?');
  const pathPart = cut < 0 ? text : text.slice(0, cut);
  const query = new URLSearchParams(cut < 0 ? '' : text.slice(cut + 1));
  const segments = pathPart.split('/').filter((s) => s !== '');
  let flowId: string | null = null;
  let tab: DetailTabId | null = null;
  if ((segments[0] === 'flows' || segments[0] === 'flow') && segments[1] && isFlowId(segments[1])) {
    flowId = segments[1];
    tab = parseDetailTab(segments[2]);
  }
  const key = query.get('sort');
  const sort: SortSpec | null = isSortKey(key)
    ? { key, dir: query.get('dir') === 'asc' ? 'asc' : 'desc' }
    : null;
  const bounded = (name: string) => (query.get(name) ?? '').slice(0, FILTER_MAX_LENGTH);
  return {
    flowId,
    tab,
    sort,
    q: bounded('q'),
    hl: bounded('hl'),
    layout: query.get('layout') === 'right' ? 'right' : 'bottom',
    popout: flowId !== null && query.get('popout') === '1',
  };
}

/** Writes a route as a `#…` fragment (defaults left out, so URLs stay short). */
export function formatRoute(route: Route): string {
  let path = '/';
  if (route.flowId !== null) path = `/flows/${route.flowId}${route.tab ? `/${route.tab}` : ''}`;
  const query = new URLSearchParams();
  if (route.q) query.set('q', route.q);
  if (route.hl) query.set('hl', route.hl);
  if (route.sort) {
    query.set('sort', route.sort.key);
    query.set('dir', route.sort.dir);
  }
  if (route.layout !== 'bottom') query.set('layout', route.layout);
  if (route.popout && route.flowId !== null) query.set('popout', '1');
  const text = query.toString().replaceAll('+', '%20');
  return `#${path}${text ? `?${text}` : ''}`;
}

/** The effective sort (the default when the route names none). */
export function sortOf(route: Route): SortSpec {
  return route.sort ?? DEFAULT_SORT;
}
