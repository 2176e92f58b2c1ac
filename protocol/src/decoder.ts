/**
 * Validating decoders: the one way data from outside (NATS, HTTP, WebSocket, files) becomes a typed
 * value. Never cast; decode. Errors name the first offending field so a dead letter explains itself.
 */
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/** Thrown when data from outside does not match its schema. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** JSON pointer of the first offending field ('' for the root). */
  readonly path: string;
  constructor(message: string, path = '', options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

export interface Decoder<T> {
  /** True when `data` matches (narrows the type). */
  check(data: unknown): data is T;
  /** Returns `data` typed, or throws DecodeError naming the first bad field. */
  decode(data: unknown): T;
  /** Parses UTF-8 JSON bytes or text, then decodes. */
  decodeJson(payload: Uint8Array | string): T;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds a compiled validator for `schema`; `what` names the value in error messages. */
export function createDecoder<S extends TSchema>(schema: S, what: string): Decoder<Static<S>> {
  const validator = Compile(schema);
  const check = (data: unknown): data is Static<S> => validator.Check(data);
  const decode = (data: unknown): Static<S> => {
    if (check(data)) return data;
    const [first] = validator.Errors(data);
    const path = first?.instancePath ?? '';
    throw new DecodeError(`invalid ${what} at ${path || '/'}: ${first?.message ?? 'unknown error'}`, path);
  };
  return {
    check,
    decode,
    decodeJson(payload) {
      let data: unknown;
      try {
        data = JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload));
      } catch (cause) {
        throw new DecodeError(`${what} is not valid UTF-8 JSON`, '', { cause });
      }
      return decode(data);
    },
  };
}
