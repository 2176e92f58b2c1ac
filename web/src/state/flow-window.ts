/**
 * The traffic list's loading: a window of rows onto the server's sorted, filtered flows, extended a
 * page at a time in either direction by keyset (`after=`/`before=` a flow id) as the analyst scrolls,
 * and trimmed on the far side past WINDOW_MAX rows so memory stays bounded however deep they go.
 * Live flows matching the filter join at the live edge — the top in the default newest-first order —
 * only while the window is at that edge; otherwise they are counted as unseen. Live flows are
 * coalesced into at most one store update per LIVE_INTERVAL_MS (on an animation frame): at 500
 * flows/s a per-frame update re-rendered and re-laid-out every visible row 60 times a second, which
 * a loaded machine could not keep inside a frame. Merging costs O(new flows + rows they overtake),
 * plus one array copy. After a reconnect the first page is merged again.
 */
import {
  compileFilter,
  needsServer,
  parseFilter,
  type FlowSummary,
  type LiveMessage,
} from '@honeyproxy/protocol';
import type { ApiClient } from '../api/api-client.js';
import type { LiveClient, LiveClientOptions } from '../api/live-client.js';
import { EMPTY_WINDOW, type AppState, type ListWindow } from './app-state.js';
import { sortOf, type Route } from './route.js';
import type { Store } from './store.js';

export const FIRST_PAGE = 100;
export const PAGE = 1000;
/** Rows kept in the window; beyond this the far side is dropped (and re-read if scrolled back). */
export const WINDOW_MAX = 150_000;
const EDGE_CHECK = 3 * PAGE;
/** Live batches reach the store at most this often (4 table updates a second). */
export const LIVE_INTERVAL_MS = 250;

export interface FlowWindow {
  /** Opens the live feed and loads the first page for the current route. */
  start(): void;
  /** Reloads from the start (filter or sort changed, retry, "show new flows"). */
  reload(): void;
  /** Extends the window by a page before its first / after its last row. */
  loadBefore(): void;
  loadAfter(): void;
  /** Replaces the window with the last rows of the order (End key). */
  jumpToEnd(): void;
  stop(): void;
}

