/**
 * PDF triage without rendering: version, page count, document info (title, author, creator,
 * producer, dates) and the risky features a malicious PDF uses (JavaScript, OpenAction, Launch,
 * embedded files, forms, XFA, encryption). Works on the raw text of the file; objects inside
 * compressed object streams are invisible to it, which it says when it sees /ObjStm.
 */
import { latin1 } from './bytes.js';

export interface PdfInfo {
  version: string;
  pages: number | null;
  info: [string, string][];
  /** Risky names found, with how often. */
  flags: [string, number][];
  /** True when object streams may hide more objects from this scan. */
  objectStreams: boolean;
  encrypted: boolean;
}

/** The names among the flags that make a PDF act when opened (run code, launch, submit, fetch). */
export const PDF_ACTIVE_CONTENT: ReadonlySet<string> = new Set([
  '/JavaScript',
  '/JS',
  '/OpenAction',
  '/AA',
  '/Launch',
  '/EmbeddedFile',
  '/RichMedia',
  '/XFA',
  '/SubmitForm',
  '/GoToR',
]);

const RISKY = [
  '/JavaScript',
  '/JS',
  '/OpenAction',
  '/AA',
  '/Launch',
  '/EmbeddedFile',
  '/RichMedia',
  '/XFA',
  '/AcroForm',
  '/URI',
  '/SubmitForm',
  '/GoToR',
  '/ObjStm',
  '/Encrypt',
];
const INFO_KEYS = [
  'Title',
  'Author',
  'Subject',
  'Keywords',
  'Creator',
  'Producer',
  'CreationDate',
  'ModDate',
];
const SCAN_MAX = 8 * 1024 * 1024; // keeps the scan well under a second on the main thread

export class NotPdfError extends Error {
  override readonly name = 'NotPdfError';
}

/** A PDF literal string `( … )` with escapes, or a hex string `< … >`, decoded for display. */
function pdfString(text: string, at: number): string {
  if (text[at] === '<') {
    const end = text.indexOf('>', at);
    const hexText = text.slice(at + 1, end < 0 ? at + 1 : end).replace(/\s+/g, '');
    let out = '';
    for (let i = 0; i + 1 < hexText.length && out.length < 512; i += 2)
      out += String.fromCharCode(parseInt(hexText.slice(i, i + 2), 16) || 0x3f);
    return out.startsWith('\xfe\xff') ? utf16be(out.slice(2)) : out;
  }
  let depth = 0;
  let out = '';
  for (let i = at; i < text.length && out.length < 512; i++) {
    const c = text[i] ?? '';
    if (c === '\\') {
      const n = text[++i] ?? '';
      out += ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[n] ?? n;
      continue;
    }
    if (c === '(' && depth++ === 0) continue;
    if (c === ')' && --depth === 0) break;
    out += c;
  }
  return out.startsWith('\xfe\xff') ? utf16be(out.slice(2)) : out;
}

function utf16be(s: string): string {
  let out = '';
  for (let i = 0; i + 1 < s.length; i += 2)
    out += String.fromCharCode((s.charCodeAt(i) << 8) | s.charCodeAt(i + 1));
  return out;
}

export function parsePdf(bytes: Uint8Array): PdfInfo {
  const text = latin1(bytes.subarray(0, SCAN_MAX));
  const header = /%PDF-(\d\.\d)/.exec(text.slice(0, 1024));
  if (!header) throw new NotPdfError('no %PDF- header');
  const pageObjects = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
  let count = 0;
  for (const m of text.matchAll(
    /\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g,
  ))
    count = Math.max(count, Number(m[1] ?? m[2] ?? 0));
  const info: [string, string][] = [];
  for (const key of INFO_KEYS) {
    const m = new RegExp(`/${key}\\s*([(<])`).exec(text);
    if (m && m.index !== undefined) info.push([key, pdfString(text, m.index + m[0].length - 1)]);
  }
  const flags: [string, number][] = [];
  for (const name of RISKY) {
    const n = text.match(new RegExp(`${name.replace('/', '\\/')}(?![A-Za-z])`, 'g'))?.length ?? 0;
    if (n > 0) flags.push([name, n]);
  }
  return {
    version: header[1] ?? '?',
    pages: count || pageObjects || null,
    info,
    flags,
    objectStreams: flags.some(([n]) => n === '/ObjStm'),
    encrypted: flags.some(([n]) => n === '/Encrypt'),
  };
}
