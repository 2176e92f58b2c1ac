/**
 * Errors raised by the API layer. Components show `message`; the status lets the state layer tell
 * "not found" or "cannot decode" from an outage.
 */

/** An API call answered with a non-2xx status, or could not be made at all (status 0). */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  readonly status: number;
  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** The analyzer could not remove the body's content-encoding (HTTP 422 on `?decoded=1`). */
export class BodyNotDecodableError extends ApiError {
  override readonly name = 'BodyNotDecodableError';
}
