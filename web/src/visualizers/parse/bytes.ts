/**
 * Bounds-checked little/big-endian readers over captured bytes for the format parsers. Every read
 * past the end returns undefined instead of throwing or reading garbage: captured binaries are
 * hostile, and a parser must never loop on a length it did not check.
 */

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  littleEndian: boolean;

  constructor(bytes: Uint8Array, littleEndian = true) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = littleEndian;
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  has(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && size >= 0 && offset + size <= this.length;
  }

  u8(offset: number): number | undefined {
    return this.has(offset, 1) ? this.view.getUint8(offset) : undefined;
  }

  u16(offset: number): number | undefined {
    return this.has(offset, 2) ? this.view.getUint16(offset, this.littleEndian) : undefined;
  }

  u32(offset: number): number | undefined {
    return this.has(offset, 4) ? this.view.getUint32(offset, this.littleEndian) : undefined;
  }

  /** A 64-bit value as a number (exact up to 2^53; larger values lose low bits, fine for display). */
  u64(offset: number): number | undefined {
    if (!this.has(offset, 8)) return undefined;
    const lo = this.view.getUint32(offset + (this.littleEndian ? 0 : 4), this.littleEndian);
    const hi = this.view.getUint32(offset + (this.littleEndian ? 4 : 0), this.littleEndian);
    return hi * 0x1_0000_0000 + lo;
  }

  /** Bytes [offset, offset+size) clipped to what exists. */
  slice(offset: number, size: number): Uint8Array {
    const start = Math.max(0, Math.min(offset, this.length));
    return this.bytes.subarray(
      start,
      Math.max(start, Math.min(start + Math.max(0, size), this.length)),
    );
  }

  /** NUL-terminated ASCII/Latin-1 string of at most `max` bytes. */
  cstring(offset: number, max = 256): string {
    let out = '';
    for (let i = 0; i < max; i++) {
      const b = this.u8(offset + i);
      if (b === undefined || b === 0) break;
      out += String.fromCharCode(b);
    }
    return out;
  }

  /** Fixed-size field (NULs trimmed at the end). */
  fixed(offset: number, size: number): string {
    return latin1(this.slice(offset, size)).replace(/\0+$/, '');
  }
}

/** Bytes as Latin-1 text (one char per byte; never throws). */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step)
    out += String.fromCharCode(...bytes.subarray(i, Math.min(i + step, bytes.length)));
  return out;
}

/** "0x401000". */
export function hex(value: number | undefined): string {
  return value === undefined ? '?' : `0x${value.toString(16)}`;
}

/** True when `bytes` starts with `prefix` at `offset`. */
export function startsWith(
  bytes: Uint8Array,
  prefix: readonly number[] | string,
  offset = 0,
): boolean {
  const codes = typeof prefix === 'string' ? [...prefix].map((c) => c.charCodeAt(0)) : prefix;
  if (bytes.length < offset + codes.length) return false;
  return codes.every((code, i) => bytes[offset + i] === code);
}
