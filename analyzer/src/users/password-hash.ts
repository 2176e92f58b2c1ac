/**
 * Password hashes: scrypt from node:crypto with a random 16-byte salt, stored as
 * `scrypt$N$r$p$salt$hash` (base64) so parameters can be raised later without breaking old hashes.
 * Defaults follow OWASP (N=2^17, r=8, p=1: 128 MiB and a few hundred ms per check, on purpose).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

const KEY_LEN = 32;

/** A stored hash that cannot be parsed (a hand-edited or corrupted users file). */
export class BadHashError extends Error {
  override readonly name = 'BadHashError';
}

function derive(
  password: string,
  salt: Buffer,
  params: ScryptParams,
  keyLen: number,
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLen, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params, KEY_LEN);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } {
  const parts = stored.split('$');
  const [alg, n, r, p, salt, key] = parts;
  if (parts.length !== 6 || alg !== 'scrypt' || !salt || !key)
    throw new BadHashError('not a scrypt hash');
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  // Bounds keep a tampered file from turning each login into a memory bomb.
  const powerOfTwo =
    Number.isInteger(params.N) && params.N >= 2 && (params.N & (params.N - 1)) === 0;
  if (
    !powerOfTwo ||
    params.N > 2 ** 20 ||
    !(params.r >= 1 && params.r <= 32) ||
    !(params.p >= 1 && params.p <= 16)
  ) {
    throw new BadHashError('scrypt parameters out of range');
  }
  return { params, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

/** True when `password` matches `stored`; compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { params, salt, key } = parseHash(stored);
  if (key.length < 16 || key.length > 64) throw new BadHashError('scrypt key length out of range');
  const derived = await derive(password, salt, params, key.length);
  return timingSafeEqual(derived, key);
}

/** Throws BadHashError unless `stored` is a usable hash. */
export function checkHash(stored: string): void {
  parseHash(stored);
}
