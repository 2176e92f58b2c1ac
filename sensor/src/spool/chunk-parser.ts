/**
 * Reads the records in a piece of a segment file, stepping over damage: a record that fails its
 * checksum (or is not a record at all) is skipped up to the next record magic, and a record cut
 * off by the end of the data — the torn last write of a killed sensor — is reported as torn.
 */
import { findMagic, parseRecord, type DecodedRecord } from './record-codec.js';

export interface ChunkRecord {
  /** Offset of the record in the chunk. */
  readonly offset: number;
  readonly record: DecodedRecord;
}

export interface SkippedBytes {
  readonly offset: number;
  readonly bytes: number;
  readonly reason: string;
}

export interface ParsedChunk {
  readonly records: ChunkRecord[];
  /** Where the next read should start (relative to the chunk). */
  readonly next: number;
  /** The first record is longer than the chunk: read this many bytes from `next`. */
  readonly needed?: number;
  readonly skipped: SkippedBytes[];
}

/**
 * Parses `buf`; `final` says the data ends with it (a record cut off there is torn and skipped),
 * otherwise parsing stops before an incomplete record so the caller can read further.
 */
export function parseChunk(buf: Buffer, final: boolean, maxRecords = Infinity): ParsedChunk {
  const records: ChunkRecord[] = [];
  const skipped: SkippedBytes[] = [];
  let at = 0;
  let needed: number | undefined;
  while (at < buf.length && records.length < maxRecords) {
    const r = parseRecord(buf, at);
    if (r.kind === 'record') {
      records.push({ offset: at, record: r.record });
      at = r.record.next;
      continue;
    }
    if (r.kind === 'incomplete') {
      if (!final) {
        if (at === 0) needed = r.size;
        break;
      }
      skipped.push({ offset: at, bytes: buf.length - at, reason: 'torn record (cut off)' });
      at = buf.length;
      break;
    }
    const magic = findMagic(buf, at + 1);
    // without a magic further on, keep the last 3 bytes: a magic may straddle the chunk's end
    const to = magic >= 0 ? magic : final ? buf.length : Math.max(at + 1, buf.length - 3);
    const last = skipped.at(-1);
    if (last && last.offset + last.bytes === at) {
      skipped[skipped.length - 1] = { ...last, bytes: last.bytes + (to - at) };
    } else {
      skipped.push({ offset: at, bytes: to - at, reason: r.reason });
    }
    at = to;
  }
  return { records, next: at, ...(needed !== undefined && { needed }), skipped };
}
