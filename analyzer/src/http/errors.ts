/**
 * One error shape for the whole API: `{ error, message }` with a stable machine code. Client errors
 * say what was wrong; a 5xx says only that something failed (details go to the log, never to the
 * client, which may be looking at hostile data or be hostile itself).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';

export const ApiErrorBody = Type.Object(
  { error: Type.String(), message: Type.String() },
  { additionalProperties: false },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** An error with an HTTP status and a message fit for the client. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, message: string, code?: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code ?? CODES[statusCode] ?? 'error';
  }
}

/** Installs the error handler on the root instance. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { retryAfter?: number }, req, reply) => {
    const status =
      typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600
        ? err.statusCode
        : 500;
    if (status >= 500 && err instanceof HttpError) {
      // Raised on purpose with a message written for the client (e.g. a filter past its timeout).
      req.log.warn({ err }, 'request refused');
      return reply
        .code(status)
        .type('application/json; charset=utf-8')
        .send({ error: err.code, message: err.message } satisfies ApiErrorBody);
    }
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      const body: ApiErrorBody =
        status === 503
          ? { error: 'unavailable', message: 'service temporarily unavailable' }
          : { error: 'internal', message: 'internal server error' };
      return reply.code(status).type('application/json; charset=utf-8').send(body);
    }
    if (status === 429 && typeof err.retryAfter === 'number')
      reply.header('retry-after', String(err.retryAfter));
    const code =
      err instanceof HttpError
        ? err.code
        : err.validation
          ? 'bad_request'
          : (CODES[status] ?? 'error');
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send({ error: code, message: err.message } satisfies ApiErrorBody);
  });
}

/** The JSON 404 for API paths and non-GUI requests. */
export const NOT_FOUND_BODY: ApiErrorBody = { error: 'not_found', message: 'no such resource' };
