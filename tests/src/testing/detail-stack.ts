/**
 * What the detail-pane browser tests share: the real standalone process (sensor + analyzer + GUI
 * under its CSP), an origin serving a body corpus, a way to capture a request through the sensor
 * and get its stored flow, and pages at 1280×720 logged in with Basic credentials.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FlowRecord } from '@honeyproxy/protocol';
import {
  httpsViaProxy,
  launchBrowser,
  startOrigin,
  viaProxy,
  watchPage,
  type CleanupList,
  type Origin,
  type PageWatch,
  type RequestOptions,
} from '@honeyproxy/testkit';
import { createApiClient, type ApiClient } from './api-client.js';
import { corpusRoutes, type CorpusBody } from './detail-corpus.js';
import { startStandaloneStack, waitHealthy, type StandaloneStack } from './service-stacks.js';

export const ANALYST = { username: 'analyst', password: 'detail-test-password' };

export interface DetailStack {
  hp: StandaloneStack;
  origin: Origin;
  api: ApiClient;
  browser: Browser;
  guiUrl: string;
  /** Sends a request through the sensor (HTTPS when `tls`) and returns the stored flow. */
  capture(path: string, options?: RequestOptions & { tls?: boolean }): Promise<FlowRecord>;
  open(
    hash: string,
    colorScheme?: 'light' | 'dark',
  ): Promise<{ page: Page; context: BrowserContext; watch: PageWatch }>;
}

let unique = 0;

export async function startDetailStack(
  cleanup: CleanupList,
  corpus: Record<string, CorpusBody>,
  prefix: string,
): Promise<DetailStack> {
  const [hp, browser, origin] = await Promise.all([
    startStandaloneStack(cleanup, prefix, {
      HONEYPROXY_BOOTSTRAP_USER: `${ANALYST.username}:${ANALYST.password}`,
    }),
    launchBrowser(),
    startOrigin(corpusRoutes(corpus)),
  ]);
  cleanup.add(() => browser.close());
  cleanup.add(() => origin.close());
  const guiUrl = `http://127.0.0.1:${hp.banner.httpPort}/`;
  const api = createApiClient(guiUrl.slice(0, -1), ANALYST.username, ANALYST.password);
  await waitHealthy(api);
  const sensorCa = await readFile(hp.banner.caPath, 'utf8');
  return {
    hp,
    origin,
    api,
    browser,
    guiUrl,
    async capture(path, options = {}) {
      const tag = `t=${process.pid}-${++unique}`;
      const url = `${options.tls ? origin.httpsUrl : origin.httpUrl}${path}${path.includes('?') ? '&' : '?'}${tag}`;
      const host = new URL(url).host;
      const headers = options.headers ?? ['Host', host];
      if (options.tls)
        await httpsViaProxy(hp.banner.proxyPort, url, sensorCa, { ...options, headers });
      else await viaProxy(hp.banner.proxyPort, url, { ...options, headers });
      return api.waitForFlow((f) => f.url.endsWith(tag), url, 30_000);
    },
    async open(hash, colorScheme = 'light') {
      const context = await browser.newContext({
        httpCredentials: ANALYST,
        viewport: { width: 1280, height: 720 },
        colorScheme,
      });
      const page = await context.newPage();
      const watch = await watchPage(page);
      await page.goto(`${guiUrl}${hash}`);
      return { page, context, watch };
    },
  };
}
