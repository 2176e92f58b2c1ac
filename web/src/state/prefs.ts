/**
 * An analyst's remembered preferences — columns (order, hidden, widths), split-pane sizes, follow —
 * in localStorage under the analyst's user name, so two people sharing a browser profile keep their
 * own. Everything read back is validated and falls back to defaults; storage errors (quota, private
 * mode) only mean the preference is not remembered.
 */
import {
  COLUMN_IDS,
  DEFAULT_COLUMN_PREFS,
  isColumnId,
  type ColumnId,
  type ColumnPrefs,
} from './columns.js';
import type { Layout } from './route.js';

export interface Prefs {
  columns: ColumnPrefs;
  /** Share of the main area the detail pane takes, per layout (0.15–0.85). */
  split: Readonly<Record<Layout, number>>;
  follow: boolean;
}

export const DEFAULT_PREFS: Prefs = {
  columns: DEFAULT_COLUMN_PREFS,
  split: { bottom: 0.45, right: 0.5 },
  follow: true,
};

const KEY_PREFIX = 'honeyproxy.prefs.';

export function clampSplit(value: number): number {
  return Math.min(0.85, Math.max(0.15, value));
}

function readColumns(value: unknown): ColumnPrefs {
  if (typeof value !== 'object' || value === null) return DEFAULT_COLUMN_PREFS;
  const v = value as Record<string, unknown>;
  const listed = Array.isArray(v['order']) ? v['order'].filter(isColumnId) : [];
  // Columns added in a later version join at the end.
  const order = [...new Set<ColumnId>([...listed, ...COLUMN_IDS])];
  const hidden = Array.isArray(v['hidden'])
    ? v['hidden'].filter(isColumnId).filter((id) => id !== 'name')
    : DEFAULT_COLUMN_PREFS.hidden;
  const widths: Partial<Record<ColumnId, number>> = {};
  if (typeof v['widths'] === 'object' && v['widths'] !== null) {
    for (const [id, w] of Object.entries(v['widths'] as Record<string, unknown>)) {
      if (isColumnId(id) && typeof w === 'number' && Number.isFinite(w))
        widths[id] = Math.min(2000, Math.max(16, Math.round(w)));
    }
  }
  return { order, hidden, widths };
}

/** Parses stored JSON (tolerant: anything odd becomes the default). */
export function readPrefs(text: string | null): Prefs {
  if (!text) return DEFAULT_PREFS;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return DEFAULT_PREFS;
  }
  if (typeof value !== 'object' || value === null) return DEFAULT_PREFS;
  const v = value as Record<string, unknown>;
  const split = (typeof v['split'] === 'object' && v['split'] !== null ? v['split'] : {}) as Record<
    string,
    unknown
  >;
  const size = (layout: Layout) => {
    const s = split[layout];
    return typeof s === 'number' && Number.isFinite(s)
      ? clampSplit(s)
      : DEFAULT_PREFS.split[layout];
  };
  return {
    columns: readColumns(v['columns']),
    split: { bottom: size('bottom'), right: size('right') },
    follow: typeof v['follow'] === 'boolean' ? v['follow'] : DEFAULT_PREFS.follow,
  };
}

export interface PrefsStorage {
  load(user: string): Prefs;
  save(user: string, prefs: Prefs): void;
}

export function createPrefsStorage(
  storage: Pick<Storage, 'getItem' | 'setItem'> | null,
): PrefsStorage {
  return {
    load(user) {
      try {
        return readPrefs(storage?.getItem(KEY_PREFIX + user) ?? null);
      } catch {
        return DEFAULT_PREFS;
      }
    },
    save(user, prefs) {
      try {
        storage?.setItem(KEY_PREFIX + user, JSON.stringify(prefs));
      } catch {
        // Not remembered this time (quota or storage disabled); the current page still has it.
      }
    },
  };
}
