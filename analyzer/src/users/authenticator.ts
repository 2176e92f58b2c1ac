/**
 * Checks Basic credentials for the API without letting the password hash become the bottleneck or
 * a DoS lever: failures are rate-limited per client address before hashing; a verified (user,
 * password) pair is remembered for a few minutes as an HMAC under a per-process key (never the
 * password itself); at most a few scrypt runs happen at once; an unknown user costs the same as a
 * wrong password, so timing does not reveal which names exist.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  createFailureLimiter,
  type FailureLimiter,
  type FailureLimiterOptions,
} from './failure-limiter.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import type { Role, UserStore } from './user-store.js';

export interface AuthUser {
  name: string;
  role: Role;
}

/** Wrong user or password. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  readonly statusCode = 401;
}

/** Too many failures from this address; `retryAfter` seconds. */
export class TooManyAttemptsError extends Error {
  override readonly name = 'TooManyAttemptsError';
  readonly statusCode = 429;
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super('too many failed logins from this address; try again later');
    this.retryAfter = retryAfter;
  }
}

export interface Authenticator {
  /** Resolves the user, or throws AuthenticationError / TooManyAttemptsError. */
  authenticate(name: string, password: string, clientKey: string): Promise<AuthUser>;
  /** How many scrypt verifications ran (for tests and metrics). */
  readonly hashRuns: number;
}

export interface AuthenticatorOptions {
  users: UserStore;
  limiter?: FailureLimiterOptions;
  cacheTtlMs?: number;
  maxCached?: number;
  maxConcurrentHashes?: number;
  now?: () => number;
}

function createSemaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { users } = options;
  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? 5 * 60_000;
  const maxCached = options.maxCached ?? 1000;
  const limiter: FailureLimiter = createFailureLimiter({ ...options.limiter, now });
  const limit = createSemaphore(options.maxConcurrentHashes ?? 2);
  const key = randomBytes(32);
  const cache = new Map<string, { user: AuthUser; hash: string; expires: number }>();
  let dummyHash: Promise<string> | undefined;
  let hashRuns = 0;

  const verify = (password: string, hash: string) =>
    limit(async () => {
      hashRuns++;
      return verifyPassword(password, hash);
    });

  return {
    get hashRuns() {
      return hashRuns;
    },
    async authenticate(name, password, clientKey) {
      if (limiter.blocked(clientKey)) throw new TooManyAttemptsError(limiter.retryAfter(clientKey));
      const cacheKey = createHmac('sha256', key)
        .update(name)
        .update('\0')
        .update(password)
        .digest('base64');
      const record = await users.find(name);
      const cached = cache.get(cacheKey);
      // A cached pair counts only while the user still has the hash it was verified against.
      if (cached && cached.expires > now() && record && record.hash === cached.hash) {
        return { name: record.name, role: record.role };
      }
      if (cached) cache.delete(cacheKey);
      // Unknown users are checked against a throwaway hash so they take as long as known ones.
      const hash =
        record?.hash ??
        (await (dummyHash ??= hashPassword(randomBytes(16).toString('hex'), users.scrypt)));
      const ok = (await verify(password, hash)) && record !== undefined;
      if (!ok || !record) {
        limiter.fail(clientKey);
        throw new AuthenticationError('wrong user name or password');
      }
      const user: AuthUser = { name: record.name, role: record.role };
      if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
      cache.set(cacheKey, { user, hash: record.hash, expires: now() + ttl });
      return user;
    },
  };
}
