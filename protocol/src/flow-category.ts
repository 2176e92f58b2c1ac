/**
 * The category a traffic-table row is coloured and iconed by. Pure: from the summary alone (declared
 * type, sniffed type, path extension, status, error). An executable sniffed inside an "image" is an
 * executable: what the bytes are wins over what the server claims, except for text guesses.
 */
import type { FlowSummary } from './flow-summary.js';

export const FLOW_CATEGORIES = [
  'document',
  'script',
  'style',
  'image',
  'font',
  'media',
  'data',
  'binary',
  'error',
  'blocked',
  'other',
] as const;
export type FlowCategory = (typeof FLOW_CATEGORIES)[number];

const BY_TYPE: readonly (readonly [RegExp, FlowCategory])[] = [
  [/^(text\/html|application\/xhtml\+xml)$/, 'document'],
  [
    /^(text|application)\/(x-)?(javascript|ecmascript)$|^application\/wasm$|^text\/x-shellscript$/,
    'script',
  ],
  [/^text\/css$/, 'style'],
  [/^image\//, 'image'],
  [/^(font\/|application\/(x-)?font)/, 'font'],
  [/^(audio|video)\//, 'media'],
  [
    /^application\/(x-msdownload|x-msdos-program|x-dosexec|x-elf|x-executable|x-mach-binary|java-vm|java-archive|x-sharedlib|vnd\.microsoft\.portable-executable|zip|gzip|x-gzip|x-bzip2|x-xz|zstd|x-7z-compressed|vnd\.rar|x-rar-compressed|x-tar|x-shockwave-flash|x-ole-storage|octet-stream|pdf|vnd\.android\.package-archive|x-debian-package|x-rpm)$/,
    'binary',
  ],
  [
    /^(application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|x-www-form-urlencoded|x-ndjson|grpc|protobuf)|text\/(plain|xml|csv))$/,
    'data',
  ],
];

const BY_EXTENSION: Readonly<Record<string, FlowCategory>> = {
  html: 'document',
  htm: 'document',
  php: 'document',
  asp: 'document',
  aspx: 'document',
  js: 'script',
  mjs: 'script',
  sh: 'script',
  ps1: 'script',
  vbs: 'script',
  css: 'style',
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  svg: 'image',
  ico: 'image',
  bmp: 'image',
  woff: 'font',
  woff2: 'font',
  ttf: 'font',
  otf: 'font',
  eot: 'font',
  mp3: 'media',
  mp4: 'media',
  webm: 'media',
  ogg: 'media',
  wav: 'media',
  json: 'data',
  xml: 'data',
  txt: 'data',
  csv: 'data',
  exe: 'binary',
  dll: 'binary',
  scr: 'binary',
  msi: 'binary',
  elf: 'binary',
  bin: 'binary',
  so: 'binary',
  apk: 'binary',
  jar: 'binary',
  zip: 'binary',
  rar: 'binary',
  '7z': 'binary',
  gz: 'binary',
  tgz: 'binary',
  tar: 'binary',
  xz: 'binary',
  bz2: 'binary',
  pdf: 'binary',
  doc: 'binary',
  xls: 'binary',
  swf: 'binary',
  deb: 'binary',
  rpm: 'binary',
};

function byType(type: string | null): FlowCategory | null {
  if (type === null) return null;
  const t = type.toLowerCase();
  for (const [re, category] of BY_TYPE) if (re.test(t)) return category;
  return null;
}

function extension(path: string): string {
  const clean = path.split(/[?#]/, 1)[0] ?? '';
  const last = clean.slice(clean.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 ? last.slice(dot + 1).toLowerCase() : '';
}

/** The row category of a flow. */
export function categorize(
  flow: Pick<FlowSummary, 'error' | 'status' | 'contentType' | 'sniffedType' | 'path'>,
): FlowCategory {
  if (flow.error === 'blocked') return 'blocked';
  if (flow.error !== null || (flow.status !== null && flow.status >= 400)) return 'error';
  const sniffed = byType(flow.sniffedType);
  // A sniffed text type is a guess; only trust it when nothing is declared.
  if (sniffed !== null && sniffed !== 'data' && sniffed !== 'document') return sniffed;
  const declared = byType(flow.contentType);
  if (declared !== null) return declared;
  if (sniffed !== null) return sniffed;
  return BY_EXTENSION[extension(flow.path)] ?? 'other';
}
