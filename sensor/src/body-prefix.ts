/**
 * The bytes the sensor keeps of one body: its first max-body bytes, taken as the body flows, and
 * a count of the rest, which is never held. Small bodies stay as the chunks they arrived in (no
 * copy). Past SMALL_BODY the kept bytes move into one buffer — sized once from the announced
 * length when there is one, grown by doubling (capped at max-body) otherwise — and are hashed as
 * they arrive, so a body costs at most max-body bytes of memory, never a second copy for a concat
 * or for an off-thread hash at the end. With a BodySpill, past its threshold (1 MiB) the kept
 * bytes go to a file as they arrive instead (body-spill.ts): the body then costs at most the
 * threshold of memory plus the chunks waiting for the disk.
 */
import { createHash, type Hash } from 'node:crypto';
import type { RawBody } from './body-encoder.js';
import type { BodyFileWriter, BodySpill } from './body-spill.js';

/** Up to this many bytes a body is kept as its chunks (and hashed later, by the encoder). */
export const SMALL_BODY = 256 * 1024;

const EMPTY = Buffer.alloc(0);

export class BodyPrefix {
  private readonly maxBody: number;
  private readonly spill: BodySpill | undefined;
  private file: BodyFileWriter | undefined;
  private chunks: Buffer[] = [];
  private buffer: Buffer | undefined;
  private hash: Hash | undefined;
  private kept = 0;
  private total = 0;
  private expected = 0;
  private result: RawBody | undefined;

  constructor(maxBody: number, spill?: BodySpill) {
    this.maxBody = maxBody;
    // a spilled body is always out of line: never spill below the in-memory chunk size
    this.spill = spill && maxBody > Math.max(spill.threshold, SMALL_BODY) ? spill : undefined;
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
    if (this.file) {
      this.hash?.update(part);
      this.file.write(part);
      this.kept = needed;
      return;
    }
    if (this.spill && needed > Math.max(this.spill.threshold, SMALL_BODY)) {
      this.startSpill(this.spill, part);
      return;
    }
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
    // with a spill, memory holds at most the threshold: past it the bytes go to the file
    const cap = this.spill ? Math.max(this.spill.threshold, SMALL_BODY) : this.maxBody;
    return Math.min(cap, wanted);
  }

  /** Moves what is kept so far to a new file and sends every later byte there. */
  private startSpill(spill: BodySpill, part: Buffer): void {
    const file = spill.create();
    const hash = this.hash ?? createHash('sha256');
    if (this.buffer) {
      // already hashed as it was kept
      file.write(this.buffer.subarray(0, this.kept));
    } else {
      for (const c of this.chunks) {
        hash.update(c);
        file.write(c);
      }
    }
    hash.update(part);
    file.write(part);
    this.chunks = [];
    this.buffer = undefined;
    this.hash = hash;
    this.file = file;
    this.kept += part.length;
  }

  /** The body as kept; seals it (later chunks are ignored: the flow is on its way). */
  snapshot(): RawBody {
    if (this.result) return this.result;
    let result: RawBody;
    if (this.file && this.hash) {
      const sha256 = this.hash.digest('hex');
      result = {
        bytes: EMPTY,
        len: this.total,
        truncated: this.total > this.kept,
        sha256,
        file: this.file.finish(sha256),
      };
      this.file = undefined;
    } else if (this.buffer && this.hash) {
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
