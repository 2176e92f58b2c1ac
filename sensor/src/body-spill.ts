/**
 * Large bodies on disk instead of in memory. Once the kept bytes of a body pass SPILL_THRESHOLD,
 * the capture (BodyPrefix) streams them to a file in the spill directory as they arrive — the
 * hash is still taken on the way — so a 64 MiB prefix costs a file, not 64 MiB of RAM. The file
 * is the capture's until every sink's `write` has settled (`releaseBodyFiles`); a sink that keeps
 * the body longer links it under its own name first (the spool does: `spool/body-files.ts`), so
 * the spill directory must be on the spool's filesystem (it is `<spool-dir>/bodies`).
 *
 * Why 1 MiB: below it the file costs more than the memory it saves (open, link, fsync, unlink:
 * a few hundred µs on the thread pool, against a transfer of ~1 ms at 1 GB/s), and a body of
 * 1 MiB per connection in RAM is bounded (500 downloads at once: ~0.5 GB worst case, not 32 GB).
 * With --max-body 1 MiB the whole 1 GiB download grew RSS by ~42 MB (BENCHMARKS.md), so a body
 * past 1 MiB that stays in RAM is what breaks the < 50 MB target; at 1 MiB it is not held.
 */
import { randomBytes } from 'node:crypto';
import { close, fdatasync, open, writev } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CapturedFlow, FlowSink } from './flow-sink.js';

export const SPILL_THRESHOLD = 1024 * 1024;
/** Bytes copied together before a write: 256 writes for a 64 MiB prefix, 512 KiB per body. */
const STAGE_BYTES = 256 * 1024;
/** Files being written by a capture; any left at start belong to a dead process. */
const PART_SUFFIX = '.part';

/** A captured body (its kept bytes) in a file. */
export interface BodyFile {
  readonly path: string;
  /** Bytes in the file (the body's captured length). */
  readonly len: number;
  /** Hex sha256 of the file's bytes, taken as they arrived. */
  readonly sha256: string;
  /** Resolves once every byte is written and fsynced; rejects when the disk failed. */
  readonly ready: Promise<void>;
}

/** Where captures put bodies past the threshold. */
export interface BodySpill {
  readonly dir: string;
  readonly threshold: number;
  /** A new file to stream one body into. */
  create(): BodyFileWriter;
}

export interface BodySpillOptions {
  readonly dir: string;
  readonly log: Logger;
  readonly threshold?: number;
}

