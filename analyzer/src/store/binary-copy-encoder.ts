/**
 * PostgreSQL's binary COPY format, written by hand for the few column types the ingest tables use:
 * one buffer per COPY holding the header, every row (field count, then each field as a length and
 * its bytes in network order) and the trailer. Binary COPY skips the text input functions for
 * everything but jsonb, and bytea travels as raw bytes (text COPY would double it in hex).
 */

export type CopyColumnType =
  'uuid' | 'text' | 'float8' | 'int4' | 'int8' | 'bool' | 'jsonb' | 'bytea';

export type CopyValue = string | number | boolean | Uint8Array | null;

// "PGCOPY\n\377\r\n\0", then flags (int32 0) and the header extension length (int32 0).
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);

/** Thrown for a value that does not fit its column (a bug in the caller, not bad traffic). */
export class CopyValueError extends Error {
  override readonly name = 'CopyValueError';
}

export class BinaryCopyEncoder {
  readonly #types: readonly CopyColumnType[];
  #buffer: Buffer;
  #length = 0;
  #rows = 0;

  constructor(types: readonly CopyColumnType[], initialBytes = 64 * 1024) {
    this.#types = types;
    this.#buffer = Buffer.allocUnsafe(Math.max(initialBytes, 64));
    this.#bytes(SIGNATURE);
    this.#int32(0);
    this.#int32(0);
  }

  get rows(): number {
    return this.#rows;
  }

  /** Appends one row; `values` in column order, null for SQL NULL. */
  row(values: readonly CopyValue[]): void {
    const types = this.#types;
    if (values.length !== types.length)
      throw new CopyValueError(`row has ${values.length} values for ${types.length} columns`);
    this.#int16(types.length);
    for (let i = 0; i < types.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) {
        this.#int32(-1);
        continue;
      }
      switch (types[i] ?? 'text') {
        case 'text':
          this.#text(String(value), false);
          break;
        case 'jsonb':
          this.#text(String(value), true);
          break;
        case 'uuid':
          this.#uuid(String(value));
          break;
        case 'float8':
          this.#int32(8);
          this.#reserve(8);
          this.#length = this.#buffer.writeDoubleBE(Number(value), this.#length);
          break;
        case 'int4':
          this.#int32(4);
          this.#int32(Number(value));
          break;
        case 'int8':
          this.#int32(8);
          this.#reserve(8);
          this.#length = this.#buffer.writeBigInt64BE(BigInt(Number(value)), this.#length);
          break;
        case 'bool':
          this.#int32(1);
          this.#reserve(1);
          this.#buffer[this.#length++] = value === true ? 1 : 0;
          break;
        case 'bytea': {
          if (!(value instanceof Uint8Array)) throw new CopyValueError('bytea needs bytes');
          this.#int32(value.byteLength);
          this.#bytes(value);
          break;
        }
      }
    }
    this.#rows++;
  }

  /** The whole COPY data (with the trailer); the encoder must not be used afterwards. */
  finish(): Buffer {
    this.#int16(-1);
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(n: number): void {
    const need = this.#length + n;
    if (need <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }

  #int16(v: number): void {
    this.#reserve(2);
    this.#length = this.#buffer.writeInt16BE(v, this.#length);
  }

  #int32(v: number): void {
    this.#reserve(4);
    this.#length = this.#buffer.writeInt32BE(v, this.#length);
  }

  #bytes(data: Uint8Array): void {
    this.#reserve(data.byteLength);
    this.#buffer.set(data, this.#length);
    this.#length += data.byteLength;
  }

  #text(value: string, jsonb: boolean): void {
    // UTF-8 is at most 3 bytes per UTF-16 unit; write in place, then patch the length.
    const prefix = jsonb ? 1 : 0;
    this.#reserve(4 + prefix + value.length * 3);
    const at = this.#length;
    let pos = at + 4;
    if (jsonb) this.#buffer[pos++] = 1; // jsonb binary format version
    pos += this.#buffer.write(value, pos, 'utf8');
    this.#buffer.writeInt32BE(pos - at - 4, at);
    this.#length = pos;
  }

  #uuid(value: string): void {
    const hex = value.replaceAll('-', '');
    if (hex.length !== 32 || !/^[0-9a-fA-F]{32}$/.test(hex))
      throw new CopyValueError(`not a uuid: ${value.slice(0, 40)}`);
    this.#int32(16);
    this.#reserve(16);
    this.#length += this.#buffer.write(hex, this.#length, 'hex');
  }
}
