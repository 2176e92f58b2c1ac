/**
 * Compiles a parsed filter expression (protocol's filter-expression.ts) to a SQL condition over the
 * flows table's typed columns. Every argument is a bound parameter; regexes use PostgreSQL's
 * case-insensitive `~*`, matching the browser predicate's `RegExp(…, 'i')` for the patterns analysts
 * write. `~mismatch` mirrors `typeMismatch` exactly (tested on one corpus).
 */
import { sql, type RawBuilder } from 'kysely';
import {
  NEUTRAL_DECLARED_TYPES,
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
    case 'flag':
      switch (node.flag) {
        case 'all':
          return sql<boolean>`TRUE`;
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
