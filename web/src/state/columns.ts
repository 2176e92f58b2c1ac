/**
 * The traffic table's columns: ids, labels, default widths, which server sort key each one sorts by.
 * Rendering lives in the table component; this is the model the preferences and the table share.
 */
import type { FlowSortKey } from '@honeyproxy/protocol';

export const COLUMN_IDS = [
  'tls',
  'name',
  'method',
  'status',
  'host',
  'type',
  'sniffed',
  'size',
  'start',
  'duration',
  'sensor',
] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export interface ColumnDef {
  id: ColumnId;
  label: string;
  /** Header tooltip. */
  title: string;
  sortKey: FlowSortKey;
  width: number;
  minWidth: number;
  /** Right-aligned numbers. */
  numeric?: boolean;
  /** Takes the remaining width (at least its width). */
  flex?: boolean;
}

export const COLUMNS: Readonly<Record<ColumnId, ColumnDef>> = {
  tls: { id: 'tls', label: '', title: 'TLS', sortKey: 'tls', width: 28, minWidth: 24 },
  name: {
    id: 'name',
    label: 'Name',
    title: 'Type, file name and full URL',
    sortKey: 'url',
    width: 320,
    minWidth: 120,
    flex: true,
  },
  method: {
    id: 'method',
    label: 'Method',
    title: 'Method',
    sortKey: 'method',
    width: 78,
    minWidth: 48,
  },
  status: {
    id: 'status',
    label: 'Status',
    title: 'Status',
    sortKey: 'status',
    width: 70,
    minWidth: 48,
  },
  host: {
    id: 'host',
    label: 'Host',
    title: 'Host (hover: address connected to)',
    sortKey: 'host',
    width: 180,
    minWidth: 60,
  },
  type: {
    id: 'type',
    label: 'Type',
    title: 'Declared Content-Type',
    sortKey: 'type',
    width: 130,
    minWidth: 50,
  },
  sniffed: {
    id: 'sniffed',
    label: 'Sniffed',
    title: 'Type by magic bytes',
    sortKey: 'sniffed',
    width: 130,
    minWidth: 50,
  },
  size: {
    id: 'size',
    label: 'Size',
    title: 'Response body size',
    sortKey: 'size',
    width: 76,
    minWidth: 50,
    numeric: true,
  },
  start: {
    id: 'start',
    label: 'Time',
    title: 'Start time',
    sortKey: 'start',
    width: 116,
    minWidth: 60,
    numeric: true,
  },
  duration: {
    id: 'duration',
    label: 'Duration',
    title: 'Duration',
    sortKey: 'duration',
    width: 86,
    minWidth: 50,
    numeric: true,
  },
  sensor: {
    id: 'sensor',
    label: 'Sensor',
    title: 'Sensor',
    sortKey: 'sensor',
    width: 90,
    minWidth: 50,
  },
};

export interface ColumnPrefs {
  order: readonly ColumnId[];
  hidden: readonly ColumnId[];
  widths: Readonly<Partial<Record<ColumnId, number>>>;
}

export const DEFAULT_COLUMN_PREFS: ColumnPrefs = {
  order: COLUMN_IDS,
  hidden: ['sniffed', 'sensor'],
  widths: {},
};

export function isColumnId(value: unknown): value is ColumnId {
  return typeof value === 'string' && (COLUMN_IDS as readonly string[]).includes(value);
}

/** The visible columns in order, with their widths. */
export function visibleColumns(prefs: ColumnPrefs): { def: ColumnDef; width: number }[] {
  return prefs.order
    .filter((id) => !prefs.hidden.includes(id))
    .map((id) => {
      const def = COLUMNS[id];
      return { def, width: Math.max(def.minWidth, prefs.widths[id] ?? def.width) };
    });
}

/** CSS grid-template-columns for the visible columns. */
export function gridTemplate(prefs: ColumnPrefs): string {
  return visibleColumns(prefs)
    .map(({ def, width }) => (def.flex ? `minmax(${width}px, 1fr)` : `${width}px`))
    .join(' ');
}
