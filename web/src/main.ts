/**
 * Boot: switch the protocol decoders to their no-eval mode (the page's CSP forbids eval), build the
 * API client, store, router and actions, and mount <hp-app>. The only place things are wired.
 */
import { setValidationMode } from '@honeyproxy/protocol';
import { createApiClient } from './api/api-client.js';
import { createLiveClient } from './api/live-client.js';
import { initialState } from './state/app-state.js';
import { createFlowDetail } from './state/flow-detail.js';
import { createFlowList } from './state/flow-list.js';
import { createHashRouter } from './state/hash-router.js';
import { parseRoute } from './state/route.js';
import { Store } from './state/store.js';
import { documentStyles } from './styles/theme.js';
import './components/hp-app.js';

setValidationMode('interpreted');

if (documentStyles.styleSheet)
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, documentStyles.styleSheet];

const api = createApiClient();
const store = new Store(initialState(parseRoute(location.hash)));
const list = createFlowList({
  api,
  store,
  createLive: (handlers) => createLiveClient({ api, ...handlers }),
});
const detail = createFlowDetail({ api, store });
const router = createHashRouter(window, (route) => {
  store.update({ route });
  detail.show(route);
});

const app = document.createElement('hp-app');
app.services = {
  store,
  navigate: (route, options) => router.navigate(route, options),
  loadOlder: () => list.loadOlder(),
  reloadList: () => list.reload(),
  hostname: location.hostname || 'localhost',
};
document.body.append(app);

list.start();
detail.show(router.current());
api.me().then(
  (me) => store.update({ me }),
  () => undefined, // the user name is decoration; the table's own errors say what is wrong
);
