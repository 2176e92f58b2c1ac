/**
 * GET /api/live/ticket: a short-lived, single-use ticket that authorises one /api/live WebSocket.
 * Browsers do not reliably send Basic credentials on a WebSocket upgrade, so the page fetches a
 * ticket over authenticated HTTP and passes it as `?ticket=` on the upgrade.
 */
import { Type, type Static } from 'typebox';
import { createDecoder } from './decoder.js';

export const LiveTicket = Type.Object(
  { ticket: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);
export type LiveTicket = Static<typeof LiveTicket>;

export const liveTicketCodec = createDecoder(LiveTicket, 'live ticket');
