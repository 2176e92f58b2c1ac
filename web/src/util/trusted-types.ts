/**
 * Trusted Types for the GUI (its CSP has `require-trusted-types-for 'script'`): the page's only
 * script-URL sink is `new Worker(url)`, and this policy lets exactly our own worker bundles through.
 * Lit makes its own `lit-html` policy for its templates. Without Trusted Types in the browser, the
 * URL is used as it is.
 */

interface TrustedTypePolicyLike {
  createScriptURL(url: string): unknown;
}
interface TrustedTypesLike {
  createPolicy(
    name: string,
    rules: { createScriptURL(url: string): string },
  ): TrustedTypePolicyLike;
}

/** Our worker bundles (served by the analyzer from the GUI build). */
const WORKER_URLS = new Set(['/highlight-worker.js', '/live-worker.js']);

let policy: TrustedTypePolicyLike | null | undefined;

function workerPolicy(): TrustedTypePolicyLike | null {
  if (policy !== undefined) return policy;
  const tt = (globalThis as { trustedTypes?: TrustedTypesLike }).trustedTypes;
  policy =
    tt?.createPolicy('hp-worker', {
      createScriptURL(url) {
        if (!WORKER_URLS.has(url)) throw new TypeError(`not a HoneyProxy worker: ${url}`);
        return url;
      },
    }) ?? null;
  return policy;
}

/**
 * The worker URL as the Worker constructor accepts it under Trusted Types (a TrustedScriptURL,
 * which the DOM typings do not know, hence the string type).
 */
export function trustedWorkerUrl(url: string): string {
  const p = workerPolicy();
  return p ? (p.createScriptURL(url) as string) : url;
}
