/**
 * Turns captured body bytes into the wire `Body`: null when there were no bytes, inline base64 up
 * to INLINE_BODY_MAX, otherwise a BODIES/<sha256> reference with the bytes handed over separately.
 * Large bodies are hashed off the main thread (WebCrypto runs on the libuv pool) so a 60 MiB
 * download does not stall every other connection.
 */
import { hash, webcrypto } from 'node:crypto';
import { INLINE_BODY_MAX, bodyRef, type Body } from '@honeyproxy/protocol';

/** Bytes kept of one body, with its real length on the wire. */
export interface RawBody {
  readonly bytes: Buffer;
  /** Real length (≥ bytes.length when truncated). */
  readonly len: number;
  readonly truncated: boolean;
  /** SHA-256 of `bytes` (hex) when the capture already hashed them as they arrived. */
  readonly sha256?: string;
}

export interface EncodedBody {
  readonly body: Body;
  /** Present for ref bodies: the bytes to store in BODIES under `sha256`. */
  readonly outOfLine?: { readonly sha256: string; readonly bytes: Buffer };
}

/** Below this size a synchronous hash is cheaper than a trip to the thread pool. */
const ASYNC_HASH_MIN = 256 * 1024;

export async function sha256Hex(bytes: Buffer): Promise<string> {
  if (bytes.length < ASYNC_HASH_MIN) return hash('sha256', bytes, 'hex');
  const digest = await webcrypto.subtle.digest('SHA-256', bytes);
  return Buffer.from(digest).toString('hex');
}

/** True when encoding this body is cheap enough to do synchronously (no off-thread hash). */
export function encodesSync(raw: RawBody | null): boolean {
  return raw === null || raw.sha256 !== undefined || raw.bytes.length < ASYNC_HASH_MIN;
}

function place(raw: RawBody, sha256: string): EncodedBody {
  const { bytes, len, truncated } = raw;
  const meta = { len, capturedLen: bytes.length, sha256, truncated };
  if (bytes.length <= INLINE_BODY_MAX)
    return { body: { ...meta, inline: bytes.toString('base64') } };
  return { body: { ...meta, ref: bodyRef(sha256) }, outOfLine: { sha256, bytes } };
}

/** encodeBody for bodies where encodesSync() is true. */
export function encodeBodySync(raw: RawBody | null): EncodedBody {
  if (raw === null || raw.len === 0) return { body: null };
  return place(raw, raw.sha256 ?? hash('sha256', raw.bytes, 'hex'));
}

export async function encodeBody(raw: RawBody | null): Promise<EncodedBody> {
  if (raw === null || raw.len === 0) return { body: null };
  return place(raw, raw.sha256 ?? (await sha256Hex(raw.bytes)));
}
