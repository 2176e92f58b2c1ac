/**
 * The flow list's sort orders: for each sortable column, the SQL expression the keyset compares
 * (identical to the index expression of migration 0002, or the index is not used), the cast a cursor
 * value gets, and how to read the value back from a row. Nulls are folded into a floor value so the
 * keyset is a plain row comparison `(key, id) > (v, id)` in both directions.
 */
import { sql, type RawBuilder } from 'kysely';
import { FLOW_SORT_KEYS, type FlowSortKey } from '@honeyproxy/protocol';

export interface SortKeySpec {
  /** The keyset expression, written exactly as in the index. */
  expression: RawBuilder<unknown>;
  /** A cursor value as a typed SQL parameter. */
  param(value: string | number | boolean): RawBuilder<unknown>;
  kind: 'number' | 'string' | 'boolean';
}

const num = (expression: string, cast: string): SortKeySpec => ({
  expression: sql.raw(expression),
  param: (v) => sql`${v}::${sql.raw(cast)}`,
  kind: 'number',
});
const str = (expression: string): SortKeySpec => ({
  expression: sql.raw(expression),
  param: (v) => sql`${v}::text`,
  kind: 'string',
});

export const SORT_KEYS: Record<FlowSortKey, SortKeySpec> = {
  start: num('started_at', 'double precision'),
  method: str('left(method, 64)'),
  url: str('left(url, 256)'),
  host: str('left(host, 256)'),
  status: num('coalesce(status, -1)', 'integer'),
  type: str("left(coalesce(content_type, ''), 128)"),
  sniffed: str("coalesce(sniffed_type, '')"),
  size: num('coalesce(response_size, -1)', 'bigint'),
  duration: num("coalesce(duration, '-1'::double precision)", 'double precision'),
  sensor: str('sensor_id'),
  tls: { expression: sql.raw('tls'), param: (v) => sql`${v}::boolean`, kind: 'boolean' },
};

export function isSortKey(value: string): value is FlowSortKey {
  return (FLOW_SORT_KEYS as readonly string[]).includes(value);
}
