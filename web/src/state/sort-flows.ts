/**
 * Client-side sorting of the loaded rows (the server keeps arrival order). Memoised on the rows
 * array and sort spec, so re-renders that change neither cost nothing. Missing values sort last.
 */
import type { FlowSummary } from '@honeyproxy/protocol';
import type { SortKey, SortSpec } from './route.js';

type Value = string | number | null;

const FIELD: Record<SortKey, (f: FlowSummary) => Value> = {
  method: (f) => f.method,
  host: (f) => f.host.toLowerCase(),
  path: (f) => f.path,
  status: (f) => f.status,
  type: (f) => f.contentType,
  size: (f) => f.size,
  start: (f) => f.start,
  duration: (f) => f.duration,
};

const collator = new Intl.Collator(undefined, { numeric: true });

function compare(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** Rows in the spec's order (a new array), or the same array when spec is null. */
export function sortFlows(
  rows: readonly FlowSummary[],
  spec: SortSpec | null,
): readonly FlowSummary[] {
  if (spec === null) return rows;
  const get = FIELD[spec.key];
  const sign = spec.dir === 'asc' ? 1 : -1;
  // Decorate once so the comparator does not re-read fields O(n log n) times; index keeps it stable.
  const decorated = rows.map((row, index) => ({ row, index, value: get(row) }));
  decorated.sort((x, y) => {
    if (x.value === null || y.value === null) {
      if (x.value === y.value) return x.index - y.index;
      return x.value === null ? 1 : -1;
    }
    return compare(x.value, y.value) * sign || x.index - y.index;
  });
  return decorated.map((d) => d.row);
}

/** sortFlows with a one-entry memo. */
export function createSortedRows(): (
  rows: readonly FlowSummary[],
  spec: SortSpec | null,
) => readonly FlowSummary[] {
  let lastRows: readonly FlowSummary[] | null = null;
  let lastSpec: SortSpec | null = null;
  let lastResult: readonly FlowSummary[] = [];
  return (rows, spec) => {
    if (rows === lastRows && spec?.key === lastSpec?.key && spec?.dir === lastSpec?.dir)
      return lastResult;
    lastRows = rows;
    lastSpec = spec;
    lastResult = sortFlows(rows, spec);
    return lastResult;
  };
}
