/**
 * Telling a bad row from a bad database. PostgreSQL reports data problems with SQLSTATE classes 22
 * (data exception), 23 (constraint) and 54 (limit exceeded): retrying the same rows cannot help, so
 * ingest isolates the offending flow. Everything else (no code, connection loss, shutdown) is
 * treated as transient: the batch is retried later and nothing is lost.
 */

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when the error is about the data sent, not about reaching or running the database. */
export function isDataError(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && ['22', '23', '54'].includes(code.slice(0, 2));
}

/** PostgreSQL refused a regular expression (SQLSTATE 2201B), e.g. from a filter. */
export function isInvalidRegex(err: unknown): boolean {
  return sqlState(err) === '2201B';
}
