/**
 * The sensor's disk spool: every flow is appended here before anything publishes it, and stays
 * until JetStream has acknowledged it. Appends go to an in-memory batch that one positioned
 * writev puts into the current segment file on the next loop turn (one syscall per batch: in
 * place when small, else on the thread pool); an append can wait for that write (`onWritten`: the
 * sensor holds the response's last bytes until then). fsync is batched (every `fsyncMs` or
 * `fsyncRecords`, group commit). A written record is handed to the
 * publisher from memory while it is recent, or read back from disk after an outage or a restart,
 * always in spool order. Acknowledgements advance a cursor over the contiguous acknowledged prefix;
 * it is saved every few hundred ms, and segments behind it are deleted. A disk budget bounds it
 * all: above `bodyLimit` a flow must come without bodies, above `maxBytes` it is refused.
 *
 * This file opens the spool and puts its parts together: `GroupWriter` (group-writer.ts),
 * `SpoolReader` (spool-reader.ts), `AckCursor` (ack-cursor.ts) and `SpoolBudget` (spool-budget.ts).
 */
import { open } from 'node:fs';
import { mkdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { AckCursor } from './ack-cursor.js';
import { fileBytesOf, SpoolBodyFiles } from './body-files.js';
import { countOldRecords } from './count-old-records.js';
import { GroupWriter } from './group-writer.js';
import { recordSize, type RecordInput } from './record-codec.js';
import {
  listSegments,
  lockSpool,
  position,
  readCursor,
  segmentOf,
  segmentPath,
  syncDirectory,
} from './segment-files.js';
import { SpoolBudget } from './spool-budget.js';
import type { SpoolEntry, SpoolRecord } from './spool-record.js';
import { SpoolReader } from './spool-reader.js';

export type { SpoolRecord } from './spool-record.js';

const openFd = promisify(open);

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
  /** Where bodies kept as files live (default `<dir>/bodies`; the capture spills there). */
  readonly bodyDir?: string;
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
  /**
   * Queues a flow's record; 'spooled' ones are written with the next group write (the next loop
   * turn), after which `onWritten` runs — with the error when that write failed (the record stays
   * queued and is retried).
   */
  append(input: RecordInput, hasBodies: boolean, onWritten?: (err?: Error) => void): AppendResult;
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

const MIB = 1024 * 1024;

export async function openSpool(options: SpoolOptions): Promise<Spool> {
  const { dir, maxBytes, log } = options;
  const segmentBytes =
    options.segmentBytes ?? Math.min(64 * MIB, Math.max(MIB, Math.floor(maxBytes / 16)));
  const fsyncMs = options.fsyncMs ?? 100;
  const fsyncRecords = options.fsyncRecords ?? 10_000;
  // responses wait for their flow's write (write-before-last-byte): the next loop turn, no later
  const flushDelayMs = options.flushDelayMs ?? 0;
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
  const active = { seg: activeSeg, fd: await openFd(segmentPath(dir, activeSeg), 'wx'), size: 0 };
  segments.set(activeSeg, 0);
  await syncDirectory(dir);
  if (oldSegments.length === 0) cursor = position(activeSeg, 0);
  const budget = new SpoolBudget(maxBytes, bodyLimit, pendingMax);
  for (const size of segments.values()) budget.diskBytes += size;
  // body files count in the budget like the segments
  const bodyFiles = await SpoolBodyFiles.open(options.bodyDir ?? join(dir, 'bodies'), log);
  budget.diskBytes += bodyFiles.bytes;
  const referencedFiles = new Set<string>();
  const sweepFiles = () =>
    bodyFiles
      .sweep(referencedFiles)
      .then((freed) => (budget.diskBytes -= freed))
      .catch((err: unknown) => log.warn({ err }, 'sweeping body files failed'));

  // counters
  let oldRecords = 0;
  let appended = 0;
  let acked = 0;
  let closed = false;
  let listener: (() => void) | undefined;
  const notify = () => listener?.();
  const isClosed = () => closed;

  const writer: GroupWriter = new GroupWriter({
    dir,
    log,
    segmentBytes,
    fsyncMs,
    fsyncRecords,
    flushDelayMs,
    syncWriteMax,
    budget,
    segments,
    active,
    memory: {
      push: (entries) => reader.push(entries),
      added: (bytes) => reader.added(bytes),
    },
    notify,
  });
  const reader: SpoolReader = new SpoolReader({
    dir,
    log,
    memoryBytes,
    readChunkBytes,
    from: cursor,
    writer,
    bodyFiles,
    isClosed,
    notify,
    taken: (entry) => ackCursor.track(entry),
  });

  if (oldSegments.length > 0) {
    const oldBytes = oldSegments.reduce((n, seg) => n + (segments.get(seg) ?? 0), 0);
    log.info(
      { dir, segments: oldSegments.length, bytes: oldBytes },
      'spool holds flows from before the start: publishing them first',
    );
    countOldRecords({
      dir,
      oldSegments,
      segments,
      cursor,
      readChunkBytes,
      isClosed,
      referencedFiles,
      counted: (records) => (oldRecords += records),
    }).then(sweepFiles, (err: unknown) => log.warn({ err }, 'counting the spooled flows failed'));
  } else {
    void sweepFiles();
  }

  const ackCursor: AckCursor = new AckCursor({
    dir,
    log,
    intervalMs: cursorIntervalMs,
    writer,
    reader,
    budget,
  });

  return {
    append(input, hasBodies, onWritten) {
      if (closed) return 'full';
      const size = recordSize(input);
      const fileBytes = fileBytesOf(input.blobs);
      const room = budget.admit(size, fileBytes, writer.pendingBytes, hasBodies);
      if (room !== 'spooled') return room;
      const adopted = fileBytes > 0 ? bodyFiles.adopt(input.flowId, input.blobs) : undefined;
      if (adopted) budget.diskBytes += fileBytesOf(adopted.blobs);
      const entry: SpoolEntry = {
        ...(adopted?.missing.length && { damaged: adopted.missing }),
        flowId: input.flowId,
        sensorId: input.sensorId,
        json: input.json,
        blobs: adopted?.blobs ?? input.blobs,
        size,
        pos: -1,
        end: -1,
        acked: false,
        onWritten: undefined, // set by the writer
      };
      writer.queue(input, entry, onWritten);
      appended++;
      writer.schedule();
      return 'spooled';
    },

    take: () => reader.take(),

    ack(record) {
      const e = record as SpoolEntry;
      acked++;
      if (e.blobs.length > 0) budget.diskBytes -= bodyFiles.release(e.blobs);
      ackCursor.ack(e);
    },

    release(record) {
      reader.release(record as SpoolEntry);
    },

    onReadable(fn) {
      listener = fn;
    },

    stats: () => ({
      records: Math.max(0, oldRecords + appended - acked),
      bytes: budget.diskBytes + writer.pendingBytes,
      maxBytes,
      bodyLimitBytes: bodyLimit,
      appended,
      written: writer.written,
      acked,
      syncs: writer.syncs,
      writes: writer.writes,
      skippedRecords: reader.skippedRecords,
      writeErrors: writer.writeErrors,
      problem: writer.problem,
    }),

    flush: () => writer.flush(),

    async close() {
      if (closed) return;
      if (!writer.failing) await writer.flush();
      closed = true;
      writer.stopTimers();
      await ackCursor.close();
      await writer.closeFile();
      await unlock();
      const left = Math.max(0, oldRecords + appended - acked);
      const lost = writer.queued;
      if (lost > 0) {
        log.error({ dir, lost }, 'spool closed with flows never written');
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
