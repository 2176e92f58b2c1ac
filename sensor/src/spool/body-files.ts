/**
 * The spool's body files: bodies past the spill threshold are not copied into a record but kept
 * as files in `<spool-dir>/bodies`, named `<flowId>-<sha256>.body`, which the record names by its
 * flow id and the blob's sha256 (record-codec.ts). The capture wrote the file under a temporary
 * name; the spool links it under its own name when the flow is appended (the capture deletes its
 * name afterwards), deletes it when JetStream has acknowledged the flow, and counts every file in
 * the spool's budget. At start, files no unacknowledged record names are deleted.
 */
import { linkSync } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { blobFileName, type SpoolBlob } from './record-codec.js';

const BODY_FILE_RE = /\.body$/;

/** Bytes of the blobs that live in files. */
export function fileBytesOf(blobs: readonly SpoolBlob[]): number {
  let n = 0;
  for (const blob of blobs) n += blob.file?.len ?? 0;
  return n;
}

export interface AdoptedBlobs {
  readonly blobs: readonly SpoolBlob[];
  /** sha256 of file blobs whose file could not be linked (gone): the flow goes without them. */
  readonly missing: string[];
}

export class SpoolBodyFiles {
  readonly dir: string;
  private readonly log: Logger;
  /** Files found at start, by name, with their sizes: candidates for the orphan sweep. */
  private readonly atStart: Map<string, number>;
  private total: number;

  private constructor(dir: string, log: Logger, atStart: Map<string, number>) {
    this.dir = dir;
    this.log = log;
    this.atStart = atStart;
    this.total = 0;
    for (const size of atStart.values()) this.total += size;
  }

  static async open(dir: string, log: Logger): Promise<SpoolBodyFiles> {
    await mkdir(dir, { recursive: true });
    const atStart = new Map<string, number>();
    for (const name of await readdir(dir)) {
      if (!BODY_FILE_RE.test(name)) continue;
      const size = await stat(join(dir, name)).then(
        (s) => s.size,
        () => undefined,
      );
      if (size !== undefined) atStart.set(name, size);
    }
    return new SpoolBodyFiles(dir, log, atStart);
  }

  /** Bytes of body files on disk (for the budget). */
  get bytes(): number {
    return this.total;
  }

  /**
   * Links the capture's files under the spool's names (a link, not a copy: same filesystem).
   * Synchronous, as append is: one metadata operation per body past the threshold.
   */
  adopt(flowId: string, blobs: readonly SpoolBlob[]): AdoptedBlobs {
    const missing: string[] = [];
    const out: SpoolBlob[] = [];
    for (const blob of blobs) {
      if (!blob.file) {
        out.push(blob);
        continue;
      }
      const path = join(this.dir, blobFileName(flowId, blob.sha256));
      try {
        linkSync(blob.file.path, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          this.log.error({ err, flowId, sha256: blob.sha256 }, 'body file lost before spooling');
          missing.push(blob.sha256);
          continue;
        }
      }
      this.total += blob.file.len;
      out.push({ sha256: blob.sha256, file: { path, len: blob.file.len } });
    }
    return { blobs: out, missing };
  }

  /** A file blob of a record read back from disk, if its file is there whole; else undefined. */
  async check(flowId: string, blob: SpoolBlob): Promise<SpoolBlob | undefined> {
    if (!blob.file) return blob;
    const path = join(this.dir, blobFileName(flowId, blob.sha256));
    const size = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === blob.file.len) return { sha256: blob.sha256, file: { path, len: size } };
    this.log.error(
      { flowId, sha256: blob.sha256, path, expected: blob.file.len, found: size ?? 'missing' },
      'body file missing or torn: the flow is published without that body',
    );
    return undefined;
  }

  /** The flow is acknowledged: its files go. Returns the bytes freed. */
  release(blobs: readonly SpoolBlob[]): number {
    let freed = 0;
    for (const blob of blobs) {
      if (!blob.file) continue;
      freed += blob.file.len;
      void unlink(blob.file.path).catch((err: unknown) =>
        this.log.warn({ err, path: blob.file?.path }, 'could not delete a published body file'),
      );
    }
    this.total -= freed;
    return freed;
  }

  /**
   * Deletes the files found at start that no unacknowledged record names (their flow was
   * acknowledged just before a crash, or their record was never written). Returns bytes freed.
   */
  async sweep(referenced: ReadonlySet<string>): Promise<number> {
    let freed = 0;
    let files = 0;
    for (const [name, size] of this.atStart) {
      if (referenced.has(name)) continue;
      await unlink(join(this.dir, name)).catch(() => undefined);
      freed += size;
      files++;
    }
    this.atStart.clear();
    this.total -= freed;
    if (files > 0)
      this.log.info({ dir: this.dir, files, bytes: freed }, 'deleted body files no flow names');
    return freed;
  }
}
