import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPdf, buildZip, buildZipBomb } from '@honeyproxy/testkit';
import { NotZipError, parseZip } from './zip.js';
import { parsePdf } from './pdf.js';
import { imageSize, mediaFacts } from './media-info.js';
import { decodeText, detectCharset } from './charset.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('zip listing', () => {
  it('lists names, sizes and ratios from the central directory', () => {
    const zip = parseZip(
      buildZip([
        { name: 'readme.txt', data: Buffer.from('hello '.repeat(100)) },
        { name: 'dir/évil.exe', data: Buffer.from([1, 2, 3]) },
      ]),
    );
    assert.deepEqual(
      zip.entries.map((e) => [e.name, e.size, e.method]),
      [
        ['readme.txt', 600, 'deflate'],
        ['dir/évil.exe', 3, 'deflate'],
      ],
    );
    assert.ok((zip.entries[0]?.ratio ?? 0) > 10);
    assert.deepEqual(zip.bomb, []);
  });

  it('flags a high-ratio bomb and an overlapping-entry bomb without decompressing', () => {
    const ratio = parseZip(buildZipBomb());
    assert.equal(ratio.totalSize, 16 * 8 * 1024 * 1024);
    assert.ok(
      ratio.bomb.some((b) => /expands/.test(b)),
      ratio.bomb.join(),
    );
    const overlap = parseZip(
      buildZip([{ name: 'z', data: Buffer.alloc(1 << 20) }], { repeatCentral: 5000 }),
    );
    assert.equal(overlap.entries.length, 5000);
    assert.ok(
      overlap.bomb.some((b) => /overlapping/.test(b)),
      overlap.bomb.join(),
    );
    assert.ok(
      overlap.bomb.some((b) => /GiB/.test(b)),
      overlap.bomb.join(),
    );
  });

  it('refuses what is not a zip', () => {
    assert.throws(() => parseZip(bytes('PK\x03\x04 cut short')), NotZipError);
  });
});

describe('pdf triage', () => {
  it('counts pages, reads the info dictionary and flags auto-run JavaScript', () => {
    const pdf = parsePdf(buildPdf('Quarterly <script>'));
    assert.equal(pdf.version, '1.7');
    assert.equal(pdf.pages, 1);
    assert.deepEqual(
      pdf.info.find(([k]) => k === 'Title'),
      ['Title', 'Quarterly <script>'],
    );
    assert.deepEqual(
      pdf.info.find(([k]) => k === 'Author'),
      ['Author', 'Mallory'],
    );
    const flags = Object.fromEntries(pdf.flags);
    assert.equal(flags['/OpenAction'], 1);
    assert.equal(flags['/JavaScript'], 1);
    assert.equal(flags['/JS'], 1);
    assert.equal(pdf.encrypted, false);
  });
});

describe('media headers', () => {
  it('reads image dimensions without EXIF', () => {
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(png);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    assert.deepEqual(imageSize(png), { width: 640, height: 480 });
    const jpeg = Buffer.from(
      'ffd8ffe1000a4578696600000000ffc0001108012c00c803012200021101031101',
      'hex',
    );
    assert.deepEqual(imageSize(jpeg), { width: 200, height: 300 });
    assert.deepEqual(imageSize(bytes('GIF89a\x10\x00\x20\x00')), { width: 16, height: 32 });
  });

  it('reads WAV format facts', () => {
    const wav = Buffer.alloc(44);
    wav.write('RIFF', 0, 'latin1');
    wav.write('WAVEfmt ', 8, 'latin1');
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(2, 22);
    wav.writeUInt32LE(44100, 24);
    wav.writeUInt16LE(16, 34);
    assert.deepEqual(mediaFacts('audio', wav), [
      ['channels', '2'],
      ['sample rate', '44100 Hz'],
      ['bits per sample', '16'],
    ]);
  });
});

describe('charset detection', () => {
  it('prefers BOM, then Content-Type, then the document, then UTF-8 validity', () => {
    assert.deepEqual(detectCharset(bytes('\xef\xbb\xbfhi'), 'text/html; charset=iso-8859-2'), {
      encoding: 'utf-8',
      source: 'bom',
      skip: 3,
    });
    assert.equal(detectCharset(bytes('hi'), 'text/plain; charset=Shift_JIS').encoding, 'shift_jis');
    assert.deepEqual(detectCharset(bytes('<meta charset="koi8-r"><p>'), 'text/html'), {
      encoding: 'koi8-r',
      source: 'document',
      skip: 0,
    });
    assert.equal(detectCharset(bytes('caf\xc3\xa9'), undefined).source, 'utf-8 valid');
    assert.deepEqual(detectCharset(bytes('caf\xe9'), undefined), {
      encoding: 'windows-1252',
      source: 'fallback',
      skip: 0,
    });
    assert.equal(
      detectCharset(bytes('x'), 'text/plain; charset=no-such-thing').source,
      'utf-8 valid',
    );
  });

  it('decodes with the detected charset', () => {
    assert.equal(decodeText(bytes('caf\xe9'), undefined).text, 'café');
    assert.equal(decodeText(bytes('\xff\xfeh\x00i\x00'), undefined).text, 'hi');
  });
});
