/**
 * The declared side of type detection: the kind a Content-Type (or a URL's file extension) claims,
 * the kind a body is finally shown as (sniffed signature first, declaration as fallback), and
 * whether the two disagree — an image URL serving a PE executable is the classic malware tell.
 */
import type { BodyKind, Sniffed } from './sniff.js';

/** Media type of a Content-Type value: lowercase, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** The kind a media type claims, or null when it claims nothing specific (octet-stream, empty). */
export function kindOfMime(mime: string): BodyKind | null {
  const m = mediaType(mime);
  if (
    m === '' ||
    m === 'application/octet-stream' ||
    m === 'binary/octet-stream' ||
    m === 'application/unknown'
  )
    return null;
  if (m === 'image/svg+xml') return 'svg';
  if (m.startsWith('image/')) return 'image';
  if (m.startsWith('audio/')) return 'audio';
  if (m.startsWith('video/')) return 'video';
  if (m.startsWith('font/') || /^application\/(font-|x-font-|vnd\.ms-fontobject)/.test(m))
    return 'font';
  if (m === 'text/html' || m === 'application/xhtml+xml') return 'html';
  if (
    /^(text|application)\/(x-)?(javascript|ecmascript)$|^text\/jscript$|^application\/x-javascript$/.test(
      m,
    )
  )
    return 'javascript';
  if (m === 'text/css') return 'css';
  if (
    m === 'application/json' ||
    m.endsWith('+json') ||
    m === 'text/json' ||
    m === 'application/x-ndjson'
  )
    return 'json';
  if (m === 'application/xml' || m === 'text/xml' || m.endsWith('+xml')) return 'xml';
  if (m === 'application/pdf') return 'pdf';
  if (
    /^application\/(zip|x-zip-compressed|gzip|x-gzip|x-tar|x-7z-compressed|vnd\.rar|x-rar-compressed|x-bzip2|x-xz|java-archive|vnd\.android\.package-archive)$/.test(
      m,
    )
  )
    return 'archive';
  if (
    /^application\/(x-msdownload|x-dosexec|vnd\.microsoft\.portable-executable|x-executable|x-elf|x-mach-binary|x-sharedlib|wasm|java-vm|x-shockwave-flash)$/.test(
      m,
    )
  )
    return 'executable';
  if (m.startsWith('text/') || m === 'application/x-www-form-urlencoded') return 'text';
  return null;
}

const EXTENSIONS: Record<string, BodyKind> = {
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  gif: 'image',
  webp: 'image',
  bmp: 'image',
  ico: 'image',
  avif: 'image',
  svg: 'svg',
  html: 'html',
  htm: 'html',
  php: 'html',
  asp: 'html',
  aspx: 'html',
  js: 'javascript',
  mjs: 'javascript',
  css: 'css',
  json: 'json',
  xml: 'xml',
  txt: 'text',
  pdf: 'pdf',
  zip: 'archive',
  gz: 'archive',
  tgz: 'archive',
  rar: 'archive',
  '7z': 'archive',
  jar: 'archive',
  apk: 'archive',
  exe: 'executable',
  dll: 'executable',
  scr: 'executable',
  elf: 'executable',
  so: 'executable',
  bin: 'binary',
  woff: 'font',
  woff2: 'font',
  ttf: 'font',
  otf: 'font',
  mp3: 'audio',
  wav: 'audio',
  ogg: 'audio',
  flac: 'audio',
  mp4: 'video',
  webm: 'video',
  avi: 'video',
};

/** The kind a URL's last path segment claims by its extension (`/x/cat.jpg` → image). */
export function kindOfUrl(url: string): { ext: string; kind: BodyKind } | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split(/[?#]/, 1)[0] ?? '';
  }
  const match = /\.([a-z0-9]{1,5})$/i.exec(path);
  const ext = match?.[1]?.toLowerCase();
  if (!ext) return null;
  const kind = EXTENSIONS[ext];
  return kind ? { ext, kind } : null;
}

/** Kinds that are compatible for the purpose of "does the declaration match the bytes". */
function compatible(declared: BodyKind, sniffed: BodyKind): boolean {
  if (declared === sniffed) return true;
  const textual: BodyKind[] = ['text', 'html', 'xml', 'json', 'javascript', 'css', 'svg'];
  // Text formats overlap (JS that looks like JSON, SVG served as XML): not a tell.
  return textual.includes(declared) && textual.includes(sniffed);
}

export interface TypeVerdict {
  /** What the body is shown as. */
  kind: BodyKind;
  declared: BodyKind | null;
  /** Set when the bytes contradict the Content-Type or the URL's extension. */
  mismatch: string | null;
}

/**
 * Decides how to show a body. A strong signature wins; a weak (text) guess defers to a specific
 * textual declaration (e.g. JavaScript); with nothing declared the guess stands.
 */
export function decideKind(
  sniffed: Sniffed,
  contentType: string | undefined,
  url?: string,
): TypeVerdict {
  const declared = kindOfMime(contentType ?? '');
  const byUrl = url ? kindOfUrl(url) : null;
  let kind: BodyKind = sniffed.kind;
  if (!sniffed.strong && declared !== null) {
    const textual = sniffed.kind === 'text' || sniffed.kind === 'json';
    if (textual && ['javascript', 'css', 'json', 'xml', 'html', 'text', 'svg'].includes(declared))
      kind = declared;
  }
  const problems: string[] = [];
  if (sniffed.strong || sniffed.kind === 'binary') {
    if (
      declared !== null &&
      !compatible(declared, sniffed.kind) &&
      sniffed.mime !== 'application/x-empty'
    )
      problems.push(`declared ${mediaType(contentType)} but the bytes are ${sniffed.label}`);
    if (
      byUrl &&
      !compatible(byUrl.kind, sniffed.kind) &&
      byUrl.kind !== 'html' &&
      sniffed.mime !== 'application/x-empty'
    )
      problems.push(`URL ends in .${byUrl.ext} but the bytes are ${sniffed.label}`);
  }
  return { kind, declared, mismatch: problems.length > 0 ? problems.join('; ') : null };
}
