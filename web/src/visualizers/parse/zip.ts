/**
 * ZIP listing from the central directory only — nothing is ever decompressed. Names, sizes,
 * compression ratio, encryption, and a zip-bomb verdict (extreme ratios, absurd total size,
 * overlapping entries). ZIP64 sizes are honoured. Hostile archives get a partial listing, never a
 * loop: counts are capped and every offset is checked.
 */
import { ByteReader } from './bytes.js';

export interface ZipEntry {
  name: string;
  compressedSize: number;
  size: number;
  method: string;
  encrypted: boolean;
  directory: boolean;
  /** size / compressedSize (0 when nothing is compressed). */
  ratio: number;
}

export interface ZipInfo {
  entries: ZipEntry[];
  /** Entries the directory says exist (may exceed entries.length when capped). */
  totalEntries: number;
  totalSize: number;
  totalCompressed: number;
  comment: string;
  /** Reasons this looks like a decompression bomb (empty: none). */
  bomb: string[];
}

export const ZIP_LIST_MAX = 10_000;
/** An entry expanding more than this many times is a bomb (deflate tops out near 1032:1). */
export const BOMB_RATIO = 1000;
export const BOMB_TOTAL = 4 * 1024 ** 3;

const METHODS: Record<number, string> = {
  0: 'stored',
  8: 'deflate',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstd',
  95: 'xz',
  99: 'AES',
};

export class NotZipError extends Error {
  override readonly name = 'NotZipError';
}

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: !utf8 }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes); // CP437 is close enough for a listing
  }
}

export function parseZip(bytes: Uint8Array): ZipInfo {
  const r = new ByteReader(bytes);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (r.u32(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw new NotZipError('no end-of-central-directory record (not a zip, or cut short)');
  let total = r.u16(eocd + 10) ?? 0;
  let cdOffset = r.u32(eocd + 16) ?? 0;
  const commentLen = r.u16(eocd + 20) ?? 0;
  const comment = decodeName(r.slice(eocd + 22, commentLen), true);
  // ZIP64: the locator sits just before the EOCD and points at the real record.
  if (r.u32(eocd - 20) === 0x07064b50) {
    const z = r.u64(eocd - 12) ?? 0;
    if (r.u32(z) === 0x06064b50) {
      total = r.u64(z + 32) ?? total;
      cdOffset = r.u64(z + 48) ?? cdOffset;
    }
  }
  const entries: ZipEntry[] = [];
  const offsets = new Set<number>();
  let overlapping = 0;
  let totalSize = 0;
  let totalCompressed = 0;
  let p = cdOffset;
  for (let i = 0; i < Math.min(total, ZIP_LIST_MAX); i++) {
    if (r.u32(p) !== 0x02014b50) break;
    const flags = r.u16(p + 8) ?? 0;
    const methodId = r.u16(p + 10) ?? 0;
    let compressedSize = r.u32(p + 20) ?? 0;
    let size = r.u32(p + 24) ?? 0;
    const nameLen = r.u16(p + 28) ?? 0;
    const extraLen = r.u16(p + 30) ?? 0;
    const commentLength = r.u16(p + 32) ?? 0;
    let localOffset = r.u32(p + 42) ?? 0;
    const name = decodeName(r.slice(p + 46, nameLen), (flags & 0x800) !== 0);
    // ZIP64 extended information: only the fields that were 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = r.u16(e) ?? 0;
      const len = r.u16(e + 2) ?? 0;
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) {
          size = r.u64(f) ?? size;
          f += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = r.u64(f) ?? compressedSize;
          f += 8;
        }
        if (localOffset === 0xffffffff) localOffset = r.u64(f) ?? localOffset;
      }
      e += 4 + len;
    }
    if (offsets.has(localOffset)) overlapping++;
    offsets.add(localOffset);
    totalSize += size;
    totalCompressed += compressedSize;
    entries.push({
      name,
      compressedSize,
      size,
      method: METHODS[methodId] ?? `method ${methodId}`,
      encrypted: (flags & 1) !== 0,
      directory: name.endsWith('/'),
      ratio: compressedSize > 0 ? size / compressedSize : 0,
    });
    p += 46 + nameLen + extraLen + commentLength;
  }
  const bomb: string[] = [];
  const worst = entries.reduce((m, x) => Math.max(m, x.ratio), 0);
  if (worst > BOMB_RATIO)
    bomb.push(`an entry expands ${Math.round(worst).toLocaleString('en-US')}:1`);
  if (totalSize > BOMB_TOTAL) bomb.push(`expands to ${(totalSize / 1024 ** 3).toFixed(1)} GiB`);
  if (overlapping > 0)
    bomb.push(`${overlapping} entries share their data with another (overlapping zip bomb)`);
  if (totalCompressed > 0 && totalSize / totalCompressed > BOMB_RATIO)
    bomb.push(`whole archive expands ${Math.round(totalSize / totalCompressed)}:1`);
  return { entries, totalEntries: total, totalSize, totalCompressed, comment, bomb };
}
