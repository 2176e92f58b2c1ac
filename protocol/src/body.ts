/**
 * How a captured body is described on the wire. Bytes are the raw bytes as they crossed the wire
 * (content-encoding not removed). Small bodies travel inline; larger ones are stored first in the
 * JetStream object store BODIES under their sha256, so a payload seen a thousand times is kept once.
 */
import { Type, type Static } from 'typebox';
import { INLINE_BODY_MAX, LIMITS } from './limits.js';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

const BodyFields = {
  /** Real length of the body on the wire, even when truncated. */
  len: Type.Integer({ minimum: 0 }),
  /** Number of bytes kept (= len unless truncated). */
  capturedLen: Type.Integer({ minimum: 0 }),
  /** sha256 (hex) of the kept bytes. */
  sha256: Sha256,
  /** True when the body was longer than the sensor's --max-body and was cut. */
  truncated: Type.Boolean(),
};

export const InlineBody = Type.Object(
  { ...BodyFields, inline: Type.String({ maxLength: LIMITS.inlineLen }) },
  { additionalProperties: false },
);
export type InlineBody = Static<typeof InlineBody>;

export const RefBody = Type.Object(
  { ...BodyFields, ref: Type.String({ pattern: '^BODIES/[0-9a-f]{64}$' }) },
  { additionalProperties: false },
);
export type RefBody = Static<typeof RefBody>;

/** A body on the wire: null when there was none (no bytes at all). */
export const Body = Type.Union([Type.Null(), InlineBody, RefBody]);
export type Body = Static<typeof Body>;

/** A body as the API describes it: metadata only, the bytes are fetched separately. */
export const BodyMeta = Type.Union([
  Type.Null(),
  Type.Object(
    {
      ...BodyFields,
      /** Media type of the captured bytes by magic numbers (sniff-type.ts), set by the analyzer. */
      sniffedType: Type.Optional(Type.String({ maxLength: 128 })),
    },
    { additionalProperties: false },
  ),
]);
export type BodyMeta = Static<typeof BodyMeta>;

/** Object-store name of a body kept out of line. */
export function bodyRef(sha256: string): `BODIES/${string}` {
  return `BODIES/${sha256}`;
}

/** The object name (sha256) inside BODIES for a ref body. */
export function refName(body: RefBody): string {
  return body.ref.slice('BODIES/'.length);
}

export function isInline(body: Body): body is InlineBody {
  return body !== null && 'inline' in body;
}

export function isRef(body: Body): body is RefBody {
  return body !== null && 'ref' in body;
}

export { INLINE_BODY_MAX };
