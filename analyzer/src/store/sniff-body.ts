/**
 * The sniffed type of a captured body, computed once at ingest: the magic bytes of the content after
 * its Content-Encoding (a gzip-encoded HTML page is HTML). Only a prefix is decoded — 2 KiB of
 * compressed input, output capped — so a decompression bomb costs nothing here. Stacked or unknown
 * codings, or a prefix that does not decode, fall back to sniffing the bytes as they are.
 */
import zlib from 'node:zlib';
import { sniffType, type HeaderPairs } from '@honeyproxy/protocol';

const PREFIX_IN = 2048;
const PREFIX_OUT = 64 * 1024;

function codings(headers: HeaderPairs): string[] {
  return headers
    .filter(([name]) => name.toLowerCase() === 'content-encoding')
    .flatMap(([, v]) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'identity');
}

function decodePrefix(coding: string, input: Buffer): Buffer | null {
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: PREFIX_OUT };
  try {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return zlib.gunzipSync(input, opts);
      case 'deflate':
        try {
          return zlib.inflateSync(input, opts);
        } catch {
          return zlib.inflateRawSync(input, opts);
        }
      case 'br':
        return zlib.brotliDecompressSync(input, {
          finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
          maxOutputLength: PREFIX_OUT,
        });
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** Media type of the body's content, or undefined when unknown. */
export function sniffBody(data: Uint8Array, headers: HeaderPairs): string | undefined {
  const list = codings(headers);
  let content: Uint8Array = data;
  if (list.length === 1 && list[0] !== undefined) {
    const prefix = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, PREFIX_IN));
    content = decodePrefix(list[0], prefix) ?? data;
  }
  return sniffType(content) ?? undefined;
}
