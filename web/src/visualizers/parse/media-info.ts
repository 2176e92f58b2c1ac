/**
 * Facts from media file headers, read without decoding a single frame: image dimensions (PNG, GIF,
 * JPEG, WebP, BMP, ICO), audio format (WAV, FLAC, MP3/ID3 tags, Ogg codec), video/container
 * brand and duration (MP4/QuickTime mvhd, Matroska/WebM doc type), font tables (sfnt, WOFF,
 * WOFF2) and the font's family name. EXIF is deliberately never read.
 */
import { ByteReader, latin1, startsWith } from './bytes.js';

export type MediaFacts = [label: string, value: string][];

export function imageSize(b: Uint8Array): { width: number; height: number } | null {
  const be = new ByteReader(b, false);
  const le = new ByteReader(b, true);
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47]) && startsWith(b, 'IHDR', 12)) {
    const width = be.u32(16);
    const height = be.u32(20);
    return width !== undefined && height !== undefined ? { width, height } : null;
  }
  if (startsWith(b, 'GIF8')) {
    const width = le.u16(6);
    const height = le.u16(8);
    return width !== undefined && height !== undefined ? { width, height } : null;
  }
  if (startsWith(b, 'BM')) {
    const width = le.u32(18);
    const height = le.u32(22);
    return width !== undefined && height !== undefined
      ? { width, height: Math.abs(height | 0) }
      : null;
  }
  if (startsWith(b, [0, 0, 1, 0]) && b.length >= 8)
    return { width: b[6] || 256, height: b[7] || 256 };
  if (startsWith(b, 'RIFF') && startsWith(b, 'WEBP', 8)) {
    if (startsWith(b, 'VP8X', 12)) {
      const w = (le.u32(24) ?? 0) & 0xffffff;
      const h = (le.u32(27) ?? 0) & 0xffffff;
      return { width: w + 1, height: h + 1 };
    }
    if (startsWith(b, 'VP8L', 12)) {
      const bits = le.u32(21) ?? 0;
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (startsWith(b, 'VP8 ', 12))
      return { width: (le.u16(26) ?? 0) & 0x3fff, height: (le.u16(28) ?? 0) & 0x3fff };
  }
  if (startsWith(b, [0xff, 0xd8])) {
    // Walk the segments to the first SOFn (start of frame); EXIF (APP1) is skipped unread.
    let p = 2;
    for (let guard = 0; guard < 10_000 && p + 9 < b.length; guard++) {
      if (b[p] !== 0xff) return null;
      const marker = b[p + 1] ?? 0;
      if (marker === 0xff) {
        p++;
        continue;
      }
      const len = be.u16(p + 2) ?? 0;
      if (
        marker >= 0xc0 &&
        marker <= 0xcf &&
        marker !== 0xc4 &&
        marker !== 0xc8 &&
        marker !== 0xcc
      ) {
        const height = be.u16(p + 5);
        const width = be.u16(p + 7);
        return width !== undefined && height !== undefined ? { width, height } : null;
      }
      if (len < 2) return null;
      p += 2 + len;
    }
  }
  return null;
}

function id3Text(r: ByteReader, at: number, size: number): string {
  const enc = r.u8(at) ?? 0;
  const body = r.slice(at + 1, size - 1);
  const label =
    enc === 1 ? 'utf-16' : enc === 2 ? 'utf-16be' : enc === 3 ? 'utf-8' : 'windows-1252';
  return new TextDecoder(label).decode(body).replace(/\0+$/, '').slice(0, 200);
}

function audioFacts(b: Uint8Array, facts: MediaFacts): void {
  const le = new ByteReader(b, true);
  const be = new ByteReader(b, false);
  if (startsWith(b, 'RIFF') && startsWith(b, 'WAVE', 8)) {
    let p = 12;
    for (let guard = 0; guard < 64 && p + 8 <= b.length; guard++) {
      const id = latin1(b.subarray(p, p + 4));
      const size = le.u32(p + 4) ?? 0;
      if (id === 'fmt ') {
        facts.push(
          ['channels', String(le.u16(p + 10))],
          ['sample rate', `${le.u32(p + 12)} Hz`],
          ['bits per sample', String(le.u16(p + 22))],
        );
        break;
      }
      p += 8 + size + (size % 2);
    }
  } else if (startsWith(b, 'fLaC')) {
    const x = be.u32(18) ?? 0;
    facts.push(
      ['sample rate', `${x >>> 12} Hz`],
      ['channels', String(((x >>> 9) & 7) + 1)],
      ['bits per sample', String(((x >>> 4) & 31) + 1)],
    );
  } else if (startsWith(b, 'OggS')) {
    const head = latin1(b.subarray(28, 36));
    facts.push([
      'codec',
      head.startsWith('\x01vorbis')
        ? 'Vorbis'
        : head.startsWith('OpusHead')
          ? 'Opus'
          : head.startsWith('\x80theora')
            ? 'Theora'
            : head.startsWith('Speex')
              ? 'Speex'
              : head.startsWith('\x7fFLAC')
                ? 'FLAC'
                : 'unknown',
    ]);
  } else if (startsWith(b, 'ID3')) {
    facts.push(['ID3 version', `2.${b[3]}`]);
    const size =
      (((b[6] ?? 0) & 0x7f) << 21) |
      (((b[7] ?? 0) & 0x7f) << 14) |
      (((b[8] ?? 0) & 0x7f) << 7) |
      ((b[9] ?? 0) & 0x7f);
    const names: Record<string, string> = {
      TIT2: 'title',
      TPE1: 'artist',
      TALB: 'album',
      TYER: 'year',
      TDRC: 'year',
      TENC: 'encoded by',
      TSSE: 'encoder',
    };
    let p = 10;
    for (
      let guard = 0;
      guard < 256 && p + 10 <= Math.min(10 + size, b.length) && (b[3] ?? 0) >= 3;
      guard++
    ) {
      const id = latin1(b.subarray(p, p + 4));
      if (!/^[A-Z0-9]{4}$/.test(id)) break;
      const len =
        (b[3] ?? 0) === 4
          ? (((b[p + 4] ?? 0) & 0x7f) << 21) |
            (((b[p + 5] ?? 0) & 0x7f) << 14) |
            (((b[p + 6] ?? 0) & 0x7f) << 7) |
            ((b[p + 7] ?? 0) & 0x7f)
          : (be.u32(p + 4) ?? 0);
      const name = names[id];
      if (name) facts.push([name, id3Text(be, p + 10, len)]);
      p += 10 + len;
    }
  }
}

