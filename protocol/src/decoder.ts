/**
 * Validating decoders: the one way data from outside (NATS, HTTP, WebSocket, files) becomes a typed
 * value. Never cast; decode. Errors name the first offending field so a dead letter explains itself.
 * Two ways to check: 'compiled' (TypeBox JIT via `new Function`, fast, for Node) and 'interpreted'
 * (no code generation, for pages whose CSP forbids eval: the GUI calls `setValidationMode` at boot).
 */
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Check, Errors } from 'typebox/value';

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

/** 'compiled' generates code with `new Function`; 'interpreted' never evaluates code (strict CSP). */
export type ValidationMode = 'compiled' | 'interpreted';

let validationMode: ValidationMode = 'compiled';

/**
 * Chooses how decoders check values. Decoders build their checker on first use, so call this before
 * anything decodes (the browser does it first thing in main.ts). Even probing for eval support would
 * raise a CSP violation report in a strict page, hence an explicit switch rather than detection.
 */
export function setValidationMode(mode: ValidationMode): void {
  validationMode = mode;
}

interface Checker {
  check(data: unknown): boolean;
  firstError(data: unknown): { path: string; message: string } | undefined;
}

function createChecker(schema: TSchema, mode: ValidationMode): Checker {
  if (mode === 'compiled') {
    const validator = Compile(schema);
    return {
      check: (data) => validator.Check(data),
      firstError: (data) => {
        const [first] = validator.Errors(data);
        return first && { path: first.instancePath, message: first.message };
      },
    };
  }
  return {
    check: (data) => Check(schema, data),
    firstError: (data) => {
      const [first] = Errors(schema, data);
      return first && { path: first.instancePath, message: first.message };
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds a validating decoder for `schema`; `what` names the value in error messages. */
export function createDecoder<S extends TSchema>(schema: S, what: string): Decoder<Static<S>> {
  let checker: Checker | undefined;
  const get = (): Checker => (checker ??= createChecker(schema, validationMode));
  const check = (data: unknown): data is Static<S> => get().check(data);
  const decode = (data: unknown): Static<S> => {
    if (check(data)) return data;
    const first = get().firstError(data);
    const path = first?.path ?? '';
    throw new DecodeError(
      `invalid ${what} at ${path || '/'}: ${first?.message ?? 'unknown error'}`,
      path,
    );
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
