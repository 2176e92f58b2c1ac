/**
 * What the application shell needs from outside: the store to render, the API for the detail pane,
 * and the actions its events turn into. main.ts builds it; tests could hand in fakes.
 */
import type { ApiClient } from '../api/api-client.js';
import type { AppState } from './app-state.js';
import type { FlowWindow } from './flow-window.js';
import type { Prefs } from './prefs.js';
import type { Route } from './route.js';
import type { Store } from './store.js';

export interface AppServices {
  store: Store<AppState>;
  api: ApiClient;
  navigate(route: Route, options?: { replace?: boolean }): void;
  list: Pick<FlowWindow, 'reload' | 'loadBefore' | 'loadAfter' | 'jumpToEnd'>;
  /** Changes the analyst's preferences and remembers them. */
  updatePrefs(change: (prefs: Prefs) => Prefs): void;
  /** Host name of the page (a guess at the sensor's address for the quick start). */
  hostname: string;
}
