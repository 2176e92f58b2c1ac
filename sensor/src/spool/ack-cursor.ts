/**
 * The cursor over acknowledgements: records handed out are tracked in spool order, and the cursor
 * is the first one not acknowledged (then the first not handed out). It is saved every few
 * hundred ms, and segment files wholly behind it are deleted, which frees their budget.
 */
import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { GroupWriter } from './group-writer.js';
import { offsetOf, segmentOf, segmentPath, writeCursor } from './segment-files.js';
import type { SpoolBudget } from './spool-budget.js';
import type { SpoolEntry } from './spool-record.js';
import type { SpoolReader } from './spool-reader.js';

export interface AckCursorOptions {
  readonly dir: string;
  readonly log: Logger;
  readonly intervalMs: number;
  readonly writer: GroupWriter;
  readonly reader: SpoolReader;
  readonly budget: SpoolBudget;
}

export class AckCursor {
  private readonly o: AckCursorOptions;
  // taken, in spool order, until acknowledged
  private outstanding: SpoolEntry[] = [];
  private outHead = 0;
  private saved = -1;
  private saving: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(options: AckCursorOptions) {
    this.o = options;
    this.timer = setInterval(() => {
      if (this.saving) return;
      this.saving = this.save()
        .catch((err: unknown) =>
          options.log.warn({ err, dir: options.dir }, 'could not save the spool cursor'),
        )
        .finally(() => (this.saving = undefined));
    }, options.intervalMs);
    this.timer.unref();
  }

  /** A record was handed out for the first time. */
  track(e: SpoolEntry): void {
    this.outstanding.push(e);
  }

  /** JetStream has it: the cursor moves past every acknowledged record in a row. */
  ack(e: SpoolEntry): void {
    e.acked = true;
    while (this.outHead < this.outstanding.length && this.outstanding[this.outHead]?.acked) {
      this.outHead++;
    }
    if (this.outHead > 1024 && this.outHead * 2 > this.outstanding.length) {
      this.outstanding = this.outstanding.slice(this.outHead);
      this.outHead = 0;
    }
  }

  /** Stops the timer and saves the cursor a last time. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.saving;
    await this.save().catch((err: unknown) =>
      this.o.log.warn({ err, dir: this.o.dir }, 'could not save the spool cursor'),
    );
  }

  // the first record not acknowledged: taken ones, then ones loaded from disk, then the rest
  private current(): number {
    return this.outstanding[this.outHead]?.pos ?? this.o.reader.firstUnread();
  }

  private async save(): Promise<void> {
    const { dir, log, writer, budget } = this.o;
    const pos = this.current();
    if (pos === this.saved) return;
    await writeCursor(dir, pos);
    this.saved = pos;
    for (const [seg, size] of writer.segments) {
      if (seg === writer.active.seg) continue;
      if (seg < segmentOf(pos) || (seg === segmentOf(pos) && offsetOf(pos) >= size)) {
        writer.segments.delete(seg);
        budget.diskBytes -= size;
        await unlink(segmentPath(dir, seg)).catch((err: unknown) =>
          log.warn({ err, seg }, 'could not delete an acknowledged spool segment'),
        );
      }
    }
  }
}
