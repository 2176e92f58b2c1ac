/**
 * What the application shell needs from outside: the store to render and the actions its events
 * turn into. main.ts builds it; tests could hand in fakes.
 */
import type { AppState } from './app-state.js';
import type { Route } from './route.js';
import type { Store } from './store.js';

export interface AppServices {
  store: Store<AppState>;
  navigate(route: Route, options?: { replace?: boolean }): void;
  loadOlder(): void;
  reloadList(): void;
  /** Host name of the page (a guess at the sensor's address for the onboarding hints). */
  hostname: string;
}
