/**
 * The spool's read side: hands written records to the publisher always in spool order — from
 * memory while they are recent, else read back from the segment files (after an outage or a
 * restart) and checked — and a record whose publishing failed again before newer ones.
 */
import { close, open } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { sha256Hex } from '../body-encoder.js';
import type { SpoolBodyFiles } from './body-files.js';
import { parseChunk } from './chunk-parser.js';
import type { GroupWriter, WrittenMemory } from './group-writer.js';
import { readAt } from './read-at.js';
import type { SpoolBlob } from './record-codec.js';
import { offsetOf, position, segmentOf, segmentPath } from './segment-files.js';
import type { SpoolEntry } from './spool-record.js';

const openFd = promisify(open);
const closeFd = promisify(close);

export interface SpoolReaderOptions {
  readonly dir: string;
  readonly log: Logger;
  /** Written, unpublished records kept in memory for the publisher; older ones are re-read. */
  readonly memoryBytes: number;
  readonly readChunkBytes: number;
  /** Where reading starts: the saved cursor. */
  readonly from: number;
  readonly writer: GroupWriter;
  readonly bodyFiles: SpoolBodyFiles;
  readonly isClosed: () => boolean;
  /** Records became readable. */
  readonly notify: () => void;
  /** A record was handed out for the first time. */
  readonly taken: (entry: SpoolEntry) => void;
}

export class SpoolReader implements WrittenMemory {
  /** Damaged or torn records stepped over when reading (each logged). */
  skippedRecords = 0;

  private readonly o: SpoolReaderOptions;
  // written records still in memory, records loaded from disk, failed ones
  private mem: (SpoolEntry | undefined)[] = [];
  private memHead = 0;
  private memBytes = 0;
  private loaded: SpoolEntry[] = [];
  private loadedHead = 0;
  private loading = false;
  private readonly retry: SpoolEntry[] = [];
  private readPos: number;

  constructor(options: SpoolReaderOptions) {
    this.o = options;
    this.readPos = options.from;
  }

  /** The group writer wrote these records. */
  push(entries: readonly SpoolEntry[]): void {
    for (const e of entries) this.mem.push(e);
  }

  /** …and they take this many bytes. */
  added(bytes: number): void {
    this.memBytes += bytes;
    this.trimMemory();
  }

  /** The next record to publish, or undefined (then `notify` runs when there is one). */
  take(): SpoolEntry | undefined {
    if (this.retry.length > 0) return this.retry.shift();
    if (this.loadedHead < this.loaded.length) {
      const e = this.loaded[this.loadedHead++] as SpoolEntry;
      if (this.loadedHead === this.loaded.length) {
        this.loaded = [];
        this.loadedHead = 0;
      }
      return this.takeEntry(e);
    }
    if (this.readPos < this.memStart()) {
      this.startLoad();
      return undefined;
    }
    const e = this.mem[this.memHead];
    if (!e) return undefined;
    this.mem[this.memHead++] = undefined;
    this.memBytes -= e.size;
    this.readPos = e.end;
    return this.takeEntry(e);
  }

  /** Publishing failed: hand it out again, before newer ones. */
  release(e: SpoolEntry): void {
    let i = this.retry.length;
    while (i > 0 && (this.retry[i - 1]?.pos ?? 0) > e.pos) i--;
    this.retry.splice(i, 0, e);
  }

  /** Position of the first record not handed out yet (loaded from disk, else still to read). */
  firstUnread(): number {
    return this.loaded[this.loadedHead]?.pos ?? this.normalize(this.readPos);
  }

  private trimMemory(): void {
    // the oldest unread records leave memory first; they are read back from disk in turn
    while (this.memBytes > this.o.memoryBytes && this.memHead < this.mem.length) {
      const e = this.mem[this.memHead];
      this.mem[this.memHead++] = undefined;
      if (e) this.memBytes -= e.size;
    }
    if (this.memHead > 4096 && this.memHead * 2 > this.mem.length) {
      this.mem = this.mem.slice(this.memHead);
      this.memHead = 0;
    }
  }

  /** Position of the first record held in memory (records before it are read from disk). */
  private memStart(): number {
    return this.mem[this.memHead]?.pos ?? this.o.writer.writtenEnd;
  }

