/**
 * Turns captured body bytes into the wire `Body`: null when there were no bytes, inline base64 up
 * to INLINE_BODY_MAX, otherwise a BODIES/<sha256> reference with the bytes handed over separately.
 * Large bodies are hashed off the main thread (WebCrypto runs on the libuv pool) so a 60 MiB
 * download does not stall every other connection.
 */
import { hash, webcrypto } from 'node:crypto';
import { INLINE_BODY_MAX, bodyRef, type Body } from '@honeyproxy/protocol';
import type { BodyFile } from './body-spill.js';

/** Bytes kept of one body, with its real length on the wire. */
export interface RawBody {
  readonly bytes: Buffer;
  /** Real length (≥ bytes.length when truncated). */
  readonly len: number;
  readonly truncated: boolean;
  /** SHA-256 of `bytes` (hex) when the capture already hashed them as they arrived. */
  readonly sha256?: string;
  /** The kept bytes are in this file (`bytes` is then empty): a body past the spill threshold. */
  readonly file?: BodyFile;
}

export interface EncodedBody {
  readonly body: Body;
  /** Present for ref bodies: the bytes to store in BODIES under `sha256`. */
  readonly outOfLine?: {
    readonly sha256: string;
    readonly bytes: Buffer;
    readonly file?: BodyFile;
  };
  /** Anomaly for a body that could not be kept (its file failed): `body` is then null. */
  readonly lost?: string;
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
  if (raw?.file) return false; // waits for its file to be on disk
  return raw === null || raw.sha256 !== undefined || raw.bytes.length < ASYNC_HASH_MIN;
}

function place(raw: RawBody, sha256: string): EncodedBody {
  const { bytes, len, truncated, file } = raw;
  const capturedLen = file ? file.len : bytes.length;
  // literals, not spreads of a shared meta object: this runs for every body (a spread costs more
  // than the hash of a 1 KiB body)
  if (!file && bytes.length <= INLINE_BODY_MAX) {
    return { body: { len, capturedLen, sha256, truncated, inline: bytes.toString('base64') } };
  }
  const outOfLine = file ? { sha256, bytes, file } : { sha256, bytes };
  return { body: { len, capturedLen, sha256, truncated, ref: bodyRef(sha256) }, outOfLine };
}

/** encodeBody for bodies where encodesSync() is true. */
export function encodeBodySync(raw: RawBody | null): EncodedBody {
  if (raw === null || raw.len === 0) return { body: null };
  return place(raw, raw.sha256 ?? hash('sha256', raw.bytes, 'hex'));
}

export async function encodeBody(raw: RawBody | null): Promise<EncodedBody> {
  if (raw === null || raw.len === 0) return { body: null };
  if (raw.file) {
    try {
      await raw.file.ready;
    } catch {
      // logged by the writer; the flow goes on without this body, saying so
      return {
        body: null,
        lost: `len=${raw.len},sha256=${raw.file.sha256},reason=body-file-failed`,
      };
    }
  }
  return place(raw, raw.sha256 ?? (await sha256Hex(raw.bytes)));
}