/** Creates the directory and deletes the files a previous process left half-written. */
export async function openBodySpill(options: BodySpillOptions): Promise<BodySpill> {
  const { dir, log } = options;
  await mkdir(dir, { recursive: true });
  let orphans = 0;
  for (const name of await readdir(dir)) {
    if (!name.endsWith(PART_SUFFIX)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    orphans++;
  }
  if (orphans > 0) log.info({ dir, files: orphans }, 'deleted body files left by a stopped sensor');
  let seq = 0;
  const prefix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return {
    dir,
    threshold: options.threshold ?? SPILL_THRESHOLD,
    create: () => new BodyFileWriter(join(dir, `${prefix}-${++seq}${PART_SUFFIX}`), log),
  };
}

/**
 * Streams one body to its file: chunks are copied into 256 KiB stages, and full stages are written
 * with one writev at a time on the thread pool; `finish` hands out the BodyFile whose `ready`
 * waits for the last write and the fsync. Copying (a memcpy, ~20 µs per stage) lets the socket's
 * buffers die young: queued by reference until written, they outlived two scavenges, were
 * promoted to V8's old generation and their memory waited for a full GC (measured: +28 MB of
 * ArrayBuffers for a 64 MiB prefix). A disk error is logged once and makes `ready` reject (the
 * flow then goes without this body, flagged, rather than not at all).
 */
export class BodyFileWriter {
  readonly path: string;
  private readonly log: Logger;
  private fd: number | undefined;
  private queue: Buffer[] = [];
  /** The stage being filled, and written ones kept for reuse (as many as were ever queued). */
  private stage: Buffer | undefined;
  private staged = 0;
  private spare: Buffer[] = [];
  private busy = true; // until the file is open
  private error: Error | undefined;
  private len = 0;
  private finished: (() => void) | undefined;
  private failed: ((err: Error) => void) | undefined;
  private ending = false;

  constructor(path: string, log: Logger) {
    this.path = path;
    this.log = log;
    open(path, 'wx', 0o600, (err, fd) => {
      if (err) return this.fail(err);
      this.fd = fd;
      this.busy = false;
      this.pump();
    });
  }

  write(chunk: Buffer): void {
    if (this.error || chunk.length === 0) return;
    this.len += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      const stage = (this.stage ??= this.takeSpare());
      const n = chunk.copy(stage, this.staged, at);
      at += n;
      this.staged += n;
      if (this.staged === stage.length) {
        this.queue.push(stage);
        this.stage = undefined;
        this.staged = 0;
      }
    }
    this.pump();
  }

  private takeSpare(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafeSlow(STAGE_BYTES);
  }

  /** No more bytes: the file as a BodyFile (its bytes have the given sha256). */
  finish(sha256: string): BodyFile {
    this.ending = true;
    const ready = new Promise<void>((resolve, reject) => {
      this.finished = resolve;
      this.failed = reject;
    });
    ready.catch(() => undefined); // the flow's encoder handles it; never unhandled
    if (this.stage && this.staged > 0) this.queue.push(this.stage.subarray(0, this.staged));
    this.stage = undefined;
    this.pump();
    if (this.error) this.failed?.(this.error);
    return { path: this.path, len: this.len, sha256, ready };
  }

  private pump(): void {
    if (this.busy || this.error || this.fd === undefined) return;
    const fd = this.fd;
    if (this.queue.length > 0) {
      const bufs = this.queue;
      this.queue = [];
      this.busy = true;
      // appends at the file position; one write in flight keeps the order
      writev(fd, bufs, (err, written) => {
        const total = bufs.reduce((n, b) => n + b.length, 0);
        if (!err && written < total) {
          // rare short write: put the rest back in front
          let skip = written;
          const rest: Buffer[] = [];
          for (const b of bufs) {
            if (skip >= b.length) skip -= b.length;
            else {
              rest.push(skip > 0 ? b.subarray(skip) : b);
              skip = 0;
            }
          }
          this.queue = rest.concat(this.queue);
        } else if (!err) {
          // written stages are filled again: the same few buffers carry the whole body
          for (const b of bufs) if (b.length === STAGE_BYTES) this.spare.push(b);
        }
        this.busy = false;
        if (err) this.fail(err);
        else this.pump();
      });
      return;
    }
    if (!this.ending || !this.finished) return;
    this.busy = true;
    // the spool record that will name this file must never reach the disk before its bytes
    fdatasync(fd, (err) => {
      close(fd, () => undefined);
      this.fd = undefined;
      if (err) this.fail(err);
      else this.finished?.();
    });
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.error) return;
    this.error = err;
    this.queue = [];
    this.log.error({ err, path: this.path }, 'writing a body file failed: the body is dropped');
    if (this.fd !== undefined) close(this.fd, () => undefined);
    this.fd = undefined;
    this.failed?.(err);
  }
}

/** The flow with every body file read into memory, for sinks that need the bytes (HAR). */
export async function withBodiesInMemory(captured: CapturedFlow): Promise<CapturedFlow> {
  const files = captured.bodyFiles;
  if (!files || files.size === 0) return captured;
  const bodies = new Map(captured.bodies);
  for (const [sha256, file] of files) bodies.set(sha256, await readFile(file.path));
  return { flow: captured.flow, bodies };
}

/**
 * Deletes each flow's capture files once the sink's `write` has settled: by then every sink
 * has read or linked what it keeps.
 */
export function releaseBodyFiles(sink: FlowSink): FlowSink {
  const release = (captured: CapturedFlow) => {
    for (const file of captured.bodyFiles?.values() ?? [])
      void unlink(file.path).catch(() => undefined);
  };
  return {
    ...(sink.holdResponses !== undefined && { holdResponses: sink.holdResponses }),
    write(captured) {
      if (!captured.bodyFiles?.size) return sink.write(captured);
      return sink.write(captured).finally(() => release(captured));
    },
    close: () => sink.close(),
  };
}
