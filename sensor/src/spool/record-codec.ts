/**
 * The spool's record format. One record per flow, appended to a segment file:
 *
 *   u32 magic "HPS1" | u32 crc32 | u32 length (bytes after the 16-byte prefix) | u32 checked
 *   (bytes of the length covered by the checksum) | checked part | blob bytes
 *   checked part = u8 sensorId length | sensorId | u8 flowId length | flowId | u8 blob count |
 *                  per blob: 32-byte sha256, u32 length | the flow message JSON
 *
 * The crc32 (zlib's, hardware-assisted) covers the two length fields and the checked part; blob
 * bytes (bodies over the inline limit, up to --max-body) are covered by their sha256 instead, checked
 * when a record is read back from disk, so a 60 MiB body costs no checksum on the capture path.
 * The magic lets a reader find the next record after a damaged one.
 *
 * A blob whose descriptor length has the top bit set (FILE_BLOB_FLAG) is not in the record: its
 * bytes (length = the other 31 bits; --max-body is at most 1 GiB) are in the body file named by
 * the flow id and the sha256 (spool/body-files.ts), next to the segments. Records without such
 * blobs are byte for byte what they were before body files existed.
 */
import { crc32 } from 'node:zlib';

export const RECORD_MAGIC = 0x31535048; // "HPS1" little-endian
export const PREFIX_BYTES = 16;
const SHA256_BYTES = 32;
const BLOB_DESCRIPTOR_BYTES = SHA256_BYTES + 4;
/** Longest record the format allows (u32 lengths); far above any flow the sensor keeps. */
export const RECORD_MAX = 0xffff_fff0;

/** Descriptor length bit: the blob is in a body file, not in the record. */
export const FILE_BLOB_FLAG = 0x8000_0000;

/** A body kept beside the record in its own file. */
export interface BlobFile {
  readonly path: string;
  readonly len: number;
}

export type SpoolBlob =
  /** Bytes inside the record; hex sha256 of `bytes`. */
  | { readonly sha256: string; readonly bytes: Uint8Array; readonly file?: undefined }
  /** Bytes in a file; decoded records carry the file's name as `path` until the spool joins it. */
  | { readonly sha256: string; readonly file: BlobFile; readonly bytes?: undefined };

/** Name of the body file holding blob `sha256` of flow `flowId`. */
export function blobFileName(flowId: string, sha256: string): string {
  return `${flowId}-${sha256}.body`;
}

/** What is spooled for one flow. */
export interface RecordInput {
  readonly flowId: string;
  readonly sensorId: string;
  /** The flow message as published (serialised once). */
  readonly json: Uint8Array;
  readonly blobs: readonly SpoolBlob[];
}

/** Bytes the record takes in a segment file. */
export function recordSize(input: RecordInput): number {
  let size = PREFIX_BYTES + headSize(input) + input.json.length;
  for (const blob of input.blobs) size += blob.bytes?.length ?? 0;
  return size;
}

function headSize(input: RecordInput): number {
  return (
    3 + input.sensorId.length + input.flowId.length + input.blobs.length * BLOB_DESCRIPTOR_BYTES
  );
}

/**
 * The record as buffers to write in order (no copy of the JSON or the blobs), pushed onto `out`.
 * Returns the record's size.
 */
export function encodeRecord(input: RecordInput, out: Uint8Array[]): number {
  const { sensorId, flowId, json, blobs } = input;
  if (sensorId.length > 255 || flowId.length > 255 || blobs.length > 255) {
    throw new RangeError('spool record: id or blob count out of range');
  }
  const head = headSize(input);
  const size = recordSize(input);
  if (size > RECORD_MAX) throw new RangeError(`spool record too large (${size} bytes)`);
  const meta = Buffer.allocUnsafe(PREFIX_BYTES + head);
  meta.writeUInt32LE(RECORD_MAGIC, 0);
  meta.writeUInt32LE(size - PREFIX_BYTES, 8);
  meta.writeUInt32LE(head + json.length, 12);
  let at = PREFIX_BYTES;
  meta[at++] = sensorId.length;
  at += meta.write(sensorId, at, 'latin1');
  meta[at++] = flowId.length;
  at += meta.write(flowId, at, 'latin1');
  meta[at++] = blobs.length;
  for (const blob of blobs) {
    at += meta.write(blob.sha256, at, 'hex');
    if (blob.file && blob.file.len >= FILE_BLOB_FLAG) throw new RangeError('body file too large');
    meta.writeUInt32LE(blob.file ? (blob.file.len | FILE_BLOB_FLAG) >>> 0 : blob.bytes.length, at);
    at += 4;
  }
  // the lengths and the head are contiguous: two calls cover the whole checked part
  meta.writeUInt32LE(crc32(json, crc32(meta.subarray(8))), 4);
  out.push(meta, json);
  for (const blob of blobs) if (blob.bytes) out.push(blob.bytes);
  return size;
}

