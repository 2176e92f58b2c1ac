/**
 * Host name resolution for the sensor, with a cache: names a client asked for (explicit mode) are
 * resolved once, checked by containment and connected to by address; names in Host headers and SNI
 * are resolved to flag a flow whose original destination is not among the name's addresses.
 * getaddrinfo (dns.lookup) by default, so /etc/hosts counts as it does for the honeypots. Lookups
 * of one name share one query; answers are kept `ttlMs` (failures `negativeTtlMs`), at most
 * `maxEntries` names (oldest dropped first).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type Resolution =
  | { readonly addresses: readonly string[]; readonly error?: undefined }
  | { readonly error: string; readonly addresses?: undefined };

/** Resolves a name to every address (IPv4 and IPv6); throws an Error with a code on failure. */
export type LookupAll = (name: string) => Promise<string[]>;

export interface HostResolver {
  /** The name's addresses (cached), or the failure's code (ENOTFOUND, ETIMEOUT, …). Never throws. */
  resolve(name: string): Promise<Resolution>;
  /** The cached answer, if there is a fresh one. */
  cached(name: string): Resolution | undefined;
}

export interface HostResolverOptions {
  readonly lookup?: LookupAll;
  readonly ttlMs?: number;
  readonly negativeTtlMs?: number;
  /** A lookup that takes longer fails with ETIMEOUT (it is not cached). */
  readonly timeoutMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export const systemLookup: LookupAll = async (name) =>
  (await dnsLookup(name, { all: true, verbatim: true })).map((a) => a.address);

interface Entry {
  readonly resolution: Resolution;
  readonly expires: number;
}

export function createHostResolver(options: HostResolverOptions = {}): HostResolver {
  const lookup = options.lookup ?? systemLookup;
  const ttl = options.ttlMs ?? 60_000;
  const negativeTtl = options.negativeTtlMs ?? 10_000;
  const timeout = options.timeoutMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Resolution>>();

  const cached = (name: string): Resolution | undefined => {
    const entry = cache.get(name);
    if (!entry) return undefined;
    if (entry.expires > now()) return entry.resolution;
    cache.delete(name);
    return undefined;
  };

  const query = async (name: string): Promise<Resolution> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const addresses = await Promise.race([
        lookup(name),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })),
            timeout,
          );
        }),
      ]);
      const resolution: Resolution =
        addresses.length > 0 ? { addresses } : { error: 'ENODATA', addresses: undefined };
      remember(name, resolution, addresses.length > 0 ? ttl : negativeTtl);
      return resolution;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const error = typeof code === 'string' ? code : 'ELOOKUP';
      if (error !== 'ETIMEOUT') remember(name, { error }, negativeTtl);
      return { error };
    } finally {
      clearTimeout(timer);
    }
  };

  const remember = (name: string, resolution: Resolution, ms: number) => {
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(name, { resolution, expires: now() + ms });
  };

  return {
    cached: (name) => (isIP(name) ? { addresses: [name] } : cached(name.toLowerCase())),
    resolve(given) {
      if (isIP(given)) return Promise.resolve({ addresses: [given] });
      const name = given.toLowerCase();
      const hit = cached(name);
      if (hit) return Promise.resolve(hit);
      let pending = inFlight.get(name);
      if (!pending) {
        pending = query(name).finally(() => inFlight.delete(name));
        inFlight.set(name, pending);
      }
      return pending;
    },
  };
}
