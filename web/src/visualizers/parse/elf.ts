/**
 * ELF (Linux/Unix executables and shared objects) header parser: class, endianness, type, machine,
 * entry point, interpreter, sections with sizes and entropy, and the shared libraries it needs
 * (DT_NEEDED). Every offset is checked and every count capped; hostile headers yield partial
 * answers, never loops or large allocations.
 */
import { ByteReader, hex } from './bytes.js';
import { entropy } from './entropy.js';

export interface ElfSection {
  name: string;
  type: string;
  address: string;
  size: number;
  offset: number;
  /** NaN for sections without file bytes (.bss). */
  entropy: number;
}

export interface ElfInfo {
  format: 'ELF32' | 'ELF64';
  endian: 'little' | 'big';
  type: string;
  machine: string;
  osabi: string;
  entryPoint: string;
  interpreter: string | null;
  needed: string[];
  sections: ElfSection[];
}

const TYPES: Record<number, string> = {
  1: 'relocatable',
  2: 'executable',
  3: 'shared object / PIE',
  4: 'core dump',
};
const MACHINES: Record<number, string> = {
  2: 'SPARC',
  3: 'x86 (i386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM',
  42: 'SuperH',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};
const OSABI: Record<number, string> = {
  0: 'System V',
  3: 'Linux',
  6: 'Solaris',
  9: 'FreeBSD',
  12: 'OpenBSD',
};
const SECTION_TYPES: Record<number, string> = {
  0: 'NULL',
  1: 'PROGBITS',
  2: 'SYMTAB',
  3: 'STRTAB',
  4: 'RELA',
  5: 'HASH',
  6: 'DYNAMIC',
  7: 'NOTE',
  8: 'NOBITS',
  9: 'REL',
  11: 'DYNSYM',
  14: 'INIT_ARRAY',
  15: 'FINI_ARRAY',
  0x6ffffff6: 'GNU_HASH',
  0x6ffffffe: 'VERNEED',
  0x6fffffff: 'VERSYM',
};

const MAX_SECTIONS = 256;
const MAX_SEGMENTS = 128;
const MAX_NEEDED = 256;

export class NotElfError extends Error {
  override readonly name = 'NotElfError';
}

export function parseElf(bytes: Uint8Array): ElfInfo {
  if (!(bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46))
    throw new NotElfError('no ELF magic');
  const is64 = bytes[4] === 2;
  const little = bytes[5] !== 2;
  const r = new ByteReader(bytes, little);
  const word = (o: number) => (is64 ? r.u64(o) : r.u32(o));
  const type = r.u16(16) ?? 0;
  const machine = r.u16(18) ?? 0;
  const entry = word(24);
  const phoff = (is64 ? r.u64(32) : r.u32(28)) ?? 0;
  const shoff = (is64 ? r.u64(40) : r.u32(32)) ?? 0;
  const base = is64 ? 52 : 40;
  const phentsize = r.u16(base + 2) ?? 0;
  const phnum = Math.min(r.u16(base + 4) ?? 0, MAX_SEGMENTS);
  const shentsize = r.u16(base + 6) ?? 0;
  const shnum = Math.min(r.u16(base + 8) ?? 0, MAX_SECTIONS);
  const shstrndx = r.u16(base + 10) ?? 0;

  let interpreter: string | null = null;
  for (let i = 0; i < phnum && phentsize > 0; i++) {
    const p = phoff + i * phentsize;
    if (r.u32(p) === 3) {
      const off = (is64 ? r.u64(p + 8) : r.u32(p + 4)) ?? 0;
      interpreter = r.cstring(off, 512);
    }
  }

  interface Raw {
    nameOff: number;
    type: number;
    addr: number;
    offset: number;
    size: number;
    link: number;
  }
  const raw: Raw[] = [];
  for (let i = 0; i < shnum && shentsize > 0; i++) {
    const s = shoff + i * shentsize;
    if (!r.has(s, is64 ? 64 : 40)) break;
    raw.push({
      nameOff: r.u32(s) ?? 0,
      type: r.u32(s + 4) ?? 0,
      addr: (is64 ? r.u64(s + 16) : r.u32(s + 12)) ?? 0,
      offset: (is64 ? r.u64(s + 24) : r.u32(s + 16)) ?? 0,
      size: (is64 ? r.u64(s + 32) : r.u32(s + 20)) ?? 0,
      link: r.u32(s + (is64 ? 40 : 24)) ?? 0,
    });
  }
  const names = raw[shstrndx];
  const sections: ElfSection[] = raw.map((s) => ({
    name: names ? r.cstring(names.offset + s.nameOff, 128) : '',
    type: SECTION_TYPES[s.type] ?? hex(s.type),
    address: hex(s.addr),
    size: s.size,
    offset: s.offset,
    entropy: s.type === 8 || s.type === 0 ? Number.NaN : entropy(r.slice(s.offset, s.size)),
  }));

  const needed: string[] = [];
  const dynamic = raw.find((s) => s.type === 6);
  const dynstr = dynamic ? raw[dynamic.link] : undefined;
  if (dynamic && dynstr) {
    const entSize = is64 ? 16 : 8;
    for (
      let o = dynamic.offset;
      o + entSize <= dynamic.offset + dynamic.size && needed.length < MAX_NEEDED;
      o += entSize
    ) {
      const tag = word(o);
      if (tag === undefined || tag === 0) break;
      if (tag === 1) needed.push(r.cstring(dynstr.offset + (word(o + entSize / 2) ?? 0), 256));
    }
  }

  return {
    format: is64 ? 'ELF64' : 'ELF32',
    endian: little ? 'little' : 'big',
    type: TYPES[type] ?? hex(type),
    machine: MACHINES[machine] ?? `unknown (${machine})`,
    osabi: OSABI[bytes[7] ?? 0] ?? String(bytes[7]),
    entryPoint: hex(entry),
    interpreter,
    needed,
    sections,
  };
}
