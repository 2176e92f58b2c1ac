import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildMacho, buildPdf, buildPe, buildZip } from '@honeyproxy/testkit';
import { sniff } from './sniff.js';
import { decideKind, kindOfMime } from './body-kind.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('sniff', () => {
  it('recognises executables by their magic bytes', () => {
    assert.equal(sniff(buildPe()).label, 'PE executable');
    assert.equal(sniff(readFileSync('/bin/true')).mime, 'application/x-elf');
    assert.equal(sniff(buildPe()).mime, 'application/x-msdownload');
    assert.equal(sniff(buildMacho()).kind, 'executable');
    assert.equal(sniff(ascii('MZ just a dos stub')).label, 'DOS executable');
  });

  it('recognises images, documents, archives, fonts and media', () => {
    const cases: [number[] | string, string][] = [
      [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'image/png'],
      [[0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'image/jpeg'],
      ['GIF89a\x01\x00\x01\x00', 'image/gif'],
      ['RIFF\x00\x00\x00\x00WEBPVP8 ', 'image/webp'],
      ['RIFF\x00\x00\x00\x00WAVEfmt ', 'audio/wav'],
      ['OggS\x00\x02', 'audio/ogg'],
      ['ID3\x04\x00\x00', 'audio/mpeg'],
      ['\x00\x00\x00\x18ftypmp42', 'video/mp4'],
      ['wOFF\x00\x01\x00\x00', 'font/woff'],
      ['wOF2\x00\x01\x00\x00', 'font/woff2'],
      ['%PDF-1.4\n', 'application/pdf'],
      ['\xff\xfb\x90\x64\x00', 'audio/mpeg'],
      ['\xca\xfe\xba\xbe\x00\x00\x00\x02', 'application/x-mach-binary'],
      ['\xca\xfe\xba\xbe\x00\x00\x00\x34', 'application/java-vm'],
      ['\x1f\x8b\x08\x00', 'application/gzip'],
    ];
    for (const [bytes, mime] of cases) {
      const data =
        typeof bytes === 'string'
          ? Uint8Array.from(bytes, (c) => c.charCodeAt(0))
          : Uint8Array.from(bytes);
      assert.equal(sniff(data).mime, mime, String(bytes));
    }
    assert.equal(sniff(buildPdf()).kind, 'pdf');
    assert.equal(
      sniff(buildZip([{ name: 'a.txt', data: Buffer.from('hi') }])).mime,
      'application/zip',
    );
  });

  it('recognises markup only from unambiguous openings', () => {
    assert.equal(sniff(ascii('\ufeff  <!DOCTYPE html><p>x')).kind, 'html');
    assert.equal(sniff(ascii('<!-- c --><!doctype html>')).kind, 'html');
    assert.equal(
      sniff(ascii('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')).kind,
      'svg',
    );
    assert.equal(sniff(ascii('<svg onload="alert(1)">')).kind, 'svg');
    assert.equal(sniff(ascii('<?xml version="1.0"?><feed/>')).kind, 'xml');
    assert.deepEqual(sniff(ascii('{"a":1}')), {
      kind: 'json',
      mime: 'application/json',
      label: 'JSON',
      strong: false,
    });
    assert.equal(sniff(ascii('var x = 1;')).kind, 'text');
    assert.equal(
      sniff(Uint8Array.from([0x63, 0x61, 0x66, 0xe9])).kind,
      'text',
      'windows-1252 text',
    );
    assert.equal(sniff(Uint8Array.from([1, 2, 3, 0, 255])).kind, 'binary');
    assert.equal(sniff(new Uint8Array(0)).mime, 'application/x-empty');
  });
});

describe('decideKind', () => {
  it('flags a .jpg whose bytes are a PE executable', () => {
    const verdict = decideKind(sniff(buildPe()), 'image/jpeg', 'http://cdn.test/cat.jpg');
    assert.equal(verdict.kind, 'executable');
    assert.match(verdict.mismatch ?? '', /declared image\/jpeg but the bytes are PE executable/);
    assert.match(verdict.mismatch ?? '', /URL ends in \.jpg/);
  });

  it('lets a textual declaration refine a weak text guess, without calling it a mismatch', () => {
    const js = decideKind(sniff(ascii('function f() {}')), 'application/javascript; charset=utf-8');
    assert.deepEqual(js, { kind: 'javascript', declared: 'javascript', mismatch: null });
    assert.equal(decideKind(sniff(ascii('{"a":1}')), 'text/plain').mismatch, null);
    assert.equal(decideKind(sniff(ascii('body{}')), 'text/css').kind, 'css');
  });

  it('uses the sniffed type when nothing specific is declared', () => {
    assert.equal(decideKind(sniff(buildPdf()), 'application/octet-stream').kind, 'pdf');
    assert.equal(decideKind(sniff(buildPdf()), 'application/octet-stream').mismatch, null);
    assert.equal(
      decideKind(sniff(ascii('<svg/>')), 'image/png').mismatch,
      'declared image/png but the bytes are SVG image',
    );
  });

  it('maps declared media types to kinds', () => {
    assert.equal(kindOfMime('text/html; charset=utf-8'), 'html');
    assert.equal(kindOfMime('application/ld+json'), 'json');
    assert.equal(kindOfMime('image/svg+xml'), 'svg');
    assert.equal(kindOfMime('application/octet-stream'), null);
    assert.equal(kindOfMime('application/x-msdownload'), 'executable');
  });
});
