/**
 * What the application shell needs from outside: the store to render and the actions its events
 * turn into (no API: components never fetch). main.ts builds it; tests could hand in fakes.
 */
import type { AppState } from './app-state.js';
import type { FlowWindow } from './flow-window.js';
import type { Prefs } from './prefs.js';
import type { Route } from './route.js';
import type { Store } from './store.js';

export interface AppServices {
  store: Store<AppState>;
  navigate(route: Route, options?: { replace?: boolean }): void;
  list: Pick<FlowWindow, 'reload' | 'loadBefore' | 'loadAfter' | 'jumpToEnd'>;
  /** Changes the analyst's preferences and remembers them. */
  updatePrefs(change: (prefs: Prefs) => Prefs): void;
  /** Host name of the page (a guess at the sensor's address for the quick start). */
  hostname: string;
}
