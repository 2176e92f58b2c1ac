/**
 * Decides how a body is shown: as text only when it is text (declared textual type, or no declared
 * type and bytes that look printable), otherwise as "binary" with its size and a download link.
 * Nothing here interprets the content; text is later bound into the page as text, never as markup.
 */

/** Decoded bytes read for display (the rest is behind the download link). */
export const BODY_VIEW_MAX = 1024 * 1024;

export type BodyView =
  | { kind: 'loading' }
  | {
      kind: 'text';
      text: string;
      /** Bytes shown (decoded, before text conversion). */
      shownBytes: number;
      /** False when the body was longer than BODY_VIEW_MAX and only the start is shown. */
      complete: boolean;
      charset: string;
      /** True when the analyzer could not decode and the raw bytes are shown. */
      raw: boolean;
    }
  | { kind: 'binary'; reason: string; raw: boolean }
  | { kind: 'error'; message: string };

const TEXTUAL =
  /^(text\/|application\/(json|[\w.+-]*\+json|javascript|ecmascript|x-javascript|xml|[\w.+-]*\+xml|x-www-form-urlencoded|graphql|x-yaml|yaml|x-sh|x-httpd-php|csv|sql|ld\+json|manifest\+json|x-ndjson|ndjson))/i;
const NON_TEXTUAL =
  /^(image|audio|video|font)\/|^application\/(octet-stream|pdf|zip|gzip|x-|vnd\.|wasm|java-archive|ogg|protobuf|grpc)/i;
const SNIFF_BYTES = 8192;

/** Media type of a Content-Type header value (lowercase, without parameters). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** The charset parameter if TextDecoder knows it, else utf-8. */
export function charsetOf(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*"?([\w.:-]{1,40})"?/i.exec(contentType ?? '');
  const label = match?.[1]?.toLowerCase() ?? 'utf-8';
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return 'utf-8';
  }
}

/** True when a sample has no NUL and (almost) only printable characters. */
function looksPrintable(bytes: Uint8Array, utf8: boolean): boolean {
  const sample = bytes.subarray(0, SNIFF_BYTES);
  if (sample.length === 0) return true;
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  if (control / sample.length > 0.02) return false;
  if (!utf8) return true;
  // High bytes must form valid UTF-8 (allowing a character cut at the end of the sample).
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Classifies read bytes and, for text, decodes them. */
export function toBodyView(
  bytes: Uint8Array,
  complete: boolean,
  contentType: string | undefined,
  raw: boolean,
): BodyView {
  const type = mediaType(contentType);
  const declaredText = TEXTUAL.test(type);
  const declaredBinary = !declaredText && NON_TEXTUAL.test(type);
  if (declaredBinary) return { kind: 'binary', reason: `declared as ${type}`, raw };
  const charset = charsetOf(contentType);
  if (!looksPrintable(bytes, charset === 'utf-8')) {
    return {
      kind: 'binary',
      reason: declaredText ? `declared as ${type} but contains binary data` : 'binary data',
      raw,
    };
  }
  // stream: true keeps a multi-byte character cut at the cap from turning into a replacement char.
  const text = new TextDecoder(charset).decode(bytes, { stream: !complete });
  return { kind: 'text', text, shownBytes: bytes.byteLength, complete, charset, raw };
}
