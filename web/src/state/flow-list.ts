/**
 * The traffic list's actions: first page, older pages by cursor, and the live feed. Flow ids are
 * kept in a set so a flow seen by both the page and the feed appears once. Live flows are batched
 * per frame so a burst costs one render, and after a reconnect the newest page is fetched again to
 * fill the gap the dead connection left.
 */
import type { FlowSummary, LiveMessage } from '@honeyproxy/protocol';
import type { ApiClient } from '../api/api-client.js';
import type { LiveClient, LiveClientOptions } from '../api/live-client.js';
import type { AppState } from './app-state.js';
import type { Store } from './store.js';

export const PAGE_SIZE = 200;

export interface FlowList {
  /** Opens the live feed and loads the first page. */
  start(): void;
  /** Loads the next older page (no-op at the end or while loading). */
  loadOlder(): void;
  /** Loads the first page again (after an error). */
  reload(): void;
  stop(): void;
}

export interface FlowListOptions {
  api: Pick<ApiClient, 'listFlows'>;
  store: Store<AppState>;
  createLive: (
    handlers: Pick<LiveClientOptions, 'onMessage' | 'onStatus' | 'onInvalid'>,
  ) => LiveClient;
  /** Defers a live batch flush (default: next animation frame). */
  defer?: (fn: () => void) => void;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createFlowList(options: FlowListOptions): FlowList {
  const { api, store } = options;
  const defer = options.defer ?? ((fn: () => void) => void requestAnimationFrame(fn));
  const known = new Set<string>();
  let pending: FlowSummary[] = [];
  let flushQueued = false;
  let generation = 0;

  /** Flows not seen before (also dedupes within `flows`), remembering them. */
  function unseen(flows: readonly FlowSummary[]): FlowSummary[] {
    const fresh: FlowSummary[] = [];
    for (const flow of flows) {
      if (known.has(flow.id)) continue;
      known.add(flow.id);
      fresh.push(flow);
    }
    return fresh;
  }

  function flush(): void {
    flushQueued = false;
    const fresh = unseen(pending).reverse(); // arrival order → newest first
    pending = [];
    if (fresh.length > 0) store.update((s) => ({ rows: [...fresh, ...s.rows] }));
  }

  function onLive(msg: LiveMessage): void {
    if (msg.type !== 'flow') return;
    pending.push(msg.flow);
    if (!flushQueued) {
      flushQueued = true;
      defer(flush);
    }
  }

  async function loadFirst(): Promise<void> {
    const token = ++generation;
    store.update({ list: { state: 'loading' } });
    try {
      const page = await api.listFlows(PAGE_SIZE, null);
      if (token !== generation) return;
      const fresh = unseen(page.flows);
      store.update((s) => ({
        rows: [...s.rows, ...fresh],
        next: page.next,
        list: { state: 'ready' },
      }));
    } catch (err) {
      if (token === generation) store.update({ list: { state: 'error', message: message(err) } });
    }
  }

  /** After a reconnect: flows committed while the feed was down, merged by id (ids are time-ordered). */
  async function catchUp(): Promise<void> {
    try {
      const page = await api.listFlows(PAGE_SIZE, null);
      const missed = unseen(page.flows);
      if (missed.length === 0) return;
      store.update((s) => ({ rows: mergeNewest(s.rows, missed) }));
    } catch {
      // The next reconnect tries again; the table still shows what it had.
    }
  }

  async function loadOlder(): Promise<void> {
    const { next, older, list } = store.state;
    if (next === null || older.state === 'loading' || list.state !== 'ready') return;
    const token = generation;
    store.update({ older: { state: 'loading' } });
    try {
      const page = await api.listFlows(PAGE_SIZE, next);
      if (token !== generation) return;
      const fresh = unseen(page.flows);
      store.update((s) => ({
        rows: [...s.rows, ...fresh],
        next: page.next,
        older: { state: 'idle' },
      }));
    } catch (err) {
      if (token === generation) store.update({ older: { state: 'error', message: message(err) } });
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
    loadOlder: () => void loadOlder(),
    reload: () => void loadFirst(),
    stop() {
      generation++;
      live.close();
    },
  };
}

/** Puts `missed` (newest first) among the top rows by id, leaving older rows where they are. */
export function mergeNewest(
  rows: readonly FlowSummary[],
  missed: readonly FlowSummary[],
): FlowSummary[] {
  const oldestMissed = missed.reduce((min, f) => (f.id < min ? f.id : min), missed[0]?.id ?? '');
  let split = 0;
  while (split < rows.length && (rows[split]?.id ?? '') > oldestMissed) split++;
  const head = [...missed, ...rows.slice(0, split)].sort((a, b) =>
    a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
  );
  return [...head, ...rows.slice(split)];
}
