/**
 * Shared by the GUI safety tests (gui-safety*.test.ts): the hostile flows they capture through the
 * real sensor, a page watched for script that ran, requests that left, navigations and CSP
 * refusals, the tab walk, and the "nothing happened" assertion.
 */
import assert from 'node:assert/strict';
import type { BrowserContext, Page, Request } from 'playwright-core';
import type { FlowRecord } from '@honeyproxy/protocol';
import { assertPageClean } from './gui-harness.js';
import { HOSTILE_CORPUS, XSS, XSS_CALL, multipartBody } from './detail-corpus.js';
import type { DetailStack } from './detail-stack.js';

export const TABS = ['headers', 'details', 'payload', 'preview', 'raw'] as const;
/** Chromium's console lines for loads the preview's CSP refused (evidence, not failures). */
export const CSP_REFUSALS = [
  /violates the following Content Security Policy directive/,
  /Blocked script execution in '[^']*\/preview\?charset=[^']*' because the document's frame is sandboxed/,
  /Blocked form submission/,
  /Blocked autofocusing/,
];

/** The HTML preview route (analyzer/src/http/routes/preview.ts). */
export const PREVIEW_URL =
  /^http:\/\/[^/]+\/api\/flows\/[0-9a-f-]{36}\/(request|response)\/preview\?charset=[\w.:-]+$/;

/** Elements that could run code or load something, anywhere in the GUI's shadow roots. */
export const ACTIVE_PROBE = `(() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (tag === 'script' && el.getAttribute('src') !== '/app.js') found.push('script');
      if (['object', 'embed', 'frame', 'foreignobject', 'base', 'meta', 'link'].includes(tag) && root !== document) found.push(tag);
      if (tag === 'iframe' && el.getAttribute('sandbox') !== '') found.push('iframe without sandbox=""');
      if (tag === 'img' && !(el.getAttribute('src') ?? '').startsWith('blob:')) found.push('img ' + el.getAttribute('src'));
      for (const name of el.getAttributeNames()) if (name.startsWith('on')) found.push(tag + '@' + name);
      if (/^\\s*javascript:/i.test(el.getAttribute('href') ?? '')) found.push(tag + '@href=javascript');
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
})()`;

export interface Watched {
  page: Page;
  context: BrowserContext;
  ran: string[];
  /** Requests for anywhere but the analyzer that were not refused by a CSP inside the browser. */
  external(): string[];
  /** Loads a CSP refused before they were sent (Chromium reports them as failed requests). */
  cspRefused(): string[];
  navigations: string[];
  watch: Awaited<ReturnType<DetailStack['open']>>['watch'];
}

/**
 * Captures every flow of the hostile corpus (the HTML one over TLS) and requests carrying XSS in
 * the URL, headers, a form, a JSON body and multipart names.
 */
