/**
 * Mach-O (macOS/iOS) header parser: CPU, file type, entry point (LC_MAIN), segments and sections
 * with sizes and entropy, linked dylibs; universal ("fat") binaries list their architectures and
 * the first one is parsed. Offsets checked, counts capped.
 */
import { ByteReader, hex } from './bytes.js';
import { entropy } from './entropy.js';

export interface MachoSection {
  segment: string;
  name: string;
  address: string;
  size: number;
  entropy: number;
}

export interface MachoInfo {
  format: 'Mach-O 32-bit' | 'Mach-O 64-bit';
  cpu: string;
  fileType: string;
  entryPoint: string | null;
  sections: MachoSection[];
  dylibs: string[];
  /** Architectures of a universal binary (empty for a thin one). */
  fatArchs: string[];
}

const CPUS: Record<number, string> = {
  7: 'x86 (i386)',
  0x01000007: 'x86-64',
  12: 'ARM',
  0x0100000c: 'ARM64',
  0x0200000c: 'ARM64_32',
  18: 'PowerPC',
  0x01000012: 'PowerPC64',
};
const FILE_TYPES: Record<number, string> = {
  1: 'object',
  2: 'executable',
  6: 'dynamic library',
  7: 'dynamic linker',
  8: 'bundle',
  10: 'debug symbols',
  11: 'kext bundle',
};

const MAX_COMMANDS = 512;
const MAX_SECTIONS = 512;

export class NotMachoError extends Error {
  override readonly name = 'NotMachoError';
}

function parseThin(bytes: Uint8Array, fatArchs: string[]): MachoInfo {
  const be = new ByteReader(bytes, false).u32(0);
  let little: boolean;
  let is64: boolean;
  if (be === 0xfeedface || be === 0xfeedfacf) [little, is64] = [false, be === 0xfeedfacf];
  else if (be === 0xcefaedfe || be === 0xcffaedfe) [little, is64] = [true, be === 0xcffaedfe];
  else throw new NotMachoError('no Mach-O magic');
  const r = new ByteReader(bytes, little);
  const cpu = r.u32(4) ?? 0;
  const fileType = r.u32(12) ?? 0;
  const ncmds = Math.min(r.u32(16) ?? 0, MAX_COMMANDS);
  let cmd = is64 ? 32 : 28;
  let entryPoint: string | null = null;
  const sections: MachoSection[] = [];
  const dylibs: string[] = [];
  for (let i = 0; i < ncmds; i++) {
    const kind = r.u32(cmd);
    const size = r.u32(cmd + 4);
    if (kind === undefined || size === undefined || size < 8) break;
    if (kind === 0x1 || kind === 0x19) {
      const seg64 = kind === 0x19;
      const segname = r.fixed(cmd + 8, 16);
      const nsects = r.u32(cmd + (seg64 ? 64 : 48)) ?? 0;
      let s = cmd + (seg64 ? 72 : 56);
      for (let j = 0; j < nsects && sections.length < MAX_SECTIONS; j++, s += seg64 ? 80 : 68) {
        const addr = seg64 ? r.u64(s + 32) : r.u32(s + 32);
        const sz = (seg64 ? r.u64(s + 40) : r.u32(s + 36)) ?? 0;
        const off = r.u32(s + (seg64 ? 48 : 40)) ?? 0;
        const flags = r.u32(s + (seg64 ? 64 : 56)) ?? 0;
        const zerofill = (flags & 0xff) === 1;
        sections.push({
          segment: segname,
          name: r.fixed(s, 16),
          address: hex(addr),
          size: sz,
          entropy: zerofill ? Number.NaN : entropy(r.slice(off, sz)),
        });
      }
    } else if (kind === 0x80000028) {
      entryPoint = `file offset ${hex(r.u64(cmd + 8))}`;
    } else if (kind === 0xc || kind === 0x80000018 || kind === 0x18 || kind === 0x8000001f) {
      const nameOff = r.u32(cmd + 8) ?? 0;
      dylibs.push(r.cstring(cmd + nameOff, Math.max(0, size - nameOff)));
    }
    cmd += size;
  }
  return {
    format: is64 ? 'Mach-O 64-bit' : 'Mach-O 32-bit',
    cpu: CPUS[cpu] ?? `unknown (${hex(cpu)})`,
    fileType: FILE_TYPES[fileType] ?? String(fileType),
    entryPoint,
    sections,
    dylibs,
    fatArchs,
  };
}

export function parseMacho(bytes: Uint8Array): MachoInfo {
  const r = new ByteReader(bytes, false);
  if (r.u32(0) === 0xcafebabe) {
    const n = Math.min(r.u32(4) ?? 0, 32);
    const archs: string[] = [];
    let first: { offset: number; size: number } | null = null;
    for (let i = 0; i < n; i++) {
      const a = 8 + i * 20;
      const cpu = r.u32(a);
      if (cpu === undefined) break;
      archs.push(CPUS[cpu] ?? hex(cpu));
      first ??= { offset: r.u32(a + 8) ?? 0, size: r.u32(a + 12) ?? 0 };
    }
    if (!first) throw new NotMachoError('universal binary without architectures');
    return parseThin(r.slice(first.offset, first.size), archs);
  }
  return parseThin(bytes, []);
}
