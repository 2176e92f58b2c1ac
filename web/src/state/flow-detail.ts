/**
 * The open flow for the detail pane: loads its record when the route names another flow, and makes
 * the BodySource that loads its bodies on demand (aborted and dropped when the pane moves on). The
 * result is a slice of the store (`detail`); the pane and its tabs only render it. A body finishing
 * bumps `rev`, so the tabs that asked for it render again. The split pane and a pop-out window use
 * the same controller, each in its own page.
 */
import type { FlowRecord } from '@honeyproxy/protocol';
import type { ApiClient } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { AppState } from './app-state.js';
import { BodySource } from './body-source.js';
import type { Store } from './store.js';

export type FlowDetailState =
  | { state: 'none' }
  | { state: 'loading'; id: string }
  | { state: 'ready'; id: string; flow: FlowRecord; source: BodySource; rev: number }
  | { state: 'error'; id: string; message: string };

export const NO_DETAIL: FlowDetailState = { state: 'none' };

export interface FlowDetail {
  /** Shows this flow (null: none). The same id again only retries after an error. */
  show(flowId: string | null): void;
}

function errorMessage(err: unknown): string {
  if (err instanceof ApiError && err.status === 404)
    return 'No flow with this id is stored on this analyzer.';
  return err instanceof Error ? err.message : String(err);
}

export function createFlowDetail(options: {
  api: Pick<ApiClient, 'getFlow' | 'getBody'>;
  store: Store<AppState>;
}): FlowDetail {
  const { api, store } = options;
  let abort: AbortController | null = null;

  const set = (detail: FlowDetailState) => store.update({ detail });

  function drop(): void {
    abort?.abort();
    abort = null;
    const current = store.state.detail;
    if (current.state === 'ready') current.source.dispose();
  }

  return {
    show(id) {
      const current = store.state.detail;
      if (current.state !== 'none' && current.state !== 'error' && current.id === id) return;
      drop();
      if (id === null) {
        set(NO_DETAIL);
        return;
      }
      const mine = new AbortController();
      abort = mine;
      set({ state: 'loading', id });
      api.getFlow(id, mine.signal).then(
        (flow) => {
          if (mine.signal.aborted) return;
          const source = new BodySource(api, flow, () => {
            const now = store.state.detail;
            if (now.state === 'ready' && now.source === source) set({ ...now, rev: now.rev + 1 });
          });
          set({ state: 'ready', id, flow, source, rev: 0 });
        },
        (err: unknown) => {
          if (!mine.signal.aborted) set({ state: 'error', id, message: errorMessage(err) });
        },
      );
    },
  };
}
