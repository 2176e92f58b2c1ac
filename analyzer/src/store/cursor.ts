/**
 * The flow list's keyset cursor: the (start, id) of the last row of a page, as an opaque base64url
 * string. Clients only pass it back; a cursor that does not decode is a client error, never a query.
 */
import { FlowId, createDecoder } from '@honeyproxy/protocol';

export interface FlowCursor {
  start: number;
  id: string;
}

/** The `cursor` query parameter is not one this server made. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

const flowIdCodec = createDecoder(FlowId, 'flow id');

export function encodeCursor(cursor: FlowCursor): string {
  return Buffer.from(JSON.stringify([cursor.start, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): FlowCursor {
  if (text.length > 256 || !/^[A-Za-z0-9_-]+$/.test(text))
    throw new InvalidCursorError('malformed cursor');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('malformed cursor');
  }
  if (!Array.isArray(value) || value.length !== 2) throw new InvalidCursorError('malformed cursor');
  const [start, id] = value as unknown[];
  if (typeof start !== 'number' || !Number.isFinite(start) || !flowIdCodec.check(id)) {
    throw new InvalidCursorError('malformed cursor');
  }
  return { start, id };
}
