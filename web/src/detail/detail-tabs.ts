/**
 * The detail pane's tabs: ids (as they appear in the URL), labels, and the default for a flow.
 * The shell validates the URL's tab segment with parseDetailTab; old links from before the tab
 * redesign (request/response/connection) still open the closest tab.
 */
import type { FlowRecord } from '@honeyproxy/protocol';

export const DETAIL_TABS = ['headers', 'details', 'payload', 'preview', 'raw'] as const;
export type DetailTabId = (typeof DETAIL_TABS)[number];

export const DETAIL_TAB_LABELS: Record<DetailTabId, string> = {
  headers: 'Headers',
  details: 'Details',
  payload: 'Payload',
  preview: 'Preview',
  raw: 'Raw',
};

const LEGACY: Record<string, DetailTabId> = {
  request: 'headers',
  response: 'preview',
  connection: 'details',
};

export function parseDetailTab(value: string | null | undefined): DetailTabId | null {
  if (value === null || value === undefined) return null;
  return (DETAIL_TABS as readonly string[]).includes(value)
    ? (value as DetailTabId)
    : (LEGACY[value] ?? null);
}

/** The tab a flow opens on when the URL names none: its response body's preview, else headers. */
export function defaultTab(flow: FlowRecord): DetailTabId {
  return flow.response?.body && flow.response.body.len > 0 ? 'preview' : 'headers';
}
