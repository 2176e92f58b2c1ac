/**
 * The spool's write side: appends queue in memory and one positioned writev puts the whole queue
 * into the active segment file on the next loop turn (in place when small, else on the thread
 * pool); what was appended meanwhile goes with the next write, a natural group commit. fsync is
 * batched (every `fsyncMs` or `fsyncRecords`), a full segment is rotated, and a failed write is
 * retried each second while those waiting for it are told.
 */
import { close, fdatasync, ftruncate, open, writev } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { encodeRecord, type RecordInput } from './record-codec.js';
import { position, segmentPath, syncDirectory } from './segment-files.js';
import type { SpoolBudget } from './spool-budget.js';
import type { SpoolEntry } from './spool-record.js';
import { writeAll } from './write-all.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const syncFd = promisify(fdatasync);

/** The segment file written to. */
export interface ActiveSegment {
  seg: number;
  fd: number;
  size: number;
}

/** Where written records go next: the reader keeps recent ones in memory for the publisher. */
export interface WrittenMemory {
  push(entries: readonly SpoolEntry[]): void;
  added(bytes: number): void;
}

export interface GroupWriterOptions {
  readonly dir: string;
  readonly log: Logger;
  readonly segmentBytes: number;
  readonly fsyncMs: number;
  readonly fsyncRecords: number;
  readonly flushDelayMs: number;
  readonly syncWriteMax: number;
  readonly budget: SpoolBudget;
  /** Size of every segment file present, the active one included. */
  readonly segments: Map<number, number>;
  readonly active: ActiveSegment;
  readonly memory: WrittenMemory;
  /** Records became readable. */
  readonly notify: () => void;
}

export class GroupWriter {
  readonly segments: Map<number, number>;
  active: ActiveSegment;
  /** Just past the last record written. */
  writtenEnd: number;
  pendingBytes = 0;
  written = 0;
  syncs = 0;
  /** Batch writes (each one writev). */
  writes = 0;
  writeErrors = 0;
  /** What is wrong with the disk, if anything. */
  problem: string | undefined;

  private readonly o: GroupWriterOptions;
  // writing
  private pending: Uint8Array[] = [];
  private pendingEntries: SpoolEntry[] = [];
  private writing = false;
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastWriteError: Error | undefined;
  private rotating = false;
  // fsync
  private unsynced = 0;
  private syncing = false;
  private lastSyncAt = Date.now();
  private syncTimer: NodeJS.Timeout | undefined;
  private forceSync = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(options: GroupWriterOptions) {
    this.o = options;
    this.segments = options.segments;
    this.active = options.active;
    this.writtenEnd = position(options.active.seg, 0);
  }

