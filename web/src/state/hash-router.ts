/**
 * Keeps a Route in sync with `location.hash`. Opening a flow adds a history entry (Back closes it);
 * sorting replaces the current entry so the history is not flooded.
 */
import { formatRoute, parseRoute, type Route } from './route.js';

export interface Router {
  current(): Route;
  navigate(route: Route, options?: { replace?: boolean }): void;
  close(): void;
}

export function createHashRouter(win: Window, onChange: (route: Route) => void): Router {
  let route = parseRoute(win.location.hash);
  const onHashChange = (): void => {
    route = parseRoute(win.location.hash);
    onChange(route);
  };
  win.addEventListener('hashchange', onHashChange);
  return {
    current: () => route,
    navigate(next, options = {}) {
      const hash = formatRoute(next);
      if (hash === formatRoute(route)) return;
      if (options.replace) {
        win.history.replaceState(win.history.state, '', hash);
        onHashChange();
      } else {
        win.location.hash = hash; // fires hashchange
      }
    },
    close() {
      win.removeEventListener('hashchange', onHashChange);
    },
  };
}
