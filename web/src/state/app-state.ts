/**
 * The GUI's whole state, in one immutable object held by the Store. Rows keep arrival order (newest
 * first); sorting is derived (sort-flows.ts) so the live feed can keep prepending.
 */
import type { FlowRecord, FlowSummary, WhoAmI } from '@honeyproxy/protocol';
import type { LiveStatus } from '../api/live-client.js';
import type { BodySide } from '../api/paths.js';
import type { BodyView } from './body-view.js';
import type { Route } from './route.js';

export type ListStatus =
  { state: 'loading' } | { state: 'ready' } | { state: 'error'; message: string };

export type OlderStatus =
  { state: 'idle' } | { state: 'loading' } | { state: 'error'; message: string };

export type DetailState =
  | { state: 'none' }
  | { state: 'loading'; id: string }
  | { state: 'ready'; id: string; flow: FlowRecord }
  | { state: 'error'; id: string; message: string };

export interface AppState {
  me: WhoAmI | null;
  rows: readonly FlowSummary[];
  /** Cursor of the next older page; null when the oldest flow is loaded. */
  next: string | null;
  list: ListStatus;
  older: OlderStatus;
  live: LiveStatus;
  /** Live messages that failed validation (dropped). */
  invalidLive: number;
  route: Route;
  detail: DetailState;
  /** Bodies of the open flow only (dropped when another flow opens). */
  bodies: Readonly<Partial<Record<BodySide, BodyView>>>;
}

export function initialState(route: Route): AppState {
  return {
    me: null,
    rows: [],
    next: null,
    list: { state: 'loading' },
    older: { state: 'idle' },
    live: { state: 'connecting', attempt: 0 },
    invalidLive: 0,
    route,
    detail: { state: 'none' },
    bodies: {},
  };
}
