/**
 * The detail pane's actions: load the flow the route names, then the body of the visible tab
 * (content-decoded by the analyzer, capped at BODY_VIEW_MAX). Opening another flow aborts what the
 * previous one still had in flight and drops its bodies, so memory stays bounded to one flow.
 */
import { headerValue, type FlowRecord } from '@honeyproxy/protocol';
import type { ApiClient } from '../api/api-client.js';
import { ApiError, BodyNotDecodableError } from '../api/api-error.js';
import type { BodySide } from '../api/paths.js';
import type { AppState } from './app-state.js';
import { BODY_VIEW_MAX, toBodyView, type BodyView } from './body-view.js';
import type { DetailTab, Route } from './route.js';
import type { Store } from './store.js';

export interface FlowDetail {
  /** Brings the detail state in line with the route (open, switch tab, close). */
  show(route: Route): void;
  stop(): void;
}

/** The tab shown when the route names none: the response if there is one. */
export function effectiveTab(tab: DetailTab | null, flow: FlowRecord): DetailTab {
  return tab ?? (flow.response ? 'response' : 'request');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createFlowDetail(options: {
  api: Pick<ApiClient, 'getFlow' | 'getBody'>;
  store: Store<AppState>;
}): FlowDetail {
  const { api, store } = options;
  let openId: string | null = null;
  let abort = new AbortController();

  function setBody(id: string, side: BodySide, view: BodyView): void {
    if (openId !== id) return;
    store.update((s) => ({ bodies: { ...s.bodies, [side]: view } }));
  }

  async function loadBody(flow: FlowRecord, side: BodySide): Promise<void> {
    const message_ = flow[side];
    const meta = message_?.body;
    if (!message_ || !meta || meta.capturedLen === 0) return;
    const existing = store.state.bodies[side];
    if (existing && existing.kind !== 'error') return;
    const id = flow.flowId;
    const { signal } = abort;
    const contentType = headerValue(message_.headers, 'content-type');
    setBody(id, side, { kind: 'loading' });
    try {
      try {
        const read = await api.getBody(id, side, {
          decoded: true,
          maxBytes: BODY_VIEW_MAX,
          signal,
        });
        setBody(id, side, toBodyView(read.bytes, read.complete, contentType, false));
      } catch (err) {
        if (!(err instanceof BodyNotDecodableError)) throw err;
        // The analyzer cannot remove the encoding: look at the raw bytes (usually shown as binary).
        const read = await api.getBody(id, side, {
          decoded: false,
          maxBytes: BODY_VIEW_MAX,
          signal,
        });
        setBody(id, side, toBodyView(read.bytes, read.complete, contentType, true));
      }
    } catch (err) {
      if (!signal.aborted) setBody(id, side, { kind: 'error', message: message(err) });
    }
  }

  function loadVisibleBody(route: Route): void {
    const { detail } = store.state;
    if (detail.state !== 'ready' || detail.id !== route.flowId) return;
    const tab = effectiveTab(route.tab, detail.flow);
    if (tab === 'request' || tab === 'response') void loadBody(detail.flow, tab);
  }

  async function open(id: string, route: Route): Promise<void> {
    abort.abort();
    abort = new AbortController();
    const { signal } = abort;
    openId = id;
    store.update({ detail: { state: 'loading', id }, bodies: {} });
    try {
      const flow = await api.getFlow(id, signal);
      if (openId !== id) return;
      store.update({ detail: { state: 'ready', id, flow } });
      loadVisibleBody(store.state.route.flowId === id ? store.state.route : route);
    } catch (err) {
      if (openId !== id || signal.aborted) return;
      const text =
        err instanceof ApiError && err.status === 404
          ? 'No flow with this id is stored on this analyzer.'
          : message(err);
      store.update({ detail: { state: 'error', id, message: text } });
    }
  }

  return {
    show(route) {
      if (route.flowId === null) {
        abort.abort();
        openId = null;
        if (store.state.detail.state !== 'none')
          store.update({ detail: { state: 'none' }, bodies: {} });
        return;
      }
      if (route.flowId !== openId || store.state.detail.state === 'error')
        void open(route.flowId, route);
      else loadVisibleBody(route);
    },
    stop() {
      abort.abort();
      openId = null;
    },
  };
}
