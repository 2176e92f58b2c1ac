/**
 * Compiles a parsed filter expression (protocol's filter-expression.ts) to a SQL condition over the
 * flows table's typed columns. Every argument is a bound parameter; regexes use PostgreSQL's
 * case-insensitive `~*`, matching the browser predicate's `RegExp(…, 'i')` for the patterns analysts
 * write. `~mismatch` mirrors `typeMismatch` exactly (tested on one corpus).
 *
 * Header and body operators have no browser predicate, so this is their only definition:
 * - `~h ~hq ~hs`: any "name: value" line of that side's headers (name lower-cased, as mitmproxy
 *   prints them), each line matched on its own, so `^`/`$` anchor at a line as with mitmproxy's
 *   MULTILINE; the headers come from the record (jsonb), scanned per flow, no index.
 * - `~tq ~ts`: every Content-Type header value of that side, parameters included.
 * - `~b ~bq ~bs`: the body bytes as captured and stored (still content-encoded: a gzip body is
 *   searched compressed), as `encode(data, 'escape')` text — printable ASCII as itself, NUL and bytes
 *   >= 0x80 as `\ooo` octal escapes, backslashes doubled. Scanned, bounded by the list query's
 *   statement_timeout (flow-store.ts).
 * - `~sha256`: either body's sha256, an index lookup on each side.
 */
import { sql, type RawBuilder } from 'kysely';
import {
  ASSET_TYPE_PATTERN,
  NEUTRAL_DECLARED_TYPES,
  type MessageSide,
  type FilterNode,
  type NumberField,
  type RegexField,
} from '@honeyproxy/protocol';

const REGEX_COLUMN: Record<RegexField, string> = {
  url: 'url',
  host: 'host',
  path: 'path',
  method: 'method',
  contentType: 'content_type',
  sniffedType: 'sniffed_type',
  sensorId: 'sensor_id',
  clientIp: 'client_ip',
  serverIp: 'server_ip',
};

const NUMBER_COLUMN: Record<NumberField, string> = {
  status: 'status',
  size: 'response_size',
  duration: 'duration',
};

const MISMATCH = sql`(sniffed_type IS NOT NULL AND content_type IS NOT NULL
  AND sniffed_type NOT LIKE 'text/%' AND sniffed_type <> 'application/json'
  AND lower(content_type) <> sniffed_type
  AND lower(content_type) <> ALL(${[...NEUTRAL_DECLARED_TYPES]}::text[]))`;

const SIDES = ['request', 'response'] as const;
type Side = (typeof SIDES)[number];

const sidesOf = (side: MessageSide): readonly Side[] => (side === 'any' ? SIDES : [side]);

/** OR over one condition per side (`~h` = `~hq | ~hs`). */
function eitherSide(side: MessageSide, one: (s: Side) => RawBuilder<boolean>): RawBuilder<boolean> {
  const parts = sidesOf(side).map(one);
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}

/** The side's header pairs ([name, value] arrays) in the stored record; absent → no rows. */
const headersOf = (side: Side) => sql`coalesce(record -> ${side} -> 'headers', '[]'::jsonb)`;

function headerMatch(side: Side, pattern: string): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM jsonb_array_elements(${headersOf(side)}) AS hp(pair)
    WHERE lower(hp.pair ->> 0) || ': ' || (hp.pair ->> 1) ~* ${pattern})`;
}

function contentTypeMatch(side: Side, pattern: string): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM jsonb_array_elements(${headersOf(side)}) AS hp(pair)
    WHERE lower(hp.pair ->> 0) = 'content-type' AND (hp.pair ->> 1) ~* ${pattern})`;
}

const BODY_COLUMN: Record<Side, string> = {
  request: 'request_body_sha256',
  response: 'response_body_sha256',
};

function bodyMatch(side: Side, pattern: string): RawBuilder<boolean> {
  const column = sql.ref(`flows.${BODY_COLUMN[side]}`);
  return sql<boolean>`(${column} IS NOT NULL AND EXISTS (SELECT 1 FROM bodies AS b
    WHERE b.sha256 = ${column} AND encode(b.data, 'escape') ~* ${pattern}))`;
}

export function filterToSql(node: FilterNode): RawBuilder<boolean> {
  switch (node.kind) {
    case 'and':
      return sql<boolean>`(${filterToSql(node.left)} AND ${filterToSql(node.right)})`;
    case 'or':
      return sql<boolean>`(${filterToSql(node.left)} OR ${filterToSql(node.right)})`;
    case 'not':
      // Conditions are never NULL (columns are null-checked below), so NOT is the complement.
      return sql<boolean>`(NOT ${filterToSql(node.expr)})`;
    case 'regex': {
      const column = sql.ref(REGEX_COLUMN[node.field]);
      return sql<boolean>`(${column} IS NOT NULL AND ${column} ~* ${node.pattern})`;
    }
    case 'number': {
      const column = sql.ref(NUMBER_COLUMN[node.field]);
      // Compared as double precision: `~c 200.5` is simply false, never a cast error.
      return sql<boolean>`(${column} IS NOT NULL AND ${column}::double precision ${sql.raw(node.cmp)} ${node.value}::double precision)`;
    }
    case 'header':
      return eitherSide(node.side, (side) => headerMatch(side, node.pattern));
    case 'contentType':
      return contentTypeMatch(node.side, node.pattern);
    case 'body':
      return eitherSide(node.side, (side) => bodyMatch(side, node.pattern));
    case 'sha256':
      // IS NOT NULL keeps the condition two-valued (for NOT) and lets the partial indexes serve it.
      return sql<boolean>`((request_body_sha256 IS NOT NULL AND request_body_sha256 = ${node.hash})
        OR (response_body_sha256 IS NOT NULL AND response_body_sha256 = ${node.hash}))`;
    case 'flag':
      switch (node.flag) {
        case 'all':
          return sql<boolean>`TRUE`;
        case 'asset':
          return sql<boolean>`(content_type IS NOT NULL AND content_type ~* ${ASSET_TYPE_PATTERN})`;
        case 'error':
          return sql<boolean>`(error_kind IS NOT NULL)`;
        case 'response':
          return sql<boolean>`(status IS NOT NULL)`;
        case 'noResponse':
          return sql<boolean>`(status IS NULL)`;
        case 'tls':
          return sql<boolean>`tls`;
        case 'mismatch':
          return sql<boolean>`${MISMATCH}`;
      }
  }
}
