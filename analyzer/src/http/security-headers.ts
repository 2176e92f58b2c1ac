/**
 * Response headers that keep captured content inert. The GUI gets a strict CSP (no inline script,
 * no eval, no framing); raw bodies get download-only headers with a sandbox CSP, so even a forced
 * navigation to one runs nothing in the GUI's origin; the HTML preview is framable by the GUI only,
 * under a sandbox CSP sent as a header.
 */
import type { FastifyInstance } from 'fastify';

/** CSP of the GUI and every response that does not set its own. */
export const GUI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: data:",
  "font-src 'self'",
  "connect-src 'self'",
  // the highlight and live workers (web/build/*-worker.js): same origin, never blob: or data:
  "worker-src 'self'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  // DOM XSS sinks (innerHTML, script URLs, eval-likes) take only Trusted Types: Lit's own policy
  // for its templates and the GUI's for its worker URLs (web/src/util/trusted-types.ts).
  "require-trusted-types-for 'script'",
  'trusted-types lit-html hp-worker',
].join('; ');

/** Headers for captured bytes served as a download. */
export const RAW_BODY_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/octet-stream',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "sandbox; default-src 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

/**
 * CSP of the inert HTML preview (GET /api/flows/:id/:side/preview). As a response header it is in
 * force before the first byte is parsed, so no preload-scanner fetch can race it: `sandbox` gives
 * the document an opaque origin with no script, forms, popups or navigation of other frames; only
 * inline styles and data: images load; only the GUI itself may frame it.
 */
export const PREVIEW_CSP = [
  'sandbox',
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

/** Headers for captured HTML shown in the preview frame (the type and charset are set per body). */
export const PREVIEW_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': PREVIEW_CSP,
  'x-frame-options': 'SAMEORIGIN',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

/** Adds the default security headers to every response (routes may set a stricter CSP first). */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', GUI_CSP);
    reply.header('x-content-type-options', 'nosniff');
    // only the preview route loosens this (to SAMEORIGIN, matching its frame-ancestors 'self')
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    done(null, payload);
  });
}
