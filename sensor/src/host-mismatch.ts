/**
 * hostMismatch: whether the address a flow really went to is among the addresses of the name the
 * client gave (the Host header, else the SNI). Malware often sends a legitimate-looking Host to an
 * address of its own. The name is resolved by the sensor (cache; the lookup starts when the request
 * arrives), so forwarding never waits for it; at the end of the flow the answer is taken if it is
 * there, else awaited at most `waitMs`. Not known in time → no flag, and an anomaly says why.
 * The sensor's resolver may answer differently from the honeypot's (CDNs, split DNS): a flag is a
 * lead for the analyst, not proof.
 */
import { isIP } from 'node:net';
import type { FlowDraft } from './flow-draft.js';
import type { HostResolver, Resolution } from './host-resolver.js';
import { normalizeIp } from './net-names.js';

/** Resolution failures that mean the name has no address (so the destination is not one of them). */
const NO_ADDRESS = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

function apply(draft: FlowDraft, ip: string, resolution: Resolution): void {
  if (resolution.addresses) {
    const target = normalizeIp(ip);
    draft.server.hostMismatch = !resolution.addresses.some((a) => normalizeIp(a) === target);
  } else if (NO_ADDRESS.has(resolution.error)) {
    draft.server.hostMismatch = true;
    draft.anomalies.push('host-not-resolvable');
  } else {
    draft.anomalies.push(`host-resolution-failed:${resolution.error}`);
  }
}

/**
 * Sets draft.server.hostMismatch (and anomalies) in place. Returns a promise only when it has to
 * wait for a lookup still running.
 */
export function hostMismatchOf(
  draft: FlowDraft,
  resolver: HostResolver,
  waitMs: number,
): void | Promise<void> {
  const ip = draft.server.ip;
  if (!ip) return;
  const host = draft.server.host;
  const name = host && isIP(host) === 0 ? host : draft.server.sni;
  if (!name || isIP(name) !== 0) return;
  const cached = resolver.cached(name);
  if (cached) {
    apply(draft, ip, cached);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    resolver.resolve(name),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, waitMs, undefined);
    }),
  ]).then((resolution) => {
    clearTimeout(timer);
    if (resolution) apply(draft, ip, resolution);
    else draft.anomalies.push('host-resolution-late');
  });
}