  /** Moves a position at the end of a finished segment (or in a deleted one) to the next. */
  private normalize(pos: number): number {
    const { segments, active } = this.o.writer;
    let p = pos;
    for (;;) {
      const seg = segmentOf(p);
      if (seg >= active.seg) return p;
      const size = segments.get(seg);
      if (size !== undefined && offsetOf(p) < size) return p;
      p = position(seg + 1, 0);
    }
  }

  private takeEntry(e: SpoolEntry): SpoolEntry {
    this.o.taken(e);
    return e;
  }

  private startLoad(): void {
    if (this.loading || this.o.isClosed()) return;
    this.loading = true;
    this.loadBatch().then(
      () => {
        this.loading = false;
        this.o.notify();
      },
      (err: unknown) => {
        this.o.log.error({ err, dir: this.o.dir }, 'reading the spool failed, retrying');
        setTimeout(() => {
          this.loading = false;
          this.o.notify();
        }, 1000);
      },
    );
  }

  /** Reads the next records before memStart() from disk into `loaded`. */
  private async loadBatch(): Promise<void> {
    const { dir, log, writer, readChunkBytes } = this.o;
    const pos = this.normalize(this.readPos);
    const limit = this.memStart();
    if (pos >= limit) {
      this.readPos = Math.max(pos, this.readPos);
      return;
    }
    const seg = segmentOf(pos);
    const from = offsetOf(pos);
    const segEnd =
      seg === writer.active.seg ? offsetOf(writer.writtenEnd) : (writer.segments.get(seg) ?? 0);
    const to = segmentOf(limit) === seg ? Math.min(segEnd, offsetOf(limit)) : segEnd;
    const fd = await openFd(segmentPath(dir, seg), 'r');
    try {
      // a file shorter than expected ends the data where it ends
      const readChunk = async (length: number) => {
        const buf = await readAt(fd, from, length);
        return parseChunk(buf, buf.length < length || from + buf.length >= to, 1024);
      };
      let parsed = await readChunk(Math.min(readChunkBytes, to - from));
      if (parsed.needed !== undefined) {
        parsed = await readChunk(Math.min(parsed.needed, to - from));
        // still too short: the record runs past the data, so it was torn
        if (parsed.needed !== undefined) parsed = { ...parsed, needed: undefined };
      }
      for (const s of parsed.skipped) {
        this.skippedRecords++;
        log.warn(
          {
            segment: segmentPath(dir, seg),
            offset: from + s.offset,
            bytes: s.bytes,
            reason: s.reason,
          },
          s.reason.startsWith('torn')
            ? 'torn record at the end of a spool segment skipped (the sensor was stopped mid-write)'
            : 'damaged bytes in the spool skipped',
        );
      }
      const batch: SpoolEntry[] = [];
      for (const { offset, record } of parsed.records) {
        const at = position(seg, from + offset);
        const size = record.next - offset;
        batch.push({ ...record, pos: at, end: at + size, size, acked: false });
      }
      await Promise.all(batch.map((e) => this.verifyBlobs(e)));
      this.loaded = this.loaded.slice(this.loadedHead).concat(batch);
      this.loadedHead = 0;
      this.readPos = position(seg, from + parsed.next);
    } finally {
      await closeFd(fd);
    }
  }

  /** Blobs read from disk are checked against their sha256; a damaged one is left out. */
  private async verifyBlobs(e: SpoolEntry): Promise<void> {
    if (e.blobs.length === 0) return;
    const good: SpoolBlob[] = [];
    for (const blob of e.blobs) {
      if (blob.file) {
        // a body file: there and whole (its sha256 was taken as it was captured)
        const found = await this.o.bodyFiles.check(e.flowId, blob);
        if (found) good.push(found);
        else (e.damaged ??= []).push(blob.sha256);
        continue;
      }
      const { buffer, byteOffset, length } = blob.bytes;
      if ((await sha256Hex(Buffer.from(buffer, byteOffset, length))) === blob.sha256) {
        good.push(blob);
      } else {
        (e.damaged ??= []).push(blob.sha256);
        this.o.log.error(
          { flowId: e.flowId, sha256: blob.sha256 },
          'damaged body in the spool: the flow is published without it',
        );
      }
    }
    e.blobs = good;
  }
}
