/**
 * Messages between the page and the live worker (`live-worker.ts`). The worker validates every
 * live message with the protocol decoder before it crosses over; the page never sees raw frames.
 */
import type { LiveMessage } from '@honeyproxy/protocol';

export type LiveWorkerCommand = { op: 'connect'; url: string } | { op: 'close'; code: number };

export type LiveWorkerEvent =
  | { op: 'open' }
  | { op: 'messages'; messages: LiveMessage[]; invalid: number }
  | { op: 'close'; code: number };
