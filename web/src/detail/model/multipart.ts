/**
 * multipart/form-data (and other multipart/*) bodies split into parts: each part's headers, form
 * field name, file name, content type and byte range in the body. Pure; bounded (at most
 * MULTIPART_MAX_PARTS parts, header blocks of at most 16 KiB); a malformed body yields the parts
 * found so far.
 */

export interface MultipartPart {
  headers: [string, string][];
  name: string | null;
  filename: string | null;
  contentType: string | null;
  /** Byte range of the part's content within the body. */
  start: number;
  end: number;
}

export const MULTIPART_MAX_PARTS = 500;

/** The boundary parameter of a multipart Content-Type, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!/^\s*multipart\//i.test(contentType ?? '')) return null;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType ?? '');
  return m?.[1] ?? m?.[2] ?? null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first ?? 0, from);
    i !== -1 && i + needle.length <= hay.length;
    i = hay.indexOf(first ?? 0, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A Content-Disposition parameter (quoted or token; RFC 5987 `name*=` preferred). */
function dispositionParam(value: string, key: string): string | null {
  const extended = new RegExp(`;\\s*${key}\\*\\s*=\\s*([\\w-]+)'[^']*'([^;]*)`, 'i').exec(value);
  if (extended?.[2]) {
    try {
      return decodeURIComponent(extended[2]);
    } catch {
      return extended[2];
    }
  }
  const m = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(value);
  const raw = m?.[1] ?? m?.[2]?.trim();
  return raw === undefined ? null : raw.replace(/\\(.)/g, '$1');
}

export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] {
  const enc = new TextEncoder();
  const delimiter = enc.encode(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let at = indexOf(body, delimiter, 0);
  while (at !== -1 && parts.length < MULTIPART_MAX_PARTS) {
    let p = at + delimiter.length;
    if (body[p] === 0x2d && body[p + 1] === 0x2d) break; // closing delimiter
    if (body[p] === 0x0d) p++;
    if (body[p] === 0x0a) p++;
    const headEnd = indexOf(
      body.subarray(0, Math.min(body.length, p + 16384)),
      enc.encode('\r\n\r\n'),
      p,
    );
    const lfEnd =
      headEnd === -1
        ? indexOf(body.subarray(0, Math.min(body.length, p + 16384)), enc.encode('\n\n'), p)
        : -1;
    if (headEnd === -1 && lfEnd === -1) break;
    const contentStart = headEnd !== -1 ? headEnd + 4 : lfEnd + 2;
    const headText = new TextDecoder('utf-8').decode(
      body.subarray(p, headEnd !== -1 ? headEnd : lfEnd),
    );
    const headers: [string, string][] = headText
      .split(/\r?\n/)
      .filter((l) => l.includes(':'))
      .map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
      });
    const next = indexOf(body, delimiter, contentStart);
    let end = next === -1 ? body.length : next;
    if (next !== -1) {
      if (body[end - 1] === 0x0a) end--;
      if (body[end - 1] === 0x0d) end--;
    }
    const disposition = headers.find(([k]) => k.toLowerCase() === 'content-disposition')?.[1] ?? '';
    parts.push({
      headers,
      name: dispositionParam(disposition, 'name'),
      filename: dispositionParam(disposition, 'filename'),
      contentType: headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? null,
      start: contentStart,
      end: Math.max(contentStart, end),
    });
    at = next;
  }
  return parts;
}
