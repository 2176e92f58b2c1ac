/**
 * Portable Executable (Windows .exe/.dll) header parser: machine, kind, entry point, sections with
 * sizes and entropy, and the import table (DLLs and function names, bounded). Reads only what the
 * headers point to, checks every offset, and caps every count, so a hostile file cannot make it
 * loop or allocate much.
 */
import { ByteReader, hex } from './bytes.js';
import { entropy } from './entropy.js';

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawSize: number;
  rawOffset: number;
  entropy: number;
  flags: string;
}

export interface PeImport {
  dll: string;
  functions: string[];
}

export interface PeInfo {
  format: 'PE32' | 'PE32+';
  machine: string;
  kind: 'DLL' | 'executable' | 'driver';
  subsystem: string;
  timestamp: number;
  entryPoint: string;
  imageBase: string;
  sections: PeSection[];
  imports: PeImport[];
  /** Set when the import table could not be read completely. */
  importsNote: string | null;
  /** Bytes after the last section (installers and droppers carry payloads there). */
  overlay: number;
}

const MACHINES: Record<number, string> = {
  0x14c: 'x86 (i386)',
  0x8664: 'x86-64 (AMD64)',
  0x1c0: 'ARM',
  0x1c4: 'ARMv7 Thumb-2',
  0xaa64: 'ARM64',
  0x200: 'Itanium',
  0xebc: 'EFI byte code',
};

const SUBSYSTEMS: Record<number, string> = {
  1: 'native',
  2: 'Windows GUI',
  3: 'Windows console',
  9: 'Windows CE',
  10: 'EFI application',
  11: 'EFI boot driver',
  12: 'EFI runtime driver',
  16: 'Windows boot application',
};

const MAX_SECTIONS = 96;
const MAX_DLLS = 256;
const MAX_FUNCTIONS = 4096;

export class NotPeError extends Error {
  override readonly name = 'NotPeError';
}

function sectionFlags(c: number): string {
  return [c & 0x20000000 ? 'X' : '-', c & 0x40000000 ? 'R' : '-', c & 0x80000000 ? 'W' : '-'].join(
    '',
  );
}

export function parsePe(bytes: Uint8Array): PeInfo {
  const r = new ByteReader(bytes);
  if (r.u16(0) !== 0x5a4d) throw new NotPeError('no MZ header');
  const pe = r.u32(0x3c);
  if (pe === undefined || r.u32(pe) !== 0x00004550) throw new NotPeError('no PE signature');
  const coff = pe + 4;
  const machine = r.u16(coff) ?? 0;
  const nSections = Math.min(r.u16(coff + 2) ?? 0, MAX_SECTIONS);
  const timestamp = r.u32(coff + 4) ?? 0;
  const optSize = r.u16(coff + 16) ?? 0;
  const characteristics = r.u16(coff + 18) ?? 0;
  const opt = coff + 20;
  const magic = r.u16(opt);
  if (magic !== 0x10b && magic !== 0x20b)
    throw new NotPeError(`unknown optional header ${hex(magic)}`);
  const plus = magic === 0x20b;
  const entry = r.u32(opt + 16) ?? 0;
  const imageBase = plus ? r.u64(opt + 24) : r.u32(opt + 28);
  const subsystem = r.u16(opt + 68) ?? 0;
  const dirs = opt + (plus ? 112 : 96);
  const nDirs = r.u32(opt + (plus ? 108 : 92)) ?? 0;
  const importRva = nDirs > 1 ? (r.u32(dirs + 8) ?? 0) : 0;

  const sections: PeSection[] = [];
  const table = opt + optSize;
  let end = 0;
  for (let i = 0; i < nSections; i++) {
    const s = table + i * 40;
    if (!r.has(s, 40)) break;
    const rawSize = r.u32(s + 16) ?? 0;
    const rawOffset = r.u32(s + 20) ?? 0;
    end = Math.max(end, rawOffset + rawSize);
    sections.push({
      name: r.fixed(s, 8),
      virtualSize: r.u32(s + 8) ?? 0,
      virtualAddress: r.u32(s + 12) ?? 0,
      rawSize,
      rawOffset,
      entropy: entropy(r.slice(rawOffset, rawSize)),
      flags: sectionFlags(r.u32(s + 36) ?? 0),
    });
  }

  const toOffset = (rva: number): number | undefined => {
    for (const s of sections) {
      const size = Math.max(s.virtualSize, s.rawSize);
      if (rva >= s.virtualAddress && rva < s.virtualAddress + size)
        return rva - s.virtualAddress + s.rawOffset;
    }
    return undefined;
  };

  const imports: PeImport[] = [];
  let importsNote: string | null = null;
  let functionCount = 0;
  if (importRva !== 0) {
    const start = toOffset(importRva);
    if (start === undefined) importsNote = 'import table outside every section';
    for (let d = 0; start !== undefined && d < MAX_DLLS; d++) {
      const desc = start + d * 20;
      if (!r.has(desc, 20)) {
        importsNote = 'import table cut short';
        break;
      }
      const lookupRva = r.u32(desc) || r.u32(desc + 16) || 0;
      const nameRva = r.u32(desc + 12) ?? 0;
      if (lookupRva === 0 && nameRva === 0) break;
      const nameOff = toOffset(nameRva);
      const dll = nameOff === undefined ? '?' : r.cstring(nameOff, 256);
      const functions: string[] = [];
      let thunk = toOffset(lookupRva);
      for (; thunk !== undefined && functionCount < MAX_FUNCTIONS; thunk += plus ? 8 : 4) {
        const value = plus ? r.u64(thunk) : r.u32(thunk);
        if (!value) break;
        const byOrdinal = plus ? value >= 2 ** 63 : value >= 0x80000000;
        if (byOrdinal) functions.push(`#${value % 0x10000}`);
        else {
          const hint = toOffset(value % 0x80000000);
          functions.push(hint === undefined ? '?' : r.cstring(hint + 2, 256));
        }
        functionCount++;
      }
      if (functionCount >= MAX_FUNCTIONS)
        importsNote = `only the first ${MAX_FUNCTIONS} imports are listed`;
      imports.push({ dll, functions });
    }
  }

  return {
    format: plus ? 'PE32+' : 'PE32',
    machine: MACHINES[machine] ?? `unknown (${hex(machine)})`,
    kind: characteristics & 0x2000 ? 'DLL' : subsystem === 1 ? 'driver' : 'executable',
    subsystem: SUBSYSTEMS[subsystem] ?? `unknown (${subsystem})`,
    timestamp,
    entryPoint: hex(entry),
    imageBase: hex(imageBase),
    sections,
    imports,
    importsNote,
    overlay: end > 0 && bytes.length > end ? bytes.length - end : 0,
  };
}