function videoFacts(b: Uint8Array, facts: MediaFacts): void {
  const be = new ByteReader(b, false);
  if (startsWith(b, 'ftyp', 4)) {
    facts.push(['brand', latin1(b.subarray(8, 12)).trim()]);
    // mvhd sits inside moov; a bounded byte search is enough for a header fact.
    const text = latin1(b.subarray(0, Math.min(b.length, 4 * 1024 * 1024)));
    const at = text.indexOf('mvhd');
    if (at > 0) {
      const v1 = b[at + 4] === 1;
      const timescale = be.u32(at + (v1 ? 24 : 16)) ?? 0;
      const duration = v1 ? (be.u64(at + 28) ?? 0) : (be.u32(at + 20) ?? 0);
      if (timescale > 0) facts.push(['duration', `${(duration / timescale).toFixed(2)} s`]);
    }
  } else if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) {
    const head = latin1(b.subarray(0, 64));
    facts.push([
      'doc type',
      head.includes('webm') ? 'webm' : head.includes('matroska') ? 'matroska' : '?',
    ]);
  }
}

function sfntFacts(b: Uint8Array, facts: MediaFacts): void {
  const r = new ByteReader(b, false);
  const n = Math.min(r.u16(4) ?? 0, 64);
  const tags: string[] = [];
  let nameTable: { offset: number; length: number } | null = null;
  for (let i = 0; i < n; i++) {
    const rec = 12 + i * 16;
    const tag = latin1(r.slice(rec, 4));
    tags.push(tag.trim());
    if (tag === 'name') nameTable = { offset: r.u32(rec + 8) ?? 0, length: r.u32(rec + 12) ?? 0 };
  }
  facts.push(['tables', tags.join(' ')]);
  if (nameTable) {
    const t = nameTable.offset;
    const count = Math.min(r.u16(t + 2) ?? 0, 256);
    const strings = t + (r.u16(t + 4) ?? 0);
    const wanted: Record<number, string> = {
      1: 'family',
      2: 'style',
      5: 'version',
      0: 'copyright',
    };
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) {
      const rec = t + 6 + i * 12;
      const platform = r.u16(rec);
      const nameId = r.u16(rec + 6) ?? -1;
      const label = wanted[nameId];
      if (!label || seen.has(nameId) || (platform !== 3 && platform !== 1)) continue;
      const bytes = r.slice(strings + (r.u16(rec + 10) ?? 0), r.u16(rec + 8) ?? 0);
      const value = platform === 3 ? new TextDecoder('utf-16be').decode(bytes) : latin1(bytes);
      facts.push([label, value.slice(0, 200)]);
      seen.add(nameId);
    }
  }
}

function fontFacts(b: Uint8Array, facts: MediaFacts): void {
  const r = new ByteReader(b, false);
  if (startsWith(b, 'wOFF') || startsWith(b, 'wOF2')) {
    facts.push(
      ['flavor', latin1(b.subarray(4, 8)) === 'OTTO' ? 'CFF (OpenType)' : 'TrueType'],
      ['tables', String(r.u16(12))],
      ['uncompressed size', `${r.u32(16)} B`],
    );
    return;
  }
  if (startsWith(b, 'ttcf')) {
    facts.push(['fonts', String(r.u32(8))]);
    return;
  }
  sfntFacts(b, facts);
}

/** Header facts for an image, audio, video or font body (empty when none could be read). */
export function mediaFacts(kind: 'image' | 'audio' | 'video' | 'font', b: Uint8Array): MediaFacts {
  const facts: MediaFacts = [];
  if (kind === 'image') {
    const size = imageSize(b);
    if (size) facts.push(['dimensions', `${size.width} × ${size.height}`]);
  } else if (kind === 'audio') audioFacts(b, facts);
  else if (kind === 'video') videoFacts(b, facts);
  else fontFacts(b, facts);
  return facts;
}
