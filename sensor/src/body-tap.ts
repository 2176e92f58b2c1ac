/**
 * Captures one body into a BodyPrefix (the first max-body bytes, the rest counted and dropped as
 * it flows). Response bodies are fed straight from mockttp's writes (`add`). Request bodies come
 * through mockttp's own buffering, which the sensor limits to MOCKTTP_BODY_LIMIT: a body that
 * fits arrives whole when the buffer resolves; a longer one arrives with mockttp's 'truncate'
 * event (its chunks so far, which mockttp then drops) and from then on from the request's 'data'
 * events — so past that limit the request streams to the upstream with backpressure instead of
 * being read into memory. A body cut short by an abort yields the bytes received so far.
 */
import type { BufferInProgress } from './mockttp-internals.js';
import type { RawBody } from './body-encoder.js';
import { BodyPrefix, SMALL_BODY } from './body-prefix.js';
import type { BodySpill } from './body-spill.js';

/**
 * mockttp's maxBodySize for the sensor: mockttp buffers each body up to this much, then drops
 * its copy and streams. The tap keeps the body itself, so mockttp never needs more.
 */
export function mockttpBodyLimit(maxBody: number): number {
  return Math.min(maxBody, SMALL_BODY);
}

/** Starts following the chunks that arrive after mockttp's truncation; `add` takes each one. */
export type FollowChunks = (add: (chunk: Buffer) => void) => void;

export class BodyTap {
  private readonly prefix: BodyPrefix;
  private inProgress: BufferInProgress | undefined;
  private full: Buffer | undefined;
  private following = false;
  private seen = false;
  private result: RawBody | null | undefined;

  /** With `spill`, kept bytes past its threshold go to a file instead of memory. */
  constructor(maxBody: number, spill?: BodySpill) {
    this.prefix = new BodyPrefix(maxBody, spill);
  }

  /** The length the body announced (Content-Length), so its buffer is allocated once. */
  expect(len: number): void {
    this.prefix.expect(len);
  }

  /** Keeps a chunk written directly (response bodies). */
  add(chunk: Buffer): void {
    this.seen = true;
    this.prefix.add(chunk);
  }

  /** Follows mockttp's buffer for this body (request bodies); `follow` feeds what comes after. */
  attach(buffer: BufferInProgress, follow: FollowChunks): void {
    if (this.inProgress) return;
    this.inProgress = buffer;
    // 'truncate' is emitted before the promise resolves (empty), so following wins over full
    buffer.events.once('truncate', (chunks: Buffer[]) => {
      this.following = true;
      this.seen = true;
      for (const chunk of chunks) this.prefix.add(chunk);
      follow((chunk) => this.prefix.add(chunk));
    });
    buffer.then(
      (bytes) => {
        if (!this.following) this.full = bytes;
      },
      () => {
        // aborted or errored: snapshot() falls back to the chunks received so far
      },
    );
  }

  /** True when the body is complete as far as the tap can know (no mockttp buffer pending). */
  get settledNow(): boolean {
    return !this.inProgress || this.following || this.full !== undefined;
  }

  /** Resolves when mockttp's buffer settles (whole body, truncation, or failure). */
  async settled(): Promise<void> {
    await this.inProgress?.catch(() => undefined);
  }

  /** The body as captured; null when no body was ever read. Seals the tap. */
  snapshot(): RawBody | null {
    if (this.result !== undefined) return this.result;
    if (!this.seen) {
      if (this.full !== undefined) this.prefix.add(this.full);
      else if (this.inProgress)
        for (const chunk of this.inProgress.currentChunks) this.prefix.add(chunk);
      else return null;
    }
    this.result = this.prefix.snapshot();
    return this.result;
  }
}
