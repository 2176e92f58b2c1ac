/**
 * The API's paths, built only from validated flow ids and literals: a captured value never becomes a
 * URL here. Components may use these for download links (they never fetch).
 */
import { createDecoder, FlowId, type FlowSortKey } from '@honeyproxy/protocol';

export type BodySide = 'request' | 'response';
export type RelatedKind = 'earlier-content' | 'redirect-target';

export const CA_CERT_PATH = '/api/ca.pem';
export const ME_PATH = '/api/me';
export const SENSORS_PATH = '/api/sensors';
export const LIVE_TICKET_PATH = '/api/live/ticket';
export const LIVE_PATH = '/api/live';

const flowIdCodec = createDecoder(FlowId, 'flow id');

/** True for a well-formed flow id (the protocol's UUID pattern). */
export function isFlowId(value: string): boolean {
  return flowIdCodec.check(value);
}

export interface FlowListQuery {
  limit: number;
  sort: FlowSortKey;
  dir: 'asc' | 'desc';
  /** Filter expression ('' = none). */
  q: string;
  /** Rows after / before this flow in the sort order; absent: from the start. */
  after?: string;
  before?: string;
  /** Only these flows (at most 100): which live flows match a filter only the server answers. */
  ids?: readonly string[];
}

/** GET /api/flows?limit=&sort=&dir=&q=&after=|before= */
export function flowsPath(query: FlowListQuery): string {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.sort !== 'start' || query.dir !== 'desc') {
    params.set('sort', query.sort);
    params.set('dir', query.dir);
  }
  if (query.q) params.set('q', query.q);
  if (query.after !== undefined) params.set('after', flowIdCodec.decode(query.after));
  if (query.before !== undefined) params.set('before', flowIdCodec.decode(query.before));
  if (query.ids !== undefined)
    params.set('ids', query.ids.map((id) => flowIdCodec.decode(id)).join(','));
  return `/api/flows?${params.toString()}`;
}

/** GET /api/flows/:id — throws on a malformed id rather than building a surprising path. */
export function flowPath(id: string): string {
  return `/api/flows/${flowIdCodec.decode(id)}`;
}

/** GET /api/flows/:id/related?kind= */
export function relatedPath(id: string, kind: RelatedKind): string {
  return `${flowPath(id)}/related?kind=${kind}`;
}

/** Raw (`decoded` false) or content-decoded body of one side of a flow. */
export function bodyPath(id: string, side: BodySide, decoded: boolean): string {
  return `${flowPath(id)}/${side}/body${decoded ? '?decoded=1' : ''}`;
}

/**
 * The body as an inert HTML document for the preview frame (served under a sandbox CSP header),
 * decoded as text in `charset` — the encoding the GUI detected, a TextDecoder name.
 */
export function previewPath(id: string, side: BodySide, charset: string): string {
  return `${flowPath(id)}/${side}/preview?${new URLSearchParams({ charset }).toString()}`;
}
