/**
 * Shapes of the analyzer's REST and WebSocket API, shared by the analyzer (response schemas) and the
 * browser (which validates what it receives like any other boundary).
 */
import { Type, type Static } from 'typebox';
import { FlowSummary } from './flow-summary.js';

export const FLOW_PAGE_MAX = 1000;

/** GET /api/flows */
export const FlowPage = Type.Object(
  {
    flows: Type.Array(FlowSummary, { maxItems: FLOW_PAGE_MAX }),
    /** Opaque cursor for the next (older) page, null at the end. */
    next: Type.Union([Type.String({ maxLength: 512 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type FlowPage = Static<typeof FlowPage>;

/** A message on the /api/live WebSocket. */
export const LiveMessage = Type.Union([
  Type.Object({ type: Type.Literal('flow'), flow: FlowSummary }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('hello') }, { additionalProperties: false }),
]);
export type LiveMessage = Static<typeof LiveMessage>;

/** GET /api/me */
export const WhoAmI = Type.Object(
  { user: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]) },
  { additionalProperties: false },
);
export type WhoAmI = Static<typeof WhoAmI>;
