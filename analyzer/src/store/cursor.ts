/**
 * The flow list's keyset cursor, as an opaque base64url string: which way to read ("a": rows after
 * the key in the sort order, "b": rows before it), the sort column, and the (key value, id) of the
 * row the page ends at. Clients only pass it back; a cursor that does not decode, or that belongs to
 * another sort column, is a client error, never a query.
 */
import { FlowId, createDecoder, type FlowSortKey } from '@honeyproxy/protocol';
import { isSortKey } from './sort-keys.js';

export interface FlowCursor {
  direction: 'after' | 'before';
  sort: FlowSortKey;
  value: string | number | boolean;
  id: string;
}

/** The `cursor` query parameter is not one this server made (for this sort). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

const flowIdCodec = createDecoder(FlowId, 'flow id');
const MAX_VALUE = 300;

export function encodeCursor(cursor: FlowCursor): string {
  const value = typeof cursor.value === 'string' ? cursor.value.slice(0, MAX_VALUE) : cursor.value;
  const dir = cursor.direction === 'after' ? 'a' : 'b';
  return Buffer.from(JSON.stringify([dir, cursor.sort, value, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): FlowCursor {
  const bad = () => new InvalidCursorError('malformed cursor');
  if (text.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw bad();
  const [dir, sort, value, id] = parsed as unknown[];
  if (dir !== 'a' && dir !== 'b') throw bad();
  if (typeof sort !== 'string' || !isSortKey(sort) || !flowIdCodec.check(id)) throw bad();
  const okValue =
    (typeof value === 'number' && Number.isFinite(value)) ||
    typeof value === 'boolean' ||
    (typeof value === 'string' && value.length <= MAX_VALUE);
  if (!okValue) throw bad();
  return { direction: dir === 'a' ? 'after' : 'before', sort, value, id };
}
