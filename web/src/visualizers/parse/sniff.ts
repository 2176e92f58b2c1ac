/**
 * What a body really is, from its first bytes, independent of what the server declared: a `.jpg`
 * that starts with `MZ…PE` is an executable whatever its Content-Type says. The magic table is the
 * protocol's `sniffType` (one table, shared with the analyzer's stored `sniffedType`); this adds
 * what a viewer needs on top: the kind of visualizer, a human label, PE-vs-DOS and
 * universal-binary-vs-Java-class checks, ZIP flavours, and MPEG audio frame sync. Pure.
 */
import { sniffType } from '@honeyproxy/protocol';
import { ByteReader, latin1, startsWith } from './bytes.js';

export type BodyKind =
  | 'image'
  | 'svg'
  | 'html'
  | 'xml'
  | 'json'
  | 'javascript'
  | 'css'
  | 'text'
  | 'executable'
  | 'archive'
  | 'pdf'
  | 'font'
  | 'audio'
  | 'video'
  | 'binary';

export interface Sniffed {
  kind: BodyKind;
  /** The media type the bytes are, e.g. `application/x-msdownload`. */
  mime: string;
  /** Human name: "PE executable", "PNG image"… */
  label: string;
  /** True for a binary signature (or SVG); false for a guess from printable text. */
  strong: boolean;
}

const SAMPLE = 4096;

const LABELS: Record<string, [BodyKind, string]> = {
  'image/png': ['image', 'PNG image'],
  'image/jpeg': ['image', 'JPEG image'],
  'image/gif': ['image', 'GIF image'],
  'image/webp': ['image', 'WebP image'],
  'image/bmp': ['image', 'BMP image'],
  'image/x-icon': ['image', 'ICO icon'],
  'image/tiff': ['image', 'TIFF image'],
  'image/avif': ['image', 'AVIF image'],
  'image/heic': ['image', 'HEIF image'],
  'image/svg+xml': ['svg', 'SVG image'],
  'application/pdf': ['pdf', 'PDF document'],
  'application/zip': ['archive', 'ZIP archive'],
  'application/gzip': ['archive', 'gzip data'],
  'application/x-bzip2': ['archive', 'bzip2 data'],
  'application/x-xz': ['archive', 'xz data'],
  'application/zstd': ['archive', 'zstd data'],
  'application/x-7z-compressed': ['archive', '7-Zip archive'],
  'application/vnd.rar': ['archive', 'RAR archive'],
  'application/x-tar': ['archive', 'tar archive'],
  'application/x-ole-storage': ['archive', 'OLE2 compound file (legacy Office)'],
  'application/x-msdownload': ['executable', 'DOS executable'],
  'application/x-elf': ['executable', 'ELF executable'],
  'application/x-mach-binary': ['executable', 'Mach-O executable'],
  'application/java-vm': ['executable', 'Java class file'],
  'application/wasm': ['executable', 'WebAssembly module'],
  'application/x-shockwave-flash': ['executable', 'Flash (SWF)'],
  'text/x-shellscript': ['text', 'script (#!)'],
  'font/woff': ['font', 'WOFF font'],
  'font/woff2': ['font', 'WOFF2 font'],
  'font/ttf': ['font', 'TrueType font'],
  'font/otf': ['font', 'OpenType font'],
  'audio/mpeg': ['audio', 'MP3 audio'],
  'audio/ogg': ['audio', 'Ogg media'],
  'audio/flac': ['audio', 'FLAC audio'],
  'audio/wav': ['audio', 'WAV audio'],
  'audio/mp4': ['audio', 'MP4 audio'],
  'video/webm': ['video', 'WebM / Matroska video'],
  'video/mp4': ['video', 'MP4 video'],
  'video/x-msvideo': ['video', 'AVI video'],
  'text/html': ['html', 'HTML document'],
  'text/xml': ['xml', 'XML document'],
  'application/json': ['json', 'JSON'],
  'text/plain': ['text', 'text'],
};

/** Refinements where one magic number means several things. */
function refine(mime: string, b: Uint8Array): { mime: string; label?: string } {
  const r = new ByteReader(b);
  if (mime === 'application/x-msdownload') {
    const pe = r.u32(0x3c);
    if (pe !== undefined && startsWith(b, [0x50, 0x45, 0, 0], pe))
      return { mime, label: 'PE executable' };
  }
  if (mime === 'application/java-vm') {
    // Universal Mach-O binaries share CAFEBABE: their arch count is small, a class's version is not.
    const n = new ByteReader(b, false).u32(4) ?? 0;
    if (n > 0 && n < 30)
      return { mime: 'application/x-mach-binary', label: 'Mach-O universal binary' };
  }
  if (mime === 'application/zip') {
    const first = latin1(b.subarray(30, 30 + Math.min(r.u16(26) ?? 0, 64)));
    if (first === 'mimetype') return { mime, label: 'ZIP (OpenDocument / EPUB)' };
    if (first.startsWith('META-INF/')) return { mime, label: 'ZIP (Java archive)' };
    if (first === '[Content_Types].xml' || /^(word|xl|ppt)\//.test(first))
      return { mime, label: 'ZIP (Office Open XML)' };
  }
  return { mime };
}

/** True when the sample looks like text: no NUL, few control bytes. */
export function looksLikeText(sample: Uint8Array): boolean {
  if (startsWith(sample, [0xff, 0xfe]) || startsWith(sample, [0xfe, 0xff])) return true; // UTF-16 BOM
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  return sample.length === 0 || control / sample.length < 0.02;
}

/** Identifies bytes by their content. Never throws. */
export function sniff(bytes: Uint8Array): Sniffed {
  const sample = bytes.subarray(0, SAMPLE);
  if (sample.length === 0)
    return { kind: 'binary', mime: 'application/x-empty', label: 'empty', strong: false };
  let type = sniffType(sample);
  // MPEG audio without an ID3 tag starts with a frame sync the table cannot express as a prefix.
  if (
    type === null &&
    sample[0] === 0xff &&
    ((sample[1] ?? 0) & 0xe6) === 0xe2 &&
    ((sample[2] ?? 0) & 0xf0) !== 0xf0
  )
    type = 'audio/mpeg';
  // Non-UTF-8 text (windows-1252, UTF-16 with BOM) is still text.
  if (type === null && looksLikeText(sample)) type = 'text/plain';
  if (type === null)
    return {
      kind: 'binary',
      mime: 'application/octet-stream',
      label: 'binary data',
      strong: false,
    };
  const { mime, label } = refine(type, sample);
  const [kind, baseLabel] = LABELS[mime] ?? ['binary', mime];
  const textGuess = ['html', 'xml', 'json', 'text'].includes(kind);
  return { kind, mime, label: label ?? baseLabel, strong: !textGuess };
}
