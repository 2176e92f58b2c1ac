/**
 * The GUI's whole state, in one immutable object held by the Store. The list is a window onto the
 * server's sorted, filtered flows: a contiguous run of rows with flags saying whether more exist on
 * either side. The open flow's record and bodies are the `detail` slice (state/flow-detail.ts).
 */
import type { FlowSummary, SensorList, WhoAmI } from '@honeyproxy/protocol';
import type { LiveStatus } from '../api/live-client.js';
import { NO_DETAIL, type FlowDetailState } from './flow-detail.js';
import type { Prefs } from './prefs.js';
import type { Route } from './route.js';

export type LoadStatus =
  { state: 'idle' } | { state: 'loading' } | { state: 'error'; message: string };

export interface ListWindow {
  rows: readonly FlowSummary[];
  /** No rows exist before rows[0] / after the last row (for the current sort and filter). */
  atStart: boolean;
  atEnd: boolean;
  /** The first page (after a filter or sort change, or start). */
  status: { state: 'loading' } | { state: 'ready' } | { state: 'error'; message: string };
  before: LoadStatus;
  after: LoadStatus;
  /** Live flows that matched but are not in the window (it is not at the live edge). */
  unseen: number;
  /** Bumped whenever the window is replaced rather than extended (the table resets its scroll). */
  generation: number;
}

export interface RelatedFlowsState {
  flowId: string;
  status: number | null;
  kind: 'earlier-content' | 'redirect-target' | null;
  flows: readonly FlowSummary[] | null;
  error: string | null;
  /** For "filter similar": the open flow's host, method and path. */
  summary: Pick<FlowSummary, 'host' | 'method' | 'path'> | null;
}

export interface AppState {
  me: WhoAmI | null;
  prefs: Prefs;
  list: ListWindow;
  live: LiveStatus;
  /** Live messages that failed validation (dropped). */
  invalidLive: number;
  route: Route;
  /** The keyboard cursor row (stays when the pane is closed, so Enter reopens it). */
  selectedId: string | null;
  sensors: SensorList | null;
  /** Why the last GET /api/sensors failed (the sensors view shows it). */
  sensorsError: string | null;
  /** The address is `#/sensors`: the sensors view replaces the traffic table. */
  sensorsView: boolean;
  related: RelatedFlowsState | null;
  /** The flow the detail pane shows (loaded by state/flow-detail.ts). */
  detail: FlowDetailState;
}

export const EMPTY_WINDOW: ListWindow = {
  rows: [],
  atStart: true,
  atEnd: true,
  status: { state: 'loading' },
  before: { state: 'idle' },
  after: { state: 'idle' },
  unseen: 0,
  generation: 0,
};

export function initialState(route: Route, prefs: Prefs): AppState {
  return {
    me: null,
    prefs,
    list: EMPTY_WINDOW,
    live: { state: 'connecting', attempt: 0 },
    invalidLive: 0,
    route,
    selectedId: route.flowId,
    sensors: null,
    sensorsError: null,
    sensorsView: false,
    related: null,
    detail: NO_DETAIL,
  };
}
