/**
 * The filter language's browser back end: a parsed expression (filter-expression.ts) as a predicate
 * over flow summaries, for highlighting and live rows. It must give the SQL's answers
 * (analyzer/src/store/filter-sql.ts) for the same rows — one test corpus runs both — so operators a
 * summary cannot answer (headers, bodies, hashes) are refused here, never guessed.
 */
import type { FlowSummary } from './flow-summary.js';
import { ASSET_TYPE_PATTERN, type Comparison, type FilterNode } from './filter-expression.js';

/** The expression uses an operator only the server can answer (headers, bodies, hashes). */
export class FilterNeedsServerError extends Error {
  override readonly name = 'FilterNeedsServerError';
}

/** Declared types that claim nothing specific, so no sniffed type contradicts them. */
export const NEUTRAL_DECLARED_TYPES = ['application/octet-stream', 'binary/octet-stream'] as const;

/**
 * Declared Content-Type vs sniffed type: a mismatch when the bytes are a recognised non-text format
 * other than the declared one. Text sniffs are guesses and never count. Mirrored in filter-sql.ts.
 */
export function typeMismatch(declared: string | null, sniffed: string | null): boolean {
  if (declared === null || sniffed === null) return false;
  if (sniffed.startsWith('text/') || sniffed === 'application/json') return false;
  const d = declared.toLowerCase();
  return d !== sniffed && !(NEUTRAL_DECLARED_TYPES as readonly string[]).includes(d);
}

function compare(a: number, cmp: Comparison, b: number): boolean {
  switch (cmp) {
    case '=':
      return a === b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** True when the expression has an operator a summary cannot answer (only the API's SQL can). */
export function needsServer(node: FilterNode | null): boolean {
  if (node === null) return false;
  switch (node.kind) {
    case 'and':
    case 'or':
      return needsServer(node.left) || needsServer(node.right);
    case 'not':
      return needsServer(node.expr);
    case 'header':
    case 'body':
    case 'contentType':
    case 'sha256':
      return true;
    case 'regex':
    case 'number':
    case 'flag':
      return false;
  }
}

const ASSET_TYPE = new RegExp(ASSET_TYPE_PATTERN, 'i');

/**
 * The expression as a predicate over summaries (same results as the SQL for the same rows). Throws
 * FilterNeedsServerError for header/body/hash operators: check `needsServer` first.
 */
export function compileFilter(node: FilterNode | null): (flow: FlowSummary) => boolean {
  if (node === null) return () => true;
  switch (node.kind) {
    case 'header':
    case 'body':
    case 'contentType':
    case 'sha256':
      throw new FilterNeedsServerError(
        'header, body and hash operators are answered by the server only',
      );
    case 'and': {
      const [l, r] = [compileFilter(node.left), compileFilter(node.right)];
      return (f) => l(f) && r(f);
    }
    case 'or': {
      const [l, r] = [compileFilter(node.left), compileFilter(node.right)];
      return (f) => l(f) || r(f);
    }
    case 'not': {
      const inner = compileFilter(node.expr);
      return (f) => !inner(f);
    }
    case 'regex': {
      const re = new RegExp(node.pattern, 'i');
      const field = node.field;
      return (f) => {
        const value = f[field];
        return value !== null && re.test(value);
      };
    }
    case 'number': {
      const { field, cmp, value } = node;
      return (f) => {
        const v = f[field];
        return v !== null && compare(v, cmp, value);
      };
    }
    case 'flag':
      switch (node.flag) {
        case 'all':
          return () => true;
        case 'asset':
          return (f) => f.contentType !== null && ASSET_TYPE.test(f.contentType);
        case 'error':
          return (f) => f.error !== null;
        case 'response':
          return (f) => f.status !== null;
        case 'noResponse':
          return (f) => f.status === null;
        case 'tls':
          return (f) => f.tls;
        case 'mismatch':
          return (f) => typeMismatch(f.contentType, f.sniffedType);
      }
  }
}
