/**
 * The bytes the sensor keeps of one body: its first max-body bytes, taken as the body flows, and
 * a count of the rest, which is never held. Small bodies stay as the chunks they arrived in (no
 * copy). Past SMALL_BODY the kept bytes move into one buffer — sized once from the announced
 * length when there is one, grown by doubling (capped at max-body) otherwise — and are hashed as
 * they arrive, so a body costs at most max-body bytes of memory, never a second copy for a concat
 * or for an off-thread hash at the end.
 */
import { createHash, type Hash } from 'node:crypto';
import type { RawBody } from './body-encoder.js';

/** Up to this many bytes a body is kept as its chunks (and hashed later, by the encoder). */
export const SMALL_BODY = 256 * 1024;

export class BodyPrefix {
  private readonly maxBody: number;
  private chunks: Buffer[] = [];
  private buffer: Buffer | undefined;
  private hash: Hash | undefined;
  private kept = 0;
  private total = 0;
  private expected = 0;
  private result: RawBody | undefined;

  constructor(maxBody: number) {
    this.maxBody = maxBody;
  }

  /** Bytes seen so far, kept or not. */
  get length(): number {
    return this.total;
  }

  /** The length the body announced (Content-Length): the buffer is then allocated once. */
  expect(len: number): void {
    if (Number.isSafeInteger(len) && len > 0) this.expected = len;
  }

  add(chunk: Buffer): void {
    if (this.result || chunk.length === 0) return; // sealed: the flow was already recorded
    this.total += chunk.length;
    const room = this.maxBody - this.kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    const needed = this.kept + part.length;
    if (!this.buffer && needed <= SMALL_BODY) {
      this.chunks.push(part);
      this.kept = needed;
      return;
    }
    if (!this.buffer) {
      const buffer = Buffer.allocUnsafe(this.sizeFor(needed));
      const hash = createHash('sha256');
      let at = 0;
      for (const c of this.chunks) {
        at += c.copy(buffer, at);
        hash.update(c);
      }
      this.chunks = [];
      this.buffer = buffer;
      this.hash = hash;
    } else if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(this.sizeFor(needed));
      this.buffer.copy(grown, 0, 0, this.kept);
      this.buffer = grown;
    }
    part.copy(this.buffer, this.kept);
    this.hash?.update(part);
    this.kept = needed;
  }

  private sizeFor(needed: number): number {
    const wanted =
      this.expected >= needed ? this.expected : Math.max(needed, 2 * (this.buffer?.length ?? 0));
    return Math.min(this.maxBody, wanted);
  }

  /** The body as kept; seals it (later chunks are ignored: the flow is on its way). */
  snapshot(): RawBody {
    if (this.result) return this.result;
    let result: RawBody;
    if (this.buffer && this.hash) {
      const bytes = this.buffer.subarray(0, this.kept);
      result = {
        bytes,
        len: this.total,
        truncated: this.total > this.kept,
        sha256: this.hash.digest('hex'),
      };
    } else {
      const bytes =
        this.chunks.length === 1 && this.chunks[0]
          ? this.chunks[0]
          : Buffer.concat(this.chunks, this.kept);
      result = { bytes, len: this.total, truncated: this.total > this.kept };
    }
    this.chunks = [];
    this.buffer = undefined;
    this.hash = undefined;
    this.result = result;
    return result;
  }
}
