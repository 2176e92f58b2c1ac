/**
 * The 2012 helpers for the open flow: a 304 points to the earlier flows that carried the content for
 * the same URL; a redirect points to the request that followed it to its Location; any flow offers
 * "filter similar flows" (same host, method and path). Loaded when the open flow changes; the summary
 * comes from the table's rows when it is there, else from the flow record.
 */
import { summarizeFlow, type FlowSummary } from '@honeyproxy/protocol';
import type { ApiClient } from '../api/api-client.js';
import type { AppState, RelatedFlowsState } from './app-state.js';
import type { Store } from './store.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface RelatedFlows {
  show(flowId: string | null): void;
}

export function createRelatedFlows(options: {
  api: Pick<ApiClient, 'related' | 'getFlow'>;
  store: Store<AppState>;
}): RelatedFlows {
  const { api, store } = options;
  let current: string | null = null;
  let abort = new AbortController();

  const set = (id: string, patch: Partial<RelatedFlowsState>) => {
    if (current !== id) return;
    store.update((s) => (s.related ? { related: { ...s.related, ...patch } } : {}));
  };

  async function load(id: string, signal: AbortSignal): Promise<void> {
    let summary: FlowSummary | undefined = store.state.list.rows.find((r) => r.id === id);
    try {
      summary ??= summarizeFlow(await api.getFlow(id, signal));
      const kind =
        summary.status === 304
          ? 'earlier-content'
          : summary.status !== null && REDIRECTS.has(summary.status)
            ? 'redirect-target'
            : null;
      set(id, {
        status: summary.status,
        kind,
        summary: { host: summary.host, method: summary.method, path: summary.path },
      });
      if (kind === null) return;
      const flows = await api.related(id, kind, signal);
      set(id, { flows });
    } catch (err) {
      if (!signal.aborted) set(id, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  return {
    show(flowId) {
      if (flowId === current) return;
      abort.abort();
      abort = new AbortController();
      current = flowId;
      if (flowId === null) {
        store.update({ related: null });
        return;
      }
      store.update({
        related: { flowId, status: null, kind: null, flows: null, error: null, summary: null },
      });
      void load(flowId, abort.signal);
    },
  };
}
