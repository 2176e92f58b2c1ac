/**
 * application/x-www-form-urlencoded text (query strings and form bodies) as name/value pairs in
 * wire order, duplicates kept. Malformed percent-escapes are kept as written rather than
 * rejected: the analyst must see exactly what was sent.
 */

function decode(part: string): string {
  const plus = part.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9a-f]{2})/gi, (m, h: string) => {
      const code = parseInt(h, 16);
      return code < 0x80 ? String.fromCharCode(code) : m;
    });
  }
}

export const FORM_FIELDS_MAX = 5000;

export function parseFormFields(text: string): [string, string][] {
  const query = text.startsWith('?') ? text.slice(1) : text;
  if (query === '') return [];
  const out: [string, string][] = [];
  for (const piece of query.split('&')) {
    if (out.length >= FORM_FIELDS_MAX) break;
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    out.push(
      eq === -1 ? [decode(piece), ''] : [decode(piece.slice(0, eq)), decode(piece.slice(eq + 1))],
    );
  }
  return out;
}
