/**
 * The API's paths, built only from validated flow ids and literals: a captured value never becomes a
 * URL here. Components may use these for download links (they never fetch).
 */
import { createDecoder, FlowId } from '@honeyproxy/protocol';

export type BodySide = 'request' | 'response';

export const CA_CERT_PATH = '/api/ca.pem';
export const ME_PATH = '/api/me';
export const LIVE_TICKET_PATH = '/api/live/ticket';
export const LIVE_PATH = '/api/live';

const flowIdCodec = createDecoder(FlowId, 'flow id');

/** True for a well-formed flow id (the protocol's UUID pattern). */
export function isFlowId(value: string): boolean {
  return flowIdCodec.check(value);
}

/** GET /api/flows?limit=&cursor= */
export function flowsPath(limit: number, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor !== null) query.set('cursor', cursor);
  return `/api/flows?${query.toString()}`;
}

/** GET /api/flows/:id — throws on a malformed id rather than building a surprising path. */
export function flowPath(id: string): string {
  return `/api/flows/${flowIdCodec.decode(id)}`;
}

/** Raw (`decoded` false) or content-decoded body of one side of a flow. */
export function bodyPath(id: string, side: BodySide, decoded: boolean): string {
  return `${flowPath(id)}/${side}/body${decoded ? '?decoded=1' : ''}`;
}
