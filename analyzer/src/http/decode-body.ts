/**
 * Removes a captured body's Content-Encoding for the "decoded" view, with hard limits: at most five
 * stacked codings (the undici lesson) and a cap on the output of every codec (gzip, deflate, br and
 * zstd alike: the Netty lesson), so a decompression bomb costs a 422, never unbounded memory.
 * Truncated streams decode as far as they go; corrupt ones are a 422 with the codec's reason.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { HeaderPairs } from '@honeyproxy/protocol';

export const MAX_ENCODING_LAYERS = 5;

/** The body cannot be decoded (unsupported, corrupt, too many layers, or over the limit). */
export class UndecodableBodyError extends Error {
  override readonly name = 'UndecodableBodyError';
}

type Codec = (input: Buffer, limit: number) => Promise<Buffer>;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);
// zstd is in node:zlib from Node 22.15; on older Node it is reported as unsupported.
const zstdDecompress = (zlib as unknown as { zstdDecompress?: typeof zlib.gunzip }).zstdDecompress;
const zstd = zstdDecompress ? promisify(zstdDecompress) : undefined;

const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

const CODECS: Record<string, Codec | undefined> = {
  gzip: (input, limit) => gunzip(input, { ...flush, maxOutputLength: limit }),
  'x-gzip': (input, limit) => gunzip(input, { ...flush, maxOutputLength: limit }),
  // "deflate" should be zlib-wrapped, but servers send raw deflate too; try both.
  deflate: async (input, limit) => {
    try {
      return await inflate(input, { ...flush, maxOutputLength: limit });
    } catch (err) {
      if (isTooLarge(err)) throw err;
      return inflateRaw(input, { ...flush, maxOutputLength: limit });
    }
  },
  br: (input, limit) =>
    brotli(input, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, maxOutputLength: limit }),
  zstd: zstd && ((input, limit) => zstd(input, { maxOutputLength: limit })),
};

function isTooLarge(err: unknown): boolean {
  return err instanceof RangeError || (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

/** The codings applied to a body, in the order they were applied (from all Content-Encoding headers). */
export function contentEncodings(headers: HeaderPairs): string[] {
  const values = headers
    .filter(([name]) => name.toLowerCase() === 'content-encoding')
    .map(([, v]) => v);
  return values
    .join(',')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '' && t !== 'identity');
}

/** `data` with every content coding removed; throws UndecodableBodyError. */
export async function decodeBody(
  data: Uint8Array,
  headers: HeaderPairs,
  limit: number,
): Promise<Buffer> {
  const encodings = contentEncodings(headers);
  if (encodings.length > MAX_ENCODING_LAYERS) {
    throw new UndecodableBodyError(
      `too many content-encoding layers (${encodings.length}, at most ${MAX_ENCODING_LAYERS})`,
    );
  }
  let out = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (const encoding of encodings.reverse()) {
    const codec = CODECS[encoding];
    if (!codec) {
      const why =
        encoding === 'zstd'
          ? 'zstd is not supported by this Node.js version'
          : `unsupported content-encoding "${encoding.slice(0, 32)}"`;
      throw new UndecodableBodyError(why);
    }
    try {
      out = await codec(out, limit);
    } catch (err) {
      if (isTooLarge(err))
        throw new UndecodableBodyError(`decoded body exceeds the ${limit}-byte limit`);
      const code = (err as { code?: unknown }).code;
      throw new UndecodableBodyError(
        `cannot decode ${encoding}: ${typeof code === 'string' ? code : 'corrupt data'}`,
      );
    }
  }
  return out;
}
