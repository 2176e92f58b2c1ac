/**
 * Boot: switch the protocol decoders to their no-eval mode (the page's CSP forbids eval), build the
 * API client, store, router, list window and helpers, and mount <hp-app>. The only place things
 * are wired.
 */
import { setValidationMode } from '@honeyproxy/protocol';
import { createApiClient } from './api/api-client.js';
import { createLiveClient } from './api/live-client.js';
import { initialState } from './state/app-state.js';
import { createFlowDetail } from './state/flow-detail.js';
import { createFlowWindow } from './state/flow-window.js';
import { createHashRouter } from './state/hash-router.js';
import { createPrefsStorage } from './state/prefs.js';
import { createRelatedFlows } from './state/related-flows.js';
import { parseRoute, sortOf, type Route } from './state/route.js';
import { Store } from './state/store.js';
import { documentStyles } from './styles/theme.js';
import './components/hp-app.js';
import { createSensorsPoller } from './sensors/sensors-poller.js';
import { isSensorsHash } from './sensors/sensors-route.js';

setValidationMode('interpreted');

if (documentStyles.styleSheet)
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, documentStyles.styleSheet];

let storage: Storage | null = null;
try {
  storage = window.localStorage;
} catch {
  // storage disabled: preferences last for this page only
}
const prefsStorage = createPrefsStorage(storage);
const api = createApiClient();
const firstRoute = parseRoute(location.hash);
const store = new Store(initialState(firstRoute, prefsStorage.load('')));
const list = createFlowWindow({
  api,
  store,
  createLive: (handlers) => createLiveClient({ api, ...handlers }),
});
const related = createRelatedFlows({ api, store });
const detail = createFlowDetail({ api, store });

function listChanged(a: Route, b: Route): boolean {
  const x = sortOf(a);
  const y = sortOf(b);
  return a.q !== b.q || x.key !== y.key || x.dir !== y.dir;
}

const router = createHashRouter(window, (route) => {
  const previous = store.state.route;
  store.update((s) => ({ route, selectedId: route.flowId ?? s.selectedId }));
  if (listChanged(previous, route)) list.reload();
  related.show(route.popout ? null : route.flowId);
  detail.show(route.flowId);
});

const app = document.createElement('hp-app');
app.services = {
  store,
  navigate: (route, options) => router.navigate(route, options),
  list,
  updatePrefs(change) {
    const prefs = change(store.state.prefs);
    store.update({ prefs });
    prefsStorage.save(store.state.me?.user ?? '', prefs);
  },
  hostname: location.hostname || 'localhost',
};
document.body.append(app);
detail.show(firstRoute.flowId);

if (!firstRoute.popout) {
  list.start();
  related.show(firstRoute.flowId);
  api.sensors().then(
    (sensors) => store.update({ sensors }),
    () => undefined, // the quick start then says how to find the sensor's address
  );
}
// The sensors view (#/sensors) polls GET /api/sensors while it is shown.
const sensorsPoller = createSensorsPoller({
  api,
  onUpdate: ({ sensors, error }) =>
    store.update(sensors ? { sensors, sensorsError: error } : { sensorsError: error }),
});
const syncSensorsView = () => {
  const shown = isSensorsHash(location.hash);
  store.update({ sensorsView: shown });
  if (shown) sensorsPoller.start();
  else sensorsPoller.stop();
};
window.addEventListener('hashchange', syncSensorsView);
syncSensorsView();

api.me().then(
  (me) => store.update({ me, prefs: prefsStorage.load(me.user) }),
  () => undefined, // the user name is decoration; the table's own errors say what is wrong
);