export interface FlowWindowOptions {
  api: Pick<ApiClient, 'listFlows'>;
  store: Store<AppState>;
  createLive: (
    handlers: Pick<LiveClientOptions, 'onMessage' | 'onStatus' | 'onInvalid'>,
  ) => LiveClient;
  /**
   * Runs a live batch flush after `waitMs` (default: a timer, then the next animation frame so the
   * render lands at the start of a frame).
   */
  defer?: (fn: () => void, waitMs: number) => void;
  /** Minimum time between live flushes (default LIVE_INTERVAL_MS). */
  liveIntervalMs?: number;
  windowMax?: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Live flows asked about per request when only the server can answer the filter. */
const LIVE_IDS_MAX = 100;

/**
 * A predicate for the route's filter; matches nothing if it does not parse (the server said why).
 * 'server' for header/body operators: summaries cannot answer them, so the API is asked.
 */
function filterOf(route: Route): ((f: FlowSummary) => boolean) | 'server' {
  try {
    const node = parseFilter(route.q);
    return needsServer(node) ? 'server' : compileFilter(node);
  } catch {
    return () => false;
  }
}

export function createFlowWindow(options: FlowWindowOptions): FlowWindow {
  const { api, store } = options;
  const windowMax = options.windowMax ?? WINDOW_MAX;
  const defer =
    options.defer ??
    ((fn: () => void, waitMs: number) =>
      waitMs > 0
        ? void setTimeout(() => requestAnimationFrame(fn), waitMs)
        : void requestAnimationFrame(fn));
  const liveInterval = options.liveIntervalMs ?? LIVE_INTERVAL_MS;
  let pending: FlowSummary[] = [];
  let flushQueued = false;
  let lastFlush = -Infinity;
  let generation = 0;
  let abort = new AbortController();
  let matches = filterOf(store.state.route);

  const list = () => store.state.list;
  const setList = (patch: Partial<ListWindow> | ((l: ListWindow) => Partial<ListWindow>)) =>
    store.update((s) => ({
      list: { ...s.list, ...(typeof patch === 'function' ? patch(s.list) : patch) },
    }));

  function query() {
    const { key, dir } = sortOf(store.state.route);
    return { sort: key, dir, q: store.state.route.q };
  }

  /**
   * `fresh` minus rows already in the window near `edge`. Keyset pages never overlap; duplicates
   * only come from live flows that also arrive in a page, so looking near the edge is enough (and
   * keeps a live burst from scanning 100k rows per frame).
   */
  function without(
    rows: readonly FlowSummary[],
    edge: 'top' | 'bottom',
    fresh: readonly FlowSummary[],
  ): FlowSummary[] {
    const near = edge === 'top' ? rows.slice(0, EDGE_CHECK) : rows.slice(-EDGE_CHECK);
    const ids = new Set(near.map((r) => r.id));
    return fresh.filter((f) => !ids.has(f.id) && (ids.add(f.id), true));
  }

  async function loadFirst(): Promise<void> {
    const token = ++generation;
    abort.abort();
    abort = new AbortController();
    matches = filterOf(store.state.route);
    pending = [];
    setList((l) => ({ ...EMPTY_WINDOW, generation: l.generation + 1, rows: l.rows }));
    try {
      const page = await api.listFlows({ ...query(), limit: FIRST_PAGE }, abort.signal);
      if (token !== generation) return;
      setList({
        rows: page.flows,
        atStart: true,
        atEnd: page.next === null,
        status: { state: 'ready' },
      });
    } catch (err) {
      if (token === generation && !abort.signal.aborted)
        setList({ rows: [], status: { state: 'error', message: message(err) } });
    }
  }

  async function jumpToEnd(): Promise<void> {
    const token = ++generation;
    abort.abort();
    abort = new AbortController();
    const q = query();
    try {
      // The end of an order is the start of the reverse order, read backwards.
      const flipped = q.dir === 'asc' ? 'desc' : 'asc';
      const page = await api.listFlows({ ...q, dir: flipped, limit: PAGE }, abort.signal);
      if (token !== generation) return;
      setList((l) => ({
        rows: [...page.flows].reverse(),
        atStart: page.next === null,
        atEnd: true,
        status: { state: 'ready' },
        before: { state: 'idle' },
        after: { state: 'idle' },
        generation: l.generation + 1,
      }));
    } catch (err) {
      if (token === generation && !abort.signal.aborted)
        setList({ after: { state: 'error', message: message(err) } });
    }
  }

  async function extend(side: 'before' | 'after'): Promise<void> {
    const l = list();
    const edge = side === 'before' ? l.rows[0] : l.rows.at(-1);
    const done = side === 'before' ? l.atStart : l.atEnd;
    if (done || !edge || l.status.state !== 'ready' || l[side].state === 'loading') return;
    const token = generation;
    setList({ [side]: { state: 'loading' } });
    try {
      const page = await api.listFlows({ ...query(), limit: PAGE, [side]: edge.id }, abort.signal);
      if (token !== generation) return;
      setList((cur) => {
        const fresh = without(cur.rows, side === 'before' ? 'top' : 'bottom', page.flows);
        let rows = side === 'before' ? [...fresh, ...cur.rows] : [...cur.rows, ...fresh];
        let { atStart, atEnd } = cur;
        if (side === 'before') atStart = page.prev === null;
        else atEnd = page.next === null;
        if (rows.length > windowMax) {
          // Drop the far side: the analyst is reading near the edge just extended.
          const excess = rows.length - windowMax;
          if (side === 'before') {
            rows = rows.slice(0, windowMax);
            atEnd = false;
          } else {
            rows = rows.slice(excess);
            atStart = false;
          }
        }
        return { rows, atStart, atEnd, [side]: { state: 'idle' } };
      });
    } catch (err) {
      if (token === generation && !abort.signal.aborted)
        setList({ [side]: { state: 'error', message: message(err) } });
    }
  }

  function flush(): void {
    flushQueued = false;
    lastFlush = performance.now();
    if (matches === 'server') {
      void askServer(pending);
      pending = [];
      return;
    }
    const batch = pending.filter(matches);
    pending = [];
    place(batch);
  }

  /**
   * Header/body filters: the API says which of these live flows match — its SQL is the only
   * definition of those operators, so the live rows never disagree with a reload.
   */
  async function askServer(flows: readonly FlowSummary[]): Promise<void> {
    const token = generation;
    const found: FlowSummary[] = [];
    try {
      for (let i = 0; i < flows.length; i += LIVE_IDS_MAX) {
        const ids = flows.slice(i, i + LIVE_IDS_MAX).map((f) => f.id);
        const page = await api.listFlows({ ...query(), limit: ids.length, ids }, abort.signal);
        found.push(...page.flows);
      }
    } catch {
      return; // best effort like the live feed itself: the flows are in the database
    }
    if (token === generation) place(found);
  }

  function place(batch: readonly FlowSummary[]): void {
    if (batch.length === 0) return;
    const l = list();
    const sort = sortOf(store.state.route);
    const liveEdge = sort.key === 'start' ? (sort.dir === 'desc' ? 'top' : 'bottom') : null;
    const atEdge = liveEdge === 'top' ? l.atStart : liveEdge === 'bottom' ? l.atEnd : false;
    if (l.status.state !== 'ready' || !atEdge || liveEdge === null) {
      setList((cur) => ({ unseen: cur.unseen + batch.length }));
      return;
    }
    let rows = liveEdge === 'top' ? mergeNewest(l.rows, batch) : mergeOldest(l.rows, batch);
    if (rows === l.rows) return; // all already shown: no update, no render
    let { atStart, atEnd } = l;
    if (rows.length > windowMax) {
      if (liveEdge === 'top') {
        rows = rows.slice(0, windowMax);
        atEnd = false;
      } else {
        rows = rows.slice(rows.length - windowMax);
        atStart = false;
      }
    }
    setList({ rows, atStart, atEnd });
  }

  function onLive(msg: LiveMessage): void {
    if (msg.type !== 'flow') return;
    pending.push(msg.flow);
    if (!flushQueued) {
      flushQueued = true;
      // The first flow after a quiet spell shows at once; a stream is coalesced.
      defer(flush, Math.max(0, lastFlush + liveInterval - performance.now()));
    }
  }

  /** After a reconnect: the newest page again, merged (only when the window shows the live edge). */
  async function catchUp(): Promise<void> {
    const sort = sortOf(store.state.route);
    if (sort.key !== 'start' || sort.dir !== 'desc' || !list().atStart) return;
    try {
      const page = await api.listFlows({ ...query(), limit: FIRST_PAGE });
      pending.push(...page.flows);
      flush();
    } catch {
      // The next reconnect tries again; the table still shows what it had.
    }
  }

  const live = options.createLive({
    onMessage: onLive,
    onStatus(status, reconnected) {
      store.update({ live: status });
      if (reconnected) void catchUp();
    },
    onInvalid() {
      store.update((s) => ({ invalidLive: s.invalidLive + 1 }));
    },
  });

  return {
    start() {
      live.start();
      void loadFirst();
    },
    reload: () => void loadFirst(),
    loadBefore: () => void extend('before'),
    loadAfter: () => void extend('after'),
    jumpToEnd: () => void jumpToEnd(),
    stop() {
      generation++;
      abort.abort();
      live.close();
    },
  };
}

/** Newer than (start, id) order, as the server sorts. */
function newer(a: FlowSummary, b: FlowSummary): boolean {
  return a.start > b.start || (a.start === b.start && a.id > b.id);
}

const newestFirst = (a: FlowSummary, b: FlowSummary) => (newer(a, b) ? -1 : newer(b, a) ? 1 : 0);

/** `fresh` without duplicates and without ids in `known` (a flow may come live and in a page). */
function unique(fresh: readonly FlowSummary[], known: readonly FlowSummary[]): FlowSummary[] {
  const ids = new Set(known.map((r) => r.id));
  return fresh.filter((f) => !ids.has(f.id) && (ids.add(f.id), true));
}

/**
 * Puts live flows into newest-first rows where they belong: flows reach the analyzer in batches, so
 * one may arrive after a newer one. Only the top of the window is read — the rows not older than
 * the oldest incoming flow, where it and any duplicate must be — and the rest is copied once.
 * Returns `rows` itself when nothing is new.
 */
export function mergeNewest(
  rows: readonly FlowSummary[],
  fresh: readonly FlowSummary[],
): readonly FlowSummary[] {
  const incoming = [...fresh].sort(newestFirst);
  const oldest = incoming.at(-1);
  if (!oldest) return rows;
  let split = 0;
  while (split < rows.length && !newer(oldest, rows[split] as FlowSummary)) split++;
  const touched = rows.slice(0, split);
  const added = unique(incoming, touched);
  if (added.length === 0) return rows;
  const head = split === 0 ? added : [...added, ...touched].sort(newestFirst);
  return split === rows.length ? head : head.concat(rows.slice(split));
}

/** The same for oldest-first rows (live flows belong at the end). */
export function mergeOldest(
  rows: readonly FlowSummary[],
  fresh: readonly FlowSummary[],
): readonly FlowSummary[] {
  const incoming = [...fresh].sort(newestFirst).reverse();
  const oldest = incoming[0];
  if (!oldest) return rows;
  let split = rows.length;
  while (split > 0 && !newer(oldest, rows[split - 1] as FlowSummary)) split--;
  const touched = rows.slice(split);
  const added = unique(incoming, touched);
  if (added.length === 0) return rows;
  const tail = split === rows.length ? added : [...touched, ...added].sort(newestFirst).reverse();
  return split === 0 ? tail : rows.slice(0, split).concat(tail);
}
