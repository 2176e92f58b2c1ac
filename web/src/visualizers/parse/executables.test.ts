import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildMacho, buildPe } from '@honeyproxy/testkit';
import { parseElf } from './elf.js';
import { parseMacho } from './macho.js';
import { NotPeError, parsePe } from './pe.js';
import { entropy } from './entropy.js';

describe('executable parsers', () => {
  it('reads a PE32+ header, sections with entropy and the import table', () => {
    const pe = parsePe(
      buildPe({
        'KERNEL32.dll': ['ExitProcess', 'GetProcAddress'],
        'WININET.dll': ['InternetOpenUrlA'],
      }),
    );
    assert.equal(pe.format, 'PE32+');
    assert.equal(pe.machine, 'x86-64 (AMD64)');
    assert.equal(pe.kind, 'executable');
    assert.equal(pe.subsystem, 'Windows console');
    assert.equal(pe.entryPoint, '0x1010');
    assert.equal(pe.imageBase, '0x140000000');
    assert.deepEqual(
      pe.sections.map((s) => [s.name, s.virtualAddress, s.rawSize, s.flags]),
      [
        ['.text', 0x1000, 0x200, 'XR-'],
        ['.idata', 0x2000, 0x200, '-RW'],
      ],
    );
    assert.ok((pe.sections[0]?.entropy ?? 9) < 1, 'mostly padding');
    assert.deepEqual(pe.imports, [
      { dll: 'KERNEL32.dll', functions: ['ExitProcess', 'GetProcAddress'] },
      { dll: 'WININET.dll', functions: ['InternetOpenUrlA'] },
    ]);
    assert.equal(pe.importsNote, null);
  });

  it('survives hostile PE headers (huge counts, offsets past the end)', () => {
    const pe = buildPe();
    pe.writeUInt16LE(0xffff, 0x84 + 2); // section count
    pe.writeUInt32LE(0xfffffff0, 0x80 + 24 + 112 + 8); // import RVA nowhere
    const info = parsePe(pe);
    assert.ok(info.sections.length <= 96);
    assert.throws(() => parsePe(Buffer.from('MZ')), NotPeError);
    const cut = parsePe(buildPe().subarray(0, 0x300));
    assert.equal(cut.imports.length, 0);
  });

  it('reads /bin/true as a 64-bit ELF with its interpreter and libc', () => {
    const elf = parseElf(readFileSync('/bin/true'));
    assert.equal(elf.format, 'ELF64');
    assert.equal(elf.endian, 'little');
    assert.match(elf.machine, /x86-64|AArch64/);
    assert.match(elf.type, /executable|shared object/);
    assert.match(elf.interpreter ?? '', /ld-linux/);
    assert.ok(elf.needed.includes('libc.so.6'), elf.needed.join());
    const text = elf.sections.find((s) => s.name === '.text');
    assert.ok(text && text.size > 1000 && text.entropy > 4 && text.entropy < 8);
    assert.ok(Number.isNaN(elf.sections.find((s) => s.name === '.bss')?.entropy ?? Number.NaN));
    assert.notEqual(elf.entryPoint, '0x0');
  });

  it('reads a Mach-O executable: cpu, entry point, sections and dylibs', () => {
    const m = parseMacho(buildMacho());
    assert.equal(m.format, 'Mach-O 64-bit');
    assert.equal(m.cpu, 'x86-64');
    assert.equal(m.fileType, 'executable');
    assert.equal(m.entryPoint, 'file offset 0xf00');
    assert.deepEqual(
      m.sections.map((s) => [s.segment, s.name, s.size]),
      [['__TEXT', '__text', 0x20]],
    );
    assert.deepEqual(m.dylibs, ['/usr/lib/libSystem.B.dylib']);
  });

  it('measures entropy in bits per byte', () => {
    assert.equal(entropy(new Uint8Array(100)), 0);
    assert.equal(entropy(Uint8Array.from({ length: 256 }, (_, i) => i)), 8);
  });
});
