/**
 * Which character encoding a text body is in, the way a browser would decide, minus the network:
 * a byte-order mark wins, then the Content-Type charset, then an HTML/XML in-document declaration
 * (`<meta charset>`, `<?xml encoding>`), then "valid UTF-8 or else windows-1252" — the WHATWG
 * fallback for the Latin-script web. Only labels TextDecoder knows are ever returned.
 */

export type CharsetSource = 'bom' | 'content-type' | 'document' | 'utf-8 valid' | 'fallback';

export interface CharsetGuess {
  /** A TextDecoder encoding name (e.g. "utf-8", "windows-1252", "shift_jis"). */
  encoding: string;
  source: CharsetSource;
  /** Bytes to skip (the BOM). */
  skip: number;
}

function known(label: string | undefined): string | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim().toLowerCase()).encoding;
  } catch {
    return null;
  }
}

function validUtf8(bytes: Uint8Array, complete: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

export function detectCharset(
  bytes: Uint8Array,
  contentType: string | undefined,
  complete = true,
): CharsetGuess {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { encoding: 'utf-8', source: 'bom', skip: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { encoding: 'utf-16le', source: 'bom', skip: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { encoding: 'utf-16be', source: 'bom', skip: 2 };
  const declared = known(/;\s*charset\s*=\s*"?([\w.:-]{1,40})"?/i.exec(contentType ?? '')?.[1]);
  if (declared) return { encoding: declared, source: 'content-type', skip: 0 };
  let head = '';
  for (const b of bytes.subarray(0, 1024)) head += String.fromCharCode(b);
  const inDocument =
    /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]{1,40})/i.exec(head)?.[1] ??
    /<\?xml[^>]+encoding\s*=\s*["']([\w.:-]{1,40})/i.exec(head)?.[1];
  const doc = known(inDocument);
  // A document claiming UTF-16 in ASCII bytes is lying (the spec maps it to UTF-8).
  if (doc)
    return { encoding: doc.startsWith('utf-16') ? 'utf-8' : doc, source: 'document', skip: 0 };
  if (validUtf8(bytes, complete)) return { encoding: 'utf-8', source: 'utf-8 valid', skip: 0 };
  return { encoding: 'windows-1252', source: 'fallback', skip: 0 };
}

/** Decodes text per detectCharset (never throws; bad sequences become U+FFFD). */
export function decodeText(
  bytes: Uint8Array,
  contentType: string | undefined,
  complete = true,
): { text: string; charset: CharsetGuess } {
  const charset = detectCharset(bytes, contentType, complete);
  const text = new TextDecoder(charset.encoding).decode(bytes.subarray(charset.skip), {
    stream: !complete,
  });
  return { text, charset };
}
