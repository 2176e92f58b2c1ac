/**
 * Captures one body. Small bodies are collected as they are written (cheapest); larger ones are
 * followed through mockttp's own buffering, and the tap repairs its one flaw for a capture tool:
 * over maxBodySize mockttp silently empties the buffer. On its 'truncate' event the tap keeps the
 * first max-body bytes and counts the rest itself, so the flow gets a prefix, `truncated: true`
 * and the real length. A body cut short by an abort yields the bytes received so far.
 */
import type { BufferInProgress } from './mockttp-internals.js';
import type { RawBody } from './body-encoder.js';

/** Starts counting bytes that arrive after truncation; `add` is called with each chunk's size. */
export type OverflowCounter = (add: (bytes: number) => void) => void;

export class BodyTap {
  private inProgress: BufferInProgress | undefined;
  private full: Buffer | undefined;
  private prefix: Buffer | undefined;
  private total = 0;
  private own: Buffer[] | undefined;
  private readonly maxBody: number;

  constructor(maxBody: number) {
    this.maxBody = maxBody;
  }

  /** True once mockttp started buffering this body. */
  get attached(): boolean {
    return this.inProgress !== undefined;
  }

  /** Keeps a chunk written directly (until attach() hands the body to mockttp's buffer). */
  collect(chunk: Buffer): void {
    if (this.inProgress) return;
    (this.own ??= []).push(chunk);
  }

  /**
   * Follows mockttp's buffer for this body; `overflow` counts bytes mockttp stops seeing. The
   * buffer covers the body from its start, so directly collected chunks are dropped.
   */
  attach(buffer: BufferInProgress, overflow: OverflowCounter): void {
    if (this.inProgress) return;
    this.inProgress = buffer;
    this.own = undefined;
    // 'truncate' is emitted before the promise resolves (empty), so prefix wins over full
    buffer.events.once('truncate', (chunks: Buffer[]) => {
      let total = 0;
      for (const chunk of chunks) total += chunk.length;
      this.total = total;
      this.prefix = Buffer.concat(chunks, Math.min(total, this.maxBody));
      overflow((bytes) => {
        this.total += bytes;
      });
    });
    buffer.then(
      (bytes) => {
        if (!this.prefix) this.full = bytes;
      },
      () => {
        // aborted or errored: snapshot() falls back to the chunks received so far
      },
    );
  }

  /** True when the body is complete as far as the tap can know (no mockttp buffer pending). */
  get settledNow(): boolean {
    return !this.inProgress || this.prefix !== undefined || this.full !== undefined;
  }

  /** Resolves when mockttp's buffer settles (whole body, truncation, or failure). */
  async settled(): Promise<void> {
    await this.inProgress?.catch(() => undefined);
  }

  /** The body as captured so far; null when mockttp never read one. */
  snapshot(): RawBody | null {
    if (this.prefix) return { bytes: this.prefix, len: this.total, truncated: true };
    if (this.full) return { bytes: this.full, len: this.full.length, truncated: false };
    if (this.own) {
      const bytes = this.own.length === 1 && this.own[0] ? this.own[0] : Buffer.concat(this.own);
      return { bytes, len: bytes.length, truncated: false };
    }
    if (!this.inProgress) return null;
    const bytes = Buffer.concat(this.inProgress.currentChunks);
    return { bytes, len: bytes.length, truncated: false };
  }
}