/** A record read back from a segment: views into the buffer it was read from. */
export interface DecodedRecord extends RecordInput {
  /** Offset just past the record in the buffer. */
  readonly next: number;
}

export type ParseResult =
  | { readonly kind: 'record'; readonly record: DecodedRecord }
  /** The buffer ends inside the record: `size` bytes are needed from `at`. */
  | { readonly kind: 'incomplete'; readonly size: number }
  /** Not a valid record at this offset (damaged, or not a record boundary). */
  | { readonly kind: 'bad'; readonly reason: string };

/** Reads the record starting at `at` (the buffer's end is the data's end). */
export function parseRecord(buf: Buffer, at: number): ParseResult {
  if (buf.length - at < PREFIX_BYTES) {
    return buf.length - at >= 4 && buf.readUInt32LE(at) !== RECORD_MAGIC
      ? { kind: 'bad', reason: 'no record magic' }
      : { kind: 'incomplete', size: PREFIX_BYTES };
  }
  if (buf.readUInt32LE(at) !== RECORD_MAGIC) return { kind: 'bad', reason: 'no record magic' };
  const length = buf.readUInt32LE(at + 8);
  const checked = buf.readUInt32LE(at + 12);
  if (checked > length || length > RECORD_MAX) return { kind: 'bad', reason: 'bad lengths' };
  const size = PREFIX_BYTES + length;
  if (buf.length - at < PREFIX_BYTES + checked) return { kind: 'incomplete', size };
  const body = at + PREFIX_BYTES;
  const crc = crc32(buf.subarray(at + 8, body + checked));
  if (crc !== buf.readUInt32LE(at + 4)) return { kind: 'bad', reason: 'checksum mismatch' };
  if (buf.length - at < size) return { kind: 'incomplete', size };
  // the checked part is intact: its fields can be trusted, bounds still checked
  let p = body;
  const sidLen = buf[p++] ?? 0;
  const sensorId = buf.toString('latin1', p, p + sidLen);
  p += sidLen;
  const fidLen = buf[p++] ?? 0;
  const flowId = buf.toString('latin1', p, p + fidLen);
  p += fidLen;
  const count = buf[p++] ?? 0;
  const descriptors: { sha256: string; len: number }[] = [];
  for (let i = 0; i < count; i++) {
    descriptors.push({
      sha256: buf.toString('hex', p, p + SHA256_BYTES),
      len: buf.readUInt32LE(p + SHA256_BYTES),
    });
    p += BLOB_DESCRIPTOR_BYTES;
  }
  const jsonEnd = body + checked;
  if (p > jsonEnd) return { kind: 'bad', reason: 'bad head' };
  const json = buf.subarray(p, jsonEnd);
  let b = jsonEnd;
  const blobs: SpoolBlob[] = [];
  for (const d of descriptors) {
    if (d.len >= FILE_BLOB_FLAG) {
      const len = d.len - FILE_BLOB_FLAG;
      blobs.push({ sha256: d.sha256, file: { path: blobFileName(flowId, d.sha256), len } });
      continue;
    }
    blobs.push({ sha256: d.sha256, bytes: buf.subarray(b, b + d.len) });
    b += d.len;
  }
  if (b !== at + size) return { kind: 'bad', reason: 'blob lengths do not add up' };
  return { kind: 'record', record: { flowId, sensorId, json, blobs, next: at + size } };
}

/** Offset of the next possible record start after `from` (a magic), or -1. */
export function findMagic(buf: Buffer, from: number): number {
  const magic = Buffer.allocUnsafe(4);
  magic.writeUInt32LE(RECORD_MAGIC, 0);
  return buf.indexOf(magic, from);
}
