/** Magic-byte sniffing: real formats are recognised, text is judged conservatively. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sniffType } from './sniff-type.js';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(
    parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)),
  );

describe('sniffType', () => {
  it('recognises executables and archives', () => {
    assert.equal(sniffType(bytes('MZ', [0x90, 0, 3])), 'application/x-msdownload');
    assert.equal(sniffType(bytes([0x7f], 'ELF', [2, 1, 1])), 'application/x-elf');
    assert.equal(sniffType(bytes([0xcf, 0xfa, 0xed, 0xfe, 7])), 'application/x-mach-binary');
    assert.equal(sniffType(bytes('PK', [3, 4, 20, 0])), 'application/zip');
    assert.equal(sniffType(bytes('%PDF-1.7\n')), 'application/pdf');
  });

  it('recognises images, including RIFF and ISO containers', () => {
    assert.equal(sniffType(bytes([0x89], 'PNG', [13, 10, 26, 10, 0])), 'image/png');
    assert.equal(sniffType(bytes([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
    assert.equal(sniffType(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')), 'image/webp');
    assert.equal(sniffType(bytes([0, 0, 0, 0x20], 'ftypisom')), 'video/mp4');
  });

  it('judges text by its first characters', () => {
    assert.equal(sniffType(bytes('  <!DOCTYPE html><p>')), 'text/html');
    assert.equal(sniffType(bytes('<?xml version="1.0"?><svg xmlns=')), 'image/svg+xml');
    assert.equal(sniffType(bytes('{"a": 1}')), 'application/json');
    assert.equal(sniffType(bytes('BMW is a car')), 'text/plain');
    assert.equal(sniffType(bytes('hello', [0, 1, 2])), null);
    assert.equal(sniffType(new Uint8Array(0)), null);
  });
});