export async function captureHostileFlows(
  stack: DetailStack,
): Promise<{ flows: FlowRecord[]; byPath: Map<string, FlowRecord> }> {
  const flows: FlowRecord[] = [];
  const byPath = new Map<string, FlowRecord>();
  for (const path of Object.keys(HOSTILE_CORPUS)) {
    const flow = await stack.capture(path, { tls: path === '/evil.html' });
    flows.push(flow);
    byPath.set(path, flow);
  }
  const host = `127.0.0.1:${stack.origin.httpPort}`;
  // XSS in the URL path and query, header values, a form, a JSON body and multipart names.
  flows.push(
    await stack.capture(
      // spaces are the one thing a request line cannot carry raw
      `/${XSS[0]}/"><img src=x onerror=${XSS_CALL}>?q=${XSS[2]}&next=${XSS[3]}`.replace(
        / /g,
        '%20',
      ),
      {
        headers: [
          'Host',
          host,
          'X-Evil',
          XSS[1],
          'Referer',
          XSS[3],
          'Cookie',
          `s=${XSS[0]}`,
          'User-Agent',
          XSS[5],
        ],
      },
    ),
    await stack.capture('/echo-form', {
      method: 'POST',
      headers: ['Host', host, 'Content-Type', 'application/x-www-form-urlencoded'],
      body: `${encodeURIComponent(XSS[0])}=${encodeURIComponent(XSS[1])}&u=${encodeURIComponent(XSS[2])}`,
    }),
    await stack.capture('/echo-json', {
      method: 'POST',
      headers: ['Host', host, 'Content-Type', 'application/json'],
      body: JSON.stringify({ [XSS[0]]: [XSS[1], { [XSS[2]]: XSS[3] }] }),
    }),
    await stack.capture('/echo-upload', {
      method: 'POST',
      headers: ['Host', host, 'Content-Type', 'multipart/form-data; boundary=xss'],
      body: multipartBody('xss', [
        { name: XSS[2].replace(/"/g, "'"), data: XSS[0] },
        {
          name: 'file',
          filename: `${XSS[1].replace(/"/g, "'")}.php`,
          type: 'image/jpeg',
          data: HOSTILE_CORPUS['/evil.svg']?.body ?? '',
        },
        {
          name: 'doc',
          filename: '../../etc/passwd\u202egnp.exe',
          type: 'text/html',
          data: HOSTILE_CORPUS['/evil.html']?.body ?? '',
        },
      ]),
    }),
  );
  return { flows, byPath };
}

export async function openWatched(stack: DetailStack, hash: string): Promise<Watched> {
  const { page, context, watch } = await stack.open('about:blank'.slice(0, 0));
  const ran: string[] = [];
  const routed: string[] = [];
  const attempts = new Map<Request, string>();
  const navigations: string[] = [];
  await context.exposeBinding('__hpXss', (_source, arg: unknown) => void ran.push(String(arg)));
  const gui = new URL(stack.guiUrl).origin;
  context.on('request', (request) => {
    if (
      !request.url().startsWith(gui) &&
      !request.url().startsWith('blob:') &&
      !request.url().startsWith('data:')
    )
      attempts.set(
        request,
        `${request.url()} (${request.resourceType()} from ${request.frame().url().slice(0, 60)})`,
      );
  });
  await context.route(
    (url) => url.origin !== gui,
    (route) => {
      routed.push(`routed ${route.request().url()}`);
      return route.abort('blockedbyclient');
    },
  );
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
    // the preview frame loads the analyzer's preview route; a load the preview refused shows
    // as Chromium's error page (or an empty URL), not a document
    else if (
      !/^(about:blank|chrome-error:|$)/.test(frame.url()) &&
      !(frame.parentFrame() === page.mainFrame() && PREVIEW_URL.test(frame.url()))
    )
      navigations.push(`frame ${frame.url()}`);
  });
  await page.goto(`${stack.guiUrl}${hash}`);
  // DevTools reports a load a CSP refused as a request that failed with blockedReason "csp"
  // (Playwright's failure text; no requestfailed event fires for it): it never reached the
  // network (nor the route above). Anything else — pending, answered, aborted — left.
  const refused = (r: Request) =>
    /^(csp|net::ERR_BLOCKED_BY_CSP)$/.test(r.failure()?.errorText ?? '');
  const external = () => [
    ...[...attempts].filter(([r]) => !refused(r)).map(([, what]) => what),
    ...routed,
  ];
  const cspRefused = () => [...attempts].filter(([r]) => refused(r)).map(([, what]) => what);
  return { page, context, ran, external, cspRefused, navigations, watch };
}

export async function showTab(
  page: Page,
  flow: FlowRecord,
  tab: (typeof TABS)[number],
): Promise<void> {
  await page.evaluate(`location.hash = '#/flows/${flow.flowId}/${tab}'`);
  const pane = page.locator('hp-flow-detail');
  await pane
    .getByRole('tab', { name: tab[0]?.toUpperCase() + tab.slice(1), selected: true })
    .waitFor();
  if (tab === 'preview')
    await pane.locator('hp-preview-tab :is(.typebar, .empty, .card)').first().waitFor();
  if (tab === 'raw') await pane.locator('hp-raw-tab pre').waitFor();
  await page.waitForTimeout(100); // give anything that would run a chance to
}

export function assertInert(stack: DetailStack, w: Watched, what: string): void {
  assert.deepEqual(w.ran, [], `${what}: captured script ran`);
  assert.deepEqual(w.external(), [], `${what}: requests left the browser`);
  const origin = new URL(stack.guiUrl);
  for (const url of w.navigations) {
    const u = URL.canParse(url) ? new URL(url) : null;
    assert.ok(
      u !== null && u.origin === origin.origin && u.pathname === '/',
      `${what}: navigated to ${url} (all: ${w.navigations.join(', ')})`,
    );
  }
  assertPageClean(w.watch, CSP_REFUSALS);
}
