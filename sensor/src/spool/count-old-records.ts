/**
 * The startup count of what a spool holds from before the start: records in the old segments from
 * the cursor on (for the backlog figure) and the body files they still reference (the rest are
 * swept).
 */
import { close, open } from 'node:fs';
import { promisify } from 'node:util';
import { parseChunk } from './chunk-parser.js';
import { readAt } from './read-at.js';
import { offsetOf, segmentOf, segmentPath } from './segment-files.js';

const openFd = promisify(open);
const closeFd = promisify(close);

export interface CountOldRecordsOptions {
  readonly dir: string;
  /** Segments from before the start, ascending. */
  readonly oldSegments: readonly number[];
  /** Size of every segment file present (deleted ones leave it). */
  readonly segments: ReadonlyMap<number, number>;
  /** The cursor at the start. */
  readonly cursor: number;
  readonly readChunkBytes: number;
  readonly isClosed: () => boolean;
  /** Body files the records point to are added here. */
  readonly referencedFiles: Set<string>;
  /** Called with each chunk's record count, so the backlog grows as the count goes. */
  readonly counted: (records: number) => void;
}

export async function countOldRecords(options: CountOldRecordsOptions): Promise<void> {
  const { dir, segments, cursor, readChunkBytes, referencedFiles } = options;
  for (const seg of options.oldSegments) {
    const size = segments.get(seg) ?? 0;
    let at = seg === segmentOf(cursor) ? offsetOf(cursor) : 0;
    const fd = await openFd(segmentPath(dir, seg), 'r');
    try {
      while (at < size && !options.isClosed()) {
        const buf = await readAt(fd, at, Math.min(readChunkBytes, size - at));
        let parsed = parseChunk(buf, at + buf.length >= size);
        if (parsed.needed !== undefined) {
          if (at + parsed.needed > size) break;
          parsed = parseChunk(await readAt(fd, at, parsed.needed), at + parsed.needed >= size);
        }
        options.counted(parsed.records.length);
        for (const { record } of parsed.records)
          for (const blob of record.blobs) if (blob.file) referencedFiles.add(blob.file.path);
        if (parsed.next === 0) break;
        at += parsed.next;
      }
    } finally {
      await closeFd(fd);
    }
  }
}