  /** Writes are failing and retried each second. */
  get failing(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Records appended and not written yet. */
  get queued(): number {
    return this.pendingEntries.length;
  }

  /** Queues a record for the next group write (`schedule` starts it). */
  queue(input: RecordInput, entry: SpoolEntry, onWritten?: (err?: Error) => void): void {
    encodeRecord(input, this.pending);
    // while writes fail (retried each second) nobody waits for this one
    entry.onWritten = this.retryTimer ? undefined : onWritten;
    this.pendingEntries.push(entry);
    if (this.retryTimer) onWritten?.(this.lastWriteError);
    this.pendingBytes += entry.size;
  }

  schedule(): void {
    if (this.flushTimer || this.writing || this.retryTimer) return;
    this.flushTimer =
      this.o.flushDelayMs > 0
        ? setTimeout(this.runFlush, this.o.flushDelayMs)
        : setImmediate(this.runFlush);
  }

  /** Writes and fsyncs everything appended so far. */
  async flush(): Promise<void> {
    this.forceSync = true;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      clearImmediate(this.flushTimer as NodeJS.Immediate);
      this.flushTimer = undefined;
    }
    this.flushNow();
    this.maybeSync();
    if (this.isIdle()) {
      this.forceSync = false;
      return;
    }
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  stopTimers(): void {
    clearTimeout(this.syncTimer);
    clearTimeout(this.retryTimer);
  }

  /** Closes the active segment file. */
  async closeFile(): Promise<void> {
    await closeFd(this.active.fd);
  }

  private isIdle(): boolean {
    return (
      this.pendingEntries.length === 0 &&
      !this.writing &&
      !this.syncing &&
      this.unsynced === 0 &&
      !this.flushTimer
    );
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    this.forceSync = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private readonly runFlush = (): void => {
    this.flushTimer = undefined;
    this.flushNow();
  };

  private flushNow(): void {
    if (this.writing || this.retryTimer || this.pendingEntries.length === 0) {
      this.checkIdle();
      return;
    }
    if (this.active.size >= this.o.segmentBytes) {
      void this.rotate();
      return;
    }
    this.writing = true;
    const bufs = this.pending;
    const entries = this.pendingEntries;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingEntries = [];
    this.pendingBytes = 0;
    this.o.budget.diskBytes += bytes; // counted from now on, so the budget holds while the write runs
    const active = this.active;
    const seg = active.seg;
    const start = active.size;
    let off = start;
    for (const e of entries) {
      e.pos = position(seg, off);
      off += e.size;
      e.end = position(seg, off);
    }
    const done = (err: NodeJS.ErrnoException | null) => {
      this.writing = false;
      if (err) {
        this.pending = bufs.concat(this.pending);
        this.pendingEntries = entries.concat(this.pendingEntries);
        this.pendingBytes += bytes;
        this.o.budget.diskBytes -= bytes;
        this.writeFailed(err, start);
        this.tellWritten(entries, err);
        return;
      }
      if (this.problem?.startsWith('spool write')) {
        this.o.log.info({ dir: this.o.dir }, 'spool writes work again');
        this.problem = undefined;
      }
      this.active.size = off;
      this.segments.set(seg, off);
      this.writtenEnd = position(seg, off);
      this.o.memory.push(entries);
      this.tellWritten(entries, undefined);
      this.o.memory.added(bytes);
      this.written += entries.length;
      this.writes++;
      this.unsynced += entries.length;
      this.maybeSync();
      this.o.notify();
      // what was appended during this write goes at once: a natural group commit
      if (this.pendingEntries.length > 0) this.flushNow();
      else this.checkIdle();
    };
    if (bytes <= this.o.syncWriteMax) {
      // a small batch into the page cache costs a few µs in place, where a thread-pool round trip
      // costs ~50-70 µs of CPU (measured, BENCHMARKS.md); large bodies still go off-thread
      let failure: NodeJS.ErrnoException | null = null;
      try {
        writeAll(active.fd, bufs, start, bytes);
      } catch (err) {
        failure = err as NodeJS.ErrnoException;
      }
      done(failure);
    } else {
      writev(active.fd, bufs, start, (err) => done(err));
    }
  }

  /** Runs (once) what waits for these records' write. */
  private tellWritten(entries: readonly SpoolEntry[], err: Error | undefined): void {
    for (const e of entries) {
      const onWritten = e.onWritten;
      if (!onWritten) continue;
      e.onWritten = undefined;
      try {
        onWritten(err);
      } catch (error) {
        this.o.log.error({ err: error }, 'spool write listener failed');
      }
    }
  }

  private writeFailed(err: NodeJS.ErrnoException, start: number): void {
    this.writeErrors++;
    this.lastWriteError = err;
    const next = `spool write failed: ${err.code ?? err.message}`;
    if (this.problem !== next) {
      this.o.log.error(
        { err, dir: this.o.dir, pending: this.pendingEntries.length },
        'spool write failed, retrying',
      );
      this.problem = next;
    }
    // a partial write must not leave half a record before the retried one
    ftruncate(this.active.fd, start, () => undefined);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flushNow();
    }, 1000);
  }

  private async rotate(): Promise<void> {
    this.writing = true;
    this.rotating = true;
    try {
      while (this.syncing) await new Promise((resolve) => setTimeout(resolve, 1));
      const previous = this.active;
      await syncFd(previous.fd);
      await closeFd(previous.fd);
      this.unsynced = 0;
      const seg = previous.seg + 1;
      const fd = await openFd(segmentPath(this.o.dir, seg), 'wx');
      this.active = { seg, fd, size: 0 };
      this.segments.set(seg, 0);
      await syncDirectory(this.o.dir);
      this.rotating = false;
      this.writing = false;
      this.flushNow();
    } catch (err) {
      this.rotating = false;
      this.writing = false;
      this.writeFailed(err as NodeJS.ErrnoException, this.active.size);
      this.tellWritten(this.pendingEntries, err as Error);
    }
  }

  private maybeSync(): void {
    if (this.syncing || this.rotating || this.unsynced === 0) return;
    const due = this.lastSyncAt + this.o.fsyncMs;
    const now = Date.now();
    if (this.forceSync || this.unsynced >= this.o.fsyncRecords || now >= due) {
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      this.syncing = true;
      const count = this.unsynced;
      this.unsynced = 0;
      this.lastSyncAt = now;
      fdatasync(this.active.fd, (err) => {
        this.syncing = false;
        this.syncs++;
        if (err) {
          this.unsynced += count;
          this.o.log.error({ err, dir: this.o.dir }, 'spool fsync failed');
        }
        if (this.unsynced > 0) this.maybeSync();
        this.checkIdle();
      });
    } else {
      this.syncTimer ??= setTimeout(() => {
        this.syncTimer = undefined;
        this.maybeSync();
        this.checkIdle();
      }, due - now);
    }
  }
}
