/**
 * Counts failed logins per client address in a fixed window, so guessing is refused (429) before
 * any password hash is computed: scrypt is slow on purpose and must not become a DoS amplifier.
 * Memory is bounded: beyond `maxKeys` addresses the oldest entries are forgotten.
 */

export interface FailureLimiter {
  /** True when `key` has used up its failures for the current window. */
  blocked(key: string): boolean;
  fail(key: string): void;
  /** Seconds until `key` may try again (for Retry-After). */
  retryAfter(key: string): number;
}

export interface FailureLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  maxKeys?: number;
  now?: () => number;
}

export function createFailureLimiter(options: FailureLimiterOptions = {}): FailureLimiter {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { count: number; resetAt: number }>();

  const current = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.resetAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    blocked: (key) => (current(key)?.count ?? 0) >= maxFailures,
    fail(key) {
      const entry = current(key);
      if (entry) {
        entry.count++;
        return;
      }
      if (entries.size >= maxKeys) {
        const t = now();
        for (const [k, e] of entries) if (e.resetAt <= t) entries.delete(k);
        // Still full: forget the oldest (Map keeps insertion order).
        while (entries.size >= maxKeys) entries.delete(entries.keys().next().value as string);
      }
      entries.set(key, { count: 1, resetAt: now() + windowMs });
    },
    retryAfter: (key) => Math.max(1, Math.ceil(((current(key)?.resetAt ?? now()) - now()) / 1000)),
  };
}
