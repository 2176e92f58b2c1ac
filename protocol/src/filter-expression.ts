/**
 * The flow filter language: a subset of mitmproxy's `~` expressions over the fields of a flow summary,
 * so the same expression can run as SQL over indexed columns (analyzer) and as a predicate over rows
 * already in the browser (highlighting, live flows). One parser, two back ends; this file holds the
 * parser, filter-predicate.ts the predicate, analyzer/src/store/filter-sql.ts the SQL.
 *
 *   expr   := or
 *   or     := and ('|' and)*
 *   and    := unary ('&'? unary)*          juxtaposition is AND, as in mitmproxy
 *   unary  := '!' unary | '(' or ')' | '~' op [arg] | word      a bare word is ~u word
 *
 * Regex arguments are case-insensitive; numbers take comparisons (`~size >10k`, `~dur >=500`,
 * `~c 4xx`). Analysts write these, but they are still bounded (length, depth, node count).
 *
 * Header and body operators (`~h ~hq ~hs ~b ~bq ~bs ~tq ~ts ~sha256`) look at what a summary does not
 * carry, so only the SQL answers them: `compileFilter` refuses them (FilterNeedsServerError) rather
 * than guess, and `needsServer` tells a caller to ask the API instead (see docs/decisions.md).
 */
import type { FlowSummary } from './flow-summary.js';

export const FILTER_MAX_LENGTH = 2000;
const MAX_DEPTH = 32;
const MAX_NODES = 200;

/** Regex over a text field. */
export const REGEX_FIELDS = {
  u: 'url',
  d: 'host',
  path: 'path',
  m: 'method',
  t: 'contentType',
  mime: 'sniffedType',
  sensor: 'sensorId',
  src: 'clientIp',
  dst: 'serverIp',
} as const satisfies Record<string, keyof FlowSummary>;
export type RegexField = (typeof REGEX_FIELDS)[keyof typeof REGEX_FIELDS];

/** Numeric comparisons. */
export const NUMBER_FIELDS = { c: 'status', size: 'size', dur: 'duration' } as const;
export type NumberField = (typeof NUMBER_FIELDS)[keyof typeof NUMBER_FIELDS];

export const FLAGS = {
  all: 'all',
  a: 'asset',
  e: 'error',
  s: 'response',
  q: 'noResponse',
  tls: 'tls',
  mismatch: 'mismatch',
} as const;
export type FilterFlag = (typeof FLAGS)[keyof typeof FLAGS];

export type Comparison = '=' | '<' | '<=' | '>' | '>=';

/** Which message an operator looks at: `~hq` request, `~hs` response, `~h` either. */
export type MessageSide = 'request' | 'response' | 'any';

/** Header regexes (matched against each "name: value" line, name lower-cased, as mitmproxy does). */
export const HEADER_OPS = { h: 'any', hq: 'request', hs: 'response' } as const;
/** Body regexes (over the captured bytes, see docs/decisions.md "Filter language"). */
export const BODY_OPS = { b: 'any', bq: 'request', bs: 'response' } as const;
/** Regexes over the full Content-Type header value(s) of one side (parameters included). */
export const CONTENT_TYPE_OPS = { tq: 'request', ts: 'response' } as const;

/**
 * `~a`: the response is an asset by its declared type — mitmproxy's list (scripts, styles, images,
 * fonts), searched unanchored and case-insensitively like every regex here.
 */
export const ASSET_TYPE_PATTERN =
  'text/javascript|application/x-javascript|application/javascript|text/css|image/|font/|application/font';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'regex'; field: RegexField; pattern: string }
  | { kind: 'number'; field: NumberField; cmp: Comparison; value: number }
  | { kind: 'flag'; flag: FilterFlag }
  | { kind: 'header'; side: MessageSide; pattern: string }
  | { kind: 'body'; side: MessageSide; pattern: string }
  | { kind: 'contentType'; side: 'request' | 'response'; pattern: string }
  | { kind: 'sha256'; hash: string };

