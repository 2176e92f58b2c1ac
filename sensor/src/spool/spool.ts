/**
 * The sensor's disk spool: every flow is appended here before anything publishes it, and stays
 * until JetStream has acknowledged it. Appends go to an in-memory batch that one positioned
 * writev puts into the current segment file (one syscall per batch, off the main thread); fsync
 * is batched (every `fsyncMs` or `fsyncRecords`, group commit). A written record is handed to the
 * publisher from memory while it is recent, or read back from disk after an outage or a restart,
 * always in spool order. Acknowledgements advance a cursor over the contiguous acknowledged prefix;
 * it is saved every few hundred ms, and segments behind it are deleted. A disk budget bounds it
 * all: above `bodyLimit` a flow must come without bodies, above `maxBytes` it is refused.
 */
import { close, fdatasync, ftruncate, open, read, writev, writevSync } from 'node:fs';
import { mkdir, stat, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { sha256Hex } from '../body-encoder.js';
import { parseChunk } from './chunk-parser.js';
import { encodeRecord, recordSize, type RecordInput, type SpoolBlob } from './record-codec.js';
import {
  listSegments,
  lockSpool,
  offsetOf,
  position,
  readCursor,
  segmentOf,
  segmentPath,
  syncDirectory,
  writeCursor,
} from './segment-files.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const syncFd = promisify(fdatasync);
const readFd = promisify(read);

export interface SpoolOptions {
  readonly dir: string;
  /** Disk budget: segment files plus what waits to be written. */
  readonly maxBytes: number;
  readonly log: Logger;
  /** Segment files are rotated past this size (default: maxBytes / 16, 1–64 MiB). */
  readonly segmentBytes?: number;
  /** Longest time written records stay without fsync. */
  readonly fsyncMs?: number;
  /** …or records written without fsync. */
  readonly fsyncRecords?: number;
  /** How long an append may wait so more records share its write (0 = next loop turn). */
  readonly flushDelayMs?: number;
  /** Batches up to this size are written in place (writevSync), larger ones on the thread pool. */
  readonly syncWriteMax?: number;
  /** Written, unpublished records kept in memory for the publisher; older ones are re-read. */
  readonly memoryBytes?: number;
  /** Fraction of maxBytes above which flows are kept without bodies. */
  readonly bodyFraction?: number;
  readonly cursorIntervalMs?: number;
  readonly readChunkBytes?: number;
}

/** A spooled flow, as the publisher gets it. */
export interface SpoolRecord extends RecordInput {
  /** Position in the spool (segment × 2³² + offset) and just past the record. */
  readonly pos: number;
  readonly end: number;
  /** Bytes on disk. */
  readonly size: number;
  /** sha256 of bodies found damaged on disk (left out of `blobs`): drop them from the flow. */
  readonly damaged?: readonly string[];
}

/** 'bodies' = no room for a flow with bodies: append it again without them. */
export type AppendResult = 'spooled' | 'bodies' | 'full';

export interface SpoolStats {
  /** Records spooled and not yet acknowledged (old ones counted once the startup scan is done). */
  readonly records: number;
  /** Bytes of segment files plus bytes waiting to be written. */
  readonly bytes: number;
  readonly maxBytes: number;
  readonly bodyLimitBytes: number;
  readonly appended: number;
  readonly written: number;
  readonly acked: number;
  readonly syncs: number;
  /** Batch writes (each one writev). */
  readonly writes: number;
  /** Damaged or torn records stepped over when reading (each logged). */
  readonly skippedRecords: number;
  readonly writeErrors: number;
  /** What is wrong with the disk, if anything. */
  readonly problem: string | undefined;
}

export interface Spool {
  append(input: RecordInput, hasBodies: boolean): AppendResult;
  /** The next record to publish, or undefined (then `onReadable` fires when there is one). */
  take(): SpoolRecord | undefined;
  /** JetStream has it: it may leave the spool. */
  ack(record: SpoolRecord): void;
  /** Publishing failed: it is handed out again, before newer ones. */
  release(record: SpoolRecord): void;
  onReadable(listener: () => void): void;
  stats(): SpoolStats;
  /** Writes and fsyncs everything appended so far. */
  flush(): Promise<void>;
  /** Flushes, saves the cursor and closes the files. */
  close(): Promise<void>;
}

interface Entry extends SpoolRecord {
  pos: number;
  end: number;
  blobs: readonly SpoolBlob[];
  damaged?: string[];
  acked: boolean;
}

const MIB = 1024 * 1024;

/** writevSync until every byte is written (a short write continues where it stopped). */
function writeAll(fd: number, bufs: readonly Uint8Array[], at: number, total: number): void {
  let done = writevSync(fd, bufs, at);
  if (done === total) return;
  // rare: continue byte-exactly with the remaining slices
  let skip = done;
  const rest: Uint8Array[] = [];
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  while (done < total) {
    const n = writevSync(fd, rest, at + done);
    if (n === 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    done += n;
    let drop = n;
    while (drop > 0 && rest.length > 0) {
      const first = rest[0] as Uint8Array;
      if (drop >= first.length) {
        drop -= first.length;
        rest.shift();
      } else {
        rest[0] = first.subarray(drop);
        drop = 0;
      }
    }
  }
}

export async function openSpool(options: SpoolOptions): Promise<Spool> {
  const { dir, maxBytes, log } = options;
  const segmentBytes =
    options.segmentBytes ?? Math.min(64 * MIB, Math.max(MIB, Math.floor(maxBytes / 16)));
  const fsyncMs = options.fsyncMs ?? 100;
  const fsyncRecords = options.fsyncRecords ?? 10_000;
  const flushDelayMs = options.flushDelayMs ?? 5;
  const syncWriteMax = options.syncWriteMax ?? 256 * 1024;
  const memoryBytes = options.memoryBytes ?? 64 * MIB;
  const bodyLimit = Math.floor(maxBytes * (options.bodyFraction ?? 0.9));
  const cursorIntervalMs = options.cursorIntervalMs ?? 250;
  const readChunkBytes = options.readChunkBytes ?? MIB;
  // what waits for the disk is held in memory: bounded even when the disk has failed
  const pendingMax = Math.max(memoryBytes, 8 * MIB);

  await mkdir(dir, { recursive: true });
  const unlock = await lockSpool(dir);
  const old = await listSegments(dir);
  /** Size of every segment file present, the active one included. */
  const segments = new Map<number, number>();
  for (const seg of old) segments.set(seg, (await stat(segmentPath(dir, seg))).size);

  let cursor = (await readCursor(dir)) ?? position(old[0] ?? 0, 0);
  if (old.length > 0 && segmentOf(cursor) < (old[0] ?? 0)) cursor = position(old[0] ?? 0, 0);
  // segments wholly behind the cursor were acknowledged before the last stop
  for (const seg of old) {
    if (seg < segmentOf(cursor)) {
      await unlink(segmentPath(dir, seg));
      segments.delete(seg);
    }
  }
  const oldSegments = [...segments.keys()];

  const activeSeg = (old.at(-1) ?? 0) + 1;
  let active = { seg: activeSeg, fd: await openFd(segmentPath(dir, activeSeg), 'wx'), size: 0 };
  segments.set(activeSeg, 0);
  await syncDirectory(dir);
  if (oldSegments.length === 0) cursor = position(activeSeg, 0);
  let savedCursor = -1;
  let diskBytes = 0;
  for (const size of segments.values()) diskBytes += size;

  // writing
  let pending: Uint8Array[] = [];
  let pendingEntries: Entry[] = [];
  let pendingBytes = 0;
  let writing = false;
  let flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let writtenEnd = position(activeSeg, 0);
  let retryTimer: NodeJS.Timeout | undefined;
  // fsync
  let unsynced = 0;
  let syncing = false;
  let lastSyncAt = Date.now();
  let syncTimer: NodeJS.Timeout | undefined;
  let forceSync = false;
  // reading: written records still in memory, records loaded from disk, failed ones
  let mem: (Entry | undefined)[] = [];
  let memHead = 0;
  let memBytes = 0;
  let loaded: Entry[] = [];
  let loadedHead = 0;
  let loading = false;
  const retry: Entry[] = [];
  let readPos = cursor;
  // taken, in spool order, until acknowledged
  let outstanding: Entry[] = [];
  let outHead = 0;
  // counters
  let oldRecords = 0;
  let appended = 0;
  let written = 0;
  let acked = 0;
  let syncs = 0;
  let writes = 0;
  let rotating = false;
  let skippedRecords = 0;
  let writeErrors = 0;
  let problem: string | undefined;
  let closed = false;
  let listener: (() => void) | undefined;
  const idleWaiters: (() => void)[] = [];

  const notify = () => listener?.();

  const isIdle = () =>
    pendingEntries.length === 0 && !writing && !syncing && unsynced === 0 && !flushTimer;

  const checkIdle = () => {
    if (!isIdle()) return;
    forceSync = false;
    for (const wake of idleWaiters.splice(0)) wake();
  };

  // ------------------------------------------------------------------ writing and fsync

  const schedule = () => {
    if (flushTimer || writing || retryTimer) return;
    flushTimer = flushDelayMs > 0 ? setTimeout(runFlush, flushDelayMs) : setImmediate(runFlush);
  };

  const runFlush = () => {
    flushTimer = undefined;
    flushNow();
  };

  const flushNow = (): void => {
    if (writing || retryTimer || pendingEntries.length === 0) {
      checkIdle();
      return;
    }
    if (active.size >= segmentBytes) {
      void rotate();
      return;
    }
    writing = true;
    const bufs = pending;
    const entries = pendingEntries;
    const bytes = pendingBytes;
    pending = [];
    pendingEntries = [];
    pendingBytes = 0;
    diskBytes += bytes; // counted from now on, so the budget holds while the write runs
    const seg = active.seg;
    const start = active.size;
    let off = start;
    for (const e of entries) {
      e.pos = position(seg, off);
      off += e.size;
      e.end = position(seg, off);
    }
    const done = (err: NodeJS.ErrnoException | null) => {
      writing = false;
      if (err) {
        pending = bufs.concat(pending);
        pendingEntries = entries.concat(pendingEntries);
        pendingBytes += bytes;
        diskBytes -= bytes;
        writeFailed(err, start);
        return;
      }
      if (problem?.startsWith('spool write')) {
        log.info({ dir }, 'spool writes work again');
        problem = undefined;
      }
      active.size = off;
      segments.set(seg, off);
      writtenEnd = position(seg, off);
      for (const e of entries) mem.push(e);
      memBytes += bytes;
      trimMemory();
      written += entries.length;
      writes++;
      unsynced += entries.length;
      maybeSync();
      notify();
      // what was appended during this write goes at once: a natural group commit
      if (pendingEntries.length > 0) flushNow();
      else checkIdle();
    };
    if (bytes <= syncWriteMax) {
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
  };

  const writeFailed = (err: NodeJS.ErrnoException, start: number) => {
    writeErrors++;
    const next = `spool write failed: ${err.code ?? err.message}`;
    if (problem !== next) {
      log.error({ err, dir, pending: pendingEntries.length }, 'spool write failed, retrying');
      problem = next;
    }
    // a partial write must not leave half a record before the retried one
    ftruncate(active.fd, start, () => undefined);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      flushNow();
    }, 1000);
  };

  const rotate = async () => {
    writing = true;
    rotating = true;
    try {
      while (syncing) await new Promise((resolve) => setTimeout(resolve, 1));
      const previous = active;
      await syncFd(previous.fd);
      await closeFd(previous.fd);
      unsynced = 0;
      const seg = previous.seg + 1;
      const fd = await openFd(segmentPath(dir, seg), 'wx');
      active = { seg, fd, size: 0 };
      segments.set(seg, 0);
      await syncDirectory(dir);
      rotating = false;
      writing = false;
      flushNow();
    } catch (err) {
      rotating = false;
      writing = false;
      writeFailed(err as NodeJS.ErrnoException, active.size);
    }
  };

  const maybeSync = () => {
    if (syncing || rotating || unsynced === 0) return;
    const due = lastSyncAt + fsyncMs;
    const now = Date.now();
    if (forceSync || unsynced >= fsyncRecords || now >= due) {
      clearTimeout(syncTimer);
      syncTimer = undefined;
      syncing = true;
      const count = unsynced;
      unsynced = 0;
      lastSyncAt = now;
      fdatasync(active.fd, (err) => {
        syncing = false;
        syncs++;
        if (err) {
          unsynced += count;
          log.error({ err, dir }, 'spool fsync failed');
        }
        if (unsynced > 0) maybeSync();
        checkIdle();
      });
    } else {
      syncTimer ??= setTimeout(() => {
        syncTimer = undefined;
        maybeSync();
        checkIdle();
      }, due - now);
    }
  };

  // ------------------------------------------------------------------ reading

  const trimMemory = () => {
    // the oldest unread records leave memory first; they are read back from disk in turn
    while (memBytes > memoryBytes && memHead < mem.length) {
      const e = mem[memHead];
      mem[memHead++] = undefined;
      if (e) memBytes -= e.size;
    }
    if (memHead > 4096 && memHead * 2 > mem.length) {
      mem = mem.slice(memHead);
      memHead = 0;
    }
  };

  /** Position of the first record held in memory (records before it are read from disk). */
  const memStart = () => mem[memHead]?.pos ?? writtenEnd;

  /** Moves a position at the end of a finished segment (or in a deleted one) to the next. */
  const normalize = (pos: number): number => {
    let p = pos;
    for (;;) {
      const seg = segmentOf(p);
      if (seg >= active.seg) return p;
      const size = segments.get(seg);
      if (size !== undefined && offsetOf(p) < size) return p;
      p = position(seg + 1, 0);
    }
  };

  const takeEntry = (e: Entry): Entry => {
    outstanding.push(e);
    return e;
  };

  const startLoad = () => {
    if (loading || closed) return;
    loading = true;
    loadBatch().then(
      () => {
        loading = false;
        notify();
      },
      (err: unknown) => {
        log.error({ err, dir }, 'reading the spool failed, retrying');
        setTimeout(() => {
          loading = false;
          notify();
        }, 1000);
      },
    );
  };

  /** Reads the next records before memStart() from disk into `loaded`. */
  const loadBatch = async () => {
    const pos = normalize(readPos);
    const limit = memStart();
    if (pos >= limit) {
      readPos = Math.max(pos, readPos);
      return;
    }
    const seg = segmentOf(pos);
    const from = offsetOf(pos);
    const segEnd = seg === active.seg ? offsetOf(writtenEnd) : (segments.get(seg) ?? 0);
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
        skippedRecords++;
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
      const batch: Entry[] = [];
      for (const { offset, record } of parsed.records) {
        const at = position(seg, from + offset);
        const size = record.next - offset;
        batch.push({ ...record, pos: at, end: at + size, size, acked: false });
      }
      await Promise.all(batch.map(verifyBlobs));
      loaded = loaded.slice(loadedHead).concat(batch);
      loadedHead = 0;
      readPos = position(seg, from + parsed.next);
    } finally {
      await closeFd(fd);
    }
  };

  const readAt = async (fd: number, at: number, length: number): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await readFd(fd, buf, got, length - got, at + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  };

  /** Blobs read from disk are checked against their sha256; a damaged one is left out. */
  const verifyBlobs = async (e: Entry) => {
    if (e.blobs.length === 0) return;
    const good: SpoolBlob[] = [];
    for (const blob of e.blobs) {
      const { buffer, byteOffset, length } = blob.bytes;
      if ((await sha256Hex(Buffer.from(buffer, byteOffset, length))) === blob.sha256) {
        good.push(blob);
      } else {
        (e.damaged ??= []).push(blob.sha256);
        log.error(
          { flowId: e.flowId, sha256: blob.sha256 },
          'damaged body in the spool: the flow is published without it',
        );
      }
    }
    e.blobs = good;
  };

  /** Counts the records left in segments from before the start, for the backlog figure. */
  const countOld = async () => {
    for (const seg of oldSegments) {
      const size = segments.get(seg) ?? 0;
      let at = seg === segmentOf(cursor) ? offsetOf(cursor) : 0;
      const fd = await openFd(segmentPath(dir, seg), 'r');
      try {
        while (at < size && !closed) {
          const buf = await readAt(fd, at, Math.min(readChunkBytes, size - at));
          let parsed = parseChunk(buf, at + buf.length >= size);
          if (parsed.needed !== undefined) {
            if (at + parsed.needed > size) break;
            parsed = parseChunk(await readAt(fd, at, parsed.needed), at + parsed.needed >= size);
          }
          oldRecords += parsed.records.length;
          if (parsed.next === 0) break;
          at += parsed.next;
        }
      } finally {
        await closeFd(fd);
      }
    }
  };
  if (oldSegments.length > 0) {
    const oldBytes = oldSegments.reduce((n, seg) => n + (segments.get(seg) ?? 0), 0);
    log.info(
      { dir, segments: oldSegments.length, bytes: oldBytes },
      'spool holds flows from before the start: publishing them first',
    );
    countOld().catch((err: unknown) => log.warn({ err }, 'counting the spooled flows failed'));
  }

  // ------------------------------------------------------------------ cursor and cleanup

  // the first record not acknowledged: taken ones, then ones loaded from disk, then the rest
  const currentCursor = () =>
    outstanding[outHead]?.pos ?? loaded[loadedHead]?.pos ?? normalize(readPos);

  const saveCursor = async () => {
    const pos = currentCursor();
    if (pos === savedCursor) return;
    await writeCursor(dir, pos);
    savedCursor = pos;
    for (const [seg, size] of segments) {
      if (seg === active.seg) continue;
      if (seg < segmentOf(pos) || (seg === segmentOf(pos) && offsetOf(pos) >= size)) {
        segments.delete(seg);
        diskBytes -= size;
        await unlink(segmentPath(dir, seg)).catch((err: unknown) =>
          log.warn({ err, seg }, 'could not delete an acknowledged spool segment'),
        );
      }
    }
  };
  let saving: Promise<void> | undefined;
  const cursorTimer = setInterval(() => {
    if (saving) return;
    saving = saveCursor()
      .catch((err: unknown) => log.warn({ err, dir }, 'could not save the spool cursor'))
      .finally(() => (saving = undefined));
  }, cursorIntervalMs);
  cursorTimer.unref();

  const flush = async (): Promise<void> => {
    forceSync = true;
    if (flushTimer) {
      clearTimeout(flushTimer as NodeJS.Timeout);
      clearImmediate(flushTimer as NodeJS.Immediate);
      flushTimer = undefined;
    }
    flushNow();
    maybeSync();
    if (isIdle()) {
      forceSync = false;
      return;
    }
    await new Promise<void>((resolve) => idleWaiters.push(resolve));
  };

  return {
    append(input, hasBodies) {
      if (closed) return 'full';
      const size = recordSize(input);
      const used = diskBytes + pendingBytes;
      if (hasBodies && used + size > bodyLimit) return 'bodies';
      if (used + size > maxBytes || pendingBytes + size > pendingMax) return 'full';
      encodeRecord(input, pending);
      pendingEntries.push({
        flowId: input.flowId,
        sensorId: input.sensorId,
        json: input.json,
        blobs: input.blobs,
        size,
        pos: -1,
        end: -1,
        acked: false,
      });
      pendingBytes += size;
      appended++;
      schedule();
      return 'spooled';
    },

    take() {
      if (retry.length > 0) return retry.shift();
      if (loadedHead < loaded.length) {
        const e = loaded[loadedHead++] as Entry;
        if (loadedHead === loaded.length) {
          loaded = [];
          loadedHead = 0;
        }
        return takeEntry(e);
      }
      if (readPos < memStart()) {
        startLoad();
        return undefined;
      }
      const e = mem[memHead];
      if (!e) return undefined;
      mem[memHead++] = undefined;
      memBytes -= e.size;
      readPos = e.end;
      return takeEntry(e);
    },

    ack(record) {
      const e = record as Entry;
      e.acked = true;
      acked++;
      while (outHead < outstanding.length && outstanding[outHead]?.acked) outHead++;
      if (outHead > 1024 && outHead * 2 > outstanding.length) {
        outstanding = outstanding.slice(outHead);
        outHead = 0;
      }
    },

    release(record) {
      const e = record as Entry;
      let i = retry.length;
      while (i > 0 && (retry[i - 1]?.pos ?? 0) > e.pos) i--;
      retry.splice(i, 0, e);
    },

    onReadable(fn) {
      listener = fn;
    },

    stats: () => ({
      records: Math.max(0, oldRecords + appended - acked),
      bytes: diskBytes + pendingBytes,
      maxBytes,
      bodyLimitBytes: bodyLimit,
      appended,
      written,
      acked,
      syncs,
      writes,
      skippedRecords,
      writeErrors,
      problem,
    }),

    flush,

    async close() {
      if (closed) return;
      if (!retryTimer) await flush();
      closed = true;
      clearInterval(cursorTimer);
      clearTimeout(syncTimer);
      clearTimeout(retryTimer);
      await saving;
      await saveCursor().catch((err: unknown) =>
        log.warn({ err, dir }, 'could not save the spool cursor'),
      );
      await closeFd(active.fd);
      await unlock();
      const left = Math.max(0, oldRecords + appended - acked);
      if (pendingEntries.length > 0) {
        log.error({ dir, lost: pendingEntries.length }, 'spool closed with flows never written');
      } else if (left > 0) {
        log.info(
          { dir, records: left },
          'spool closed with unpublished flows: they go out at the next start',
        );
      }
    },
  };
}

/** The spool's segment files in order (for tests and tools). */
export async function spoolSegments(dir: string): Promise<string[]> {
  return (await listSegments(dir)).map((seg) => segmentPath(dir, seg));
}
