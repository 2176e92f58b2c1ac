/**
 * Content sniffing by magic bytes: what a body really is, whatever its Content-Type claims (a `.jpg`
 * that is a PE executable is the classic malware tell). Pure and browser-safe: the analyzer stores the
 * result at ingest, the GUI may call it on bytes it loads. One table; add a format with one line.
 */

type Magic = readonly [offset: number, bytes: readonly number[], type: string];

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

// Longer / more specific signatures first where prefixes overlap.
const MAGIC: readonly Magic[] = [
  [0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
  [0, [0xff, 0xd8, 0xff], 'image/jpeg'],
  [0, ascii('GIF87a'), 'image/gif'],
  [0, ascii('GIF89a'), 'image/gif'],
  [0, [0x00, 0x00, 0x01, 0x00], 'image/x-icon'],
  [0, [0x49, 0x49, 0x2a, 0x00], 'image/tiff'],
  [0, [0x4d, 0x4d, 0x00, 0x2a], 'image/tiff'],
  [0, ascii('%PDF-'), 'application/pdf'],
  [0, [0x50, 0x4b, 0x03, 0x04], 'application/zip'],
  [0, [0x50, 0x4b, 0x05, 0x06], 'application/zip'],
  [0, [0x1f, 0x8b], 'application/gzip'],
  [0, ascii('BZh'), 'application/x-bzip2'],
  [0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'application/x-xz'],
  [0, [0x28, 0xb5, 0x2f, 0xfd], 'application/zstd'],
  [0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'application/x-7z-compressed'],
  [0, ascii('Rar!'), 'application/vnd.rar'],
  [257, ascii('ustar'), 'application/x-tar'],
  [0, ascii('MZ'), 'application/x-msdownload'],
  [0, [0x7f, 0x45, 0x4c, 0x46], 'application/x-elf'],
  [0, [0xfe, 0xed, 0xfa, 0xce], 'application/x-mach-binary'],
  [0, [0xfe, 0xed, 0xfa, 0xcf], 'application/x-mach-binary'],
  [0, [0xce, 0xfa, 0xed, 0xfe], 'application/x-mach-binary'],
  [0, [0xcf, 0xfa, 0xed, 0xfe], 'application/x-mach-binary'],
  [0, [0xca, 0xfe, 0xba, 0xbe], 'application/java-vm'],
  [0, [0x00, 0x61, 0x73, 0x6d], 'application/wasm'],
  [0, ascii('#!'), 'text/x-shellscript'],
  [0, ascii('wOFF'), 'font/woff'],
  [0, ascii('wOF2'), 'font/woff2'],
  [0, [0x00, 0x01, 0x00, 0x00, 0x00], 'font/ttf'],
  [0, ascii('OTTO'), 'font/otf'],
  [0, ascii('ID3'), 'audio/mpeg'],
  [0, ascii('OggS'), 'audio/ogg'],
  [0, ascii('fLaC'), 'audio/flac'],
  [0, [0x1a, 0x45, 0xdf, 0xa3], 'video/webm'],
  [0, ascii('FWS'), 'application/x-shockwave-flash'],
  [0, ascii('CWS'), 'application/x-shockwave-flash'],
  [0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'application/x-ole-storage'],
];

function at(bytes: Uint8Array, offset: number, sig: readonly number[]): boolean {
  if (bytes.length < offset + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[offset + i] !== sig[i]) return false;
  return true;
}

/** RIFF containers and ISO media carry the format a few bytes in. */
function container(bytes: Uint8Array): string | null {
  if (at(bytes, 0, ascii('RIFF'))) {
    if (at(bytes, 8, ascii('WEBP'))) return 'image/webp';
    if (at(bytes, 8, ascii('WAVE'))) return 'audio/wav';
    if (at(bytes, 8, ascii('AVI '))) return 'video/x-msvideo';
  }
  // BMP: "BM" alone is too common a text prefix; the reserved header words must be zero too.
  if (at(bytes, 0, ascii('BM')) && at(bytes, 6, [0, 0, 0, 0])) return 'image/bmp';
  if (at(bytes, 4, ascii('ftyp'))) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (brand === 'avif') return 'image/avif';
    if (brand.startsWith('hei')) return 'image/heic';
    if (brand.startsWith('M4A')) return 'audio/mp4';
    return 'video/mp4';
  }
  return null;
}

/** Text formats, judged on the first non-blank characters of a printable prefix. */
function textual(bytes: Uint8Array): string | null {
  const sample = bytes.subarray(0, 512);
  let start = 0;
  if (at(sample, 0, [0xef, 0xbb, 0xbf])) start = 3;
  for (let i = start; i < sample.length; i++) {
    const b = sample[i] ?? 0;
    if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c)) return null;
  }
  const head = new TextDecoder('utf-8').decode(sample.subarray(start)).trimStart();
  const lower = head.slice(0, 256).toLowerCase();
  if (lower.startsWith('<?xml')) return lower.includes('<svg') ? 'image/svg+xml' : 'text/xml';
  if (lower.startsWith('<svg')) return 'image/svg+xml';
  if (/^<(!doctype html|html|head|body|script|iframe|meta|title|div|p\b|a\b|!--)/.test(lower))
    return 'text/html';
  if (/^[{[]\s*["{[\]}0-9tfn-]/.test(head) || head === '{}' || head === '[]')
    return 'application/json';
  return sample.length > 0 ? 'text/plain' : null;
}

/** The media type the bytes are, or null when they match nothing known (empty included). */
export function sniffType(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  for (const [offset, sig, type] of MAGIC) if (at(bytes, offset, sig)) return type;
  return container(bytes) ?? textual(bytes);
}
