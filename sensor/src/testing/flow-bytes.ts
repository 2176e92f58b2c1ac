/** Test helpers to read what a captured flow holds. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isInline, type Body } from '@honeyproxy/protocol';
import type { CapturedFlow } from '../flow-sink.js';

/** The captured bytes of a body (inline, or out of line in the flow's map). */
export function bytesOf(c: CapturedFlow, body: Body | undefined): Buffer {
  assert.ok(body, 'body present');
  if (isInline(body)) return Buffer.from(body.inline, 'base64');
  const bytes = c.bodies.get(body.sha256);
  assert.ok(bytes, 'out-of-line bytes handed to the sink');
  return Buffer.from(bytes);
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Matches the flow of one URL. */
export const byUrl = (url: string) => (c: CapturedFlow) => c.flow.request.url === url;