/** The expression is not valid; `position` is the character offset of the problem. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}

type Token =
  | { t: '(' | ')' | '!' | '&' | '|'; pos: number }
  | { t: 'op'; value: string; pos: number }
  | { t: 'word'; value: string; pos: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '!' || c === '&' || c === '|') {
      tokens.push({ t: c, pos: i });
      i++;
    } else if (c === '~') {
      const m = /^~(sha256|[a-z]+)/.exec(text.slice(i));
      if (!m?.[1]) throw new FilterSyntaxError('"~" must be followed by an operator name', i);
      tokens.push({ t: 'op', value: m[1], pos: i });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          // Keep escapes other than the quote itself: they belong to the regex.
          value += text[j + 1] === c ? c : `\\${text[j + 1] ?? ''}`;
          j++;
        } else value += text[j] ?? '';
      }
      if (j >= text.length) throw new FilterSyntaxError('unterminated quoted string', i);
      tokens.push({ t: 'word', value, pos: i });
      i = j + 1;
    } else {
      const m = /^[^\s()~!&|"']+/.exec(text.slice(i));
      const value = m?.[0] ?? c;
      tokens.push({ t: 'word', value, pos: i });
      i += value.length;
    }
  }
  return tokens;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000 };

function parseNumber(field: NumberField, word: string, pos: number): FilterNode {
  if (field === 'status') {
    const klass = /^([1-5])xx$/i.exec(word);
    if (klass?.[1]) {
      const low = Number(klass[1]) * 100;
      return {
        kind: 'and',
        left: { kind: 'number', field, cmp: '>=', value: low },
        right: { kind: 'number', field, cmp: '<', value: low + 100 },
      };
    }
  }
  const m = /^(<=|>=|<|>|=)?(\d+(?:\.\d+)?)([a-z]*)$/i.exec(word);
  const units = field === 'size' ? SIZE_UNITS : field === 'duration' ? TIME_UNITS : { '': 1 };
  const unit = units[(m?.[3] ?? '').toLowerCase()];
  if (!m?.[2] || unit === undefined)
    throw new FilterSyntaxError(
      `"${word}" is not a number${field === 'status' ? ' or 4xx' : ''}`,
      pos,
    );
  return {
    kind: 'number',
    field,
    cmp: (m[1] ?? '=') as Comparison,
    value: Number(m[2]) * unit,
  };
}

function checkRegex(pattern: string, pos: number): void {
  try {
    new RegExp(pattern, 'i');
  } catch {
    throw new FilterSyntaxError(`"${pattern}" is not a valid regular expression`, pos);
  }
}

/** Parses an expression; an empty (blank) expression is null, meaning "everything". */
export function parseFilter(text: string): FilterNode | null {
  if (text.length > FILTER_MAX_LENGTH)
    throw new FilterSyntaxError(`longer than ${FILTER_MAX_LENGTH} characters`, FILTER_MAX_LENGTH);
  const tokens = tokenize(text);
  if (tokens.length === 0) return null;
  let index = 0;
  let nodes = 0;
  const peek = () => tokens[index];
  const count = (node: FilterNode): FilterNode => {
    if (++nodes > MAX_NODES) throw new FilterSyntaxError('expression too large', text.length);
    return node;
  };

  function or(depth: number): FilterNode {
    let left = and(depth);
    while (peek()?.t === '|') {
      index++;
      left = count({ kind: 'or', left, right: and(depth) });
    }
    return left;
  }
  function and(depth: number): FilterNode {
    let left = unary(depth);
    for (;;) {
      const next = peek();
      if (next === undefined || next.t === ')' || next.t === '|') return left;
      if (next.t === '&') index++;
      left = count({ kind: 'and', left, right: unary(depth) });
    }
  }
  function unary(depth: number): FilterNode {
    if (depth > MAX_DEPTH) throw new FilterSyntaxError('nested too deeply', peek()?.pos ?? 0);
    const tok = tokens[index++];
    if (tok === undefined) throw new FilterSyntaxError('expression ends too early', text.length);
    switch (tok.t) {
      case '!':
        return count({ kind: 'not', expr: unary(depth + 1) });
      case '(': {
        const inner = or(depth + 1);
        if (tokens[index++]?.t !== ')') throw new FilterSyntaxError('missing ")"', tok.pos);
        return inner;
      }
      case 'word':
        checkRegex(tok.value, tok.pos);
        return count({ kind: 'regex', field: 'url', pattern: tok.value });
      case 'op':
        return operator(tok.value, tok.pos);
      case ')':
      case '&':
      case '|':
        throw new FilterSyntaxError(`unexpected "${tok.t}"`, tok.pos);
    }
  }
  function argument(op: string, pos: number): { value: string; pos: number } {
    const tok = tokens[index];
    if (tok?.t !== 'word') throw new FilterSyntaxError(`~${op} needs an argument`, pos);
    index++;
    return tok;
  }
  function operator(op: string, pos: number): FilterNode {
    if (op in REGEX_FIELDS) {
      const arg = argument(op, pos);
      checkRegex(arg.value, arg.pos);
      return count({
        kind: 'regex',
        field: REGEX_FIELDS[op as keyof typeof REGEX_FIELDS],
        pattern: arg.value,
      });
    }
    if (op in NUMBER_FIELDS) {
      const arg = argument(op, pos);
      return count(
        parseNumber(NUMBER_FIELDS[op as keyof typeof NUMBER_FIELDS], arg.value, arg.pos),
      );
    }
    if (op in FLAGS) return count({ kind: 'flag', flag: FLAGS[op as keyof typeof FLAGS] });
    if (op in HEADER_OPS || op in BODY_OPS || op in CONTENT_TYPE_OPS) {
      const arg = argument(op, pos);
      checkRegex(arg.value, arg.pos);
      if (op in HEADER_OPS)
        return count({
          kind: 'header',
          side: HEADER_OPS[op as keyof typeof HEADER_OPS],
          pattern: arg.value,
        });
      if (op in BODY_OPS)
        return count({
          kind: 'body',
          side: BODY_OPS[op as keyof typeof BODY_OPS],
          pattern: arg.value,
        });
      return count({
        kind: 'contentType',
        side: CONTENT_TYPE_OPS[op as keyof typeof CONTENT_TYPE_OPS],
        pattern: arg.value,
      });
    }
    if (op === 'sha256') {
      const arg = argument(op, pos);
      if (!/^[0-9a-f]{64}$/i.test(arg.value))
        throw new FilterSyntaxError('~sha256 needs 64 hex digits', arg.pos);
      return count({ kind: 'sha256', hash: arg.value.toLowerCase() });
    }
    throw new FilterSyntaxError(`unknown operator ~${op}`, pos);
  }

  const tree = or(0);
  const rest = tokens[index];
  if (rest !== undefined)
    throw new FilterSyntaxError(
      `unexpected "${rest.t === 'word' || rest.t === 'op' ? rest.value : rest.t}"`,
      rest.pos,
    );
  return tree;
}

/** Quotes a literal for use as an exact-match regex argument (`~d`, `~u` …). */
export function quoteLiteral(text: string): string {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/"/g, '\\"');
  return `"^${escaped}$"`;
}
