/**
 * Small, hand-built binaries for parser and GUI tests: a PE32+ executable with an import table, a
 * 64-bit Mach-O, ZIP archives (ordinary, high-ratio bomb, overlapping-entry bomb) and a PDF with
 * auto-run JavaScript. Built byte by byte so tests never depend on files that happen to be on the
 * machine; every field a parser reads is set on purpose (offsets documented inline).
 */
import { deflateRawSync } from 'node:zlib';

/** A PE32+ (x86-64) console executable: .text (entry at 0x1010) and .idata importing from KERNEL32. */
export function buildPe(
  imports: Record<string, string[]> = { 'KERNEL32.dll': ['ExitProcess', 'GetProcAddress'] },
): Buffer {
  const file = Buffer.alloc(0x600);
  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(0x80, 0x3c); // e_lfanew
  file.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
  const pe = 0x80;
  file.writeUInt32LE(0x00004550, pe);
  const coff = pe + 4;
  file.writeUInt16LE(0x8664, coff); // machine: AMD64
  file.writeUInt16LE(2, coff + 2); // sections
  file.writeUInt32LE(0x65000000, coff + 4); // timestamp
  file.writeUInt16LE(240, coff + 16); // optional header size
  file.writeUInt16LE(0x0022, coff + 18); // executable, large-address aware
  const opt = coff + 20;
  file.writeUInt16LE(0x20b, opt); // PE32+
  file.writeUInt32LE(0x1010, opt + 16); // AddressOfEntryPoint
  file.writeBigUInt64LE(0x140000000n, opt + 24); // ImageBase
  file.writeUInt32LE(0x1000, opt + 32); // SectionAlignment
  file.writeUInt32LE(0x200, opt + 36); // FileAlignment
  file.writeUInt32LE(0x3000, opt + 56); // SizeOfImage
  file.writeUInt32LE(0x200, opt + 60); // SizeOfHeaders
  file.writeUInt16LE(3, opt + 68); // subsystem: console
  file.writeUInt32LE(16, opt + 108); // NumberOfRvaAndSizes
  file.writeUInt32LE(0x2000, opt + 112 + 8); // import directory RVA
  file.writeUInt32LE(40, opt + 112 + 12);
  const sections = opt + 240;
  const section = (at: number, name: string, va: number, raw: number, flags: number) => {
    file.write(name, at, 'latin1');
    file.writeUInt32LE(0x200, at + 8); // VirtualSize
    file.writeUInt32LE(va, at + 12);
    file.writeUInt32LE(0x200, at + 16); // SizeOfRawData
    file.writeUInt32LE(raw, at + 20);
    file.writeUInt32LE(flags >>> 0, at + 36);
  };
  section(sections, '.text', 0x1000, 0x200, 0x60000020);
  section(sections + 40, '.idata', 0x2000, 0x400, 0xc0000040);
  // .text: a few bytes of x86-64 (sub rsp,28h; xor ecx,ecx; call [rip+x]) then padding
  Buffer.from('4883ec2833c9ff15ea0f0000cc', 'hex').copy(file, 0x210);
  // .idata at file 0x400 = RVA 0x2000: descriptors, then thunks and names
  const rva = (off: number) => 0x2000 + off;
  let descriptor = 0x400;
  let cursor = 0x400 + 20 * (Object.keys(imports).length + 1);
  for (const [dll, functions] of Object.entries(imports)) {
    const thunks = cursor;
    cursor += 8 * (functions.length + 1);
    const names = functions.map((fn) => {
      const at = cursor;
      file.write(fn, at + 2, 'latin1'); // 2-byte hint, then the name
      cursor += 2 + fn.length + 1 + ((fn.length + 1) % 2);
      return at;
    });
    names.forEach((at, i) => file.writeBigUInt64LE(BigInt(rva(at - 0x400)), thunks + 8 * i));
    const dllName = cursor;
    file.write(dll, dllName, 'latin1');
    cursor += dll.length + 1;
    file.writeUInt32LE(rva(thunks - 0x400), descriptor); // OriginalFirstThunk
    file.writeUInt32LE(rva(dllName - 0x400), descriptor + 12); // Name
    file.writeUInt32LE(rva(thunks - 0x400), descriptor + 16); // FirstThunk
    descriptor += 20;
  }
  return file;
}

/** A 64-bit little-endian Mach-O executable (x86-64) with __TEXT,__text, LC_MAIN and libSystem. */
export function buildMacho(): Buffer {
  const dylib = '/usr/lib/libSystem.B.dylib';
  const segSize = 72 + 80;
  const mainSize = 24;
  const dylibSize = 24 + Math.ceil((dylib.length + 1) / 8) * 8;
  const head = 32;
  const file = Buffer.alloc(0x1000);
  file.writeUInt32LE(0xfeedfacf, 0);
  file.writeUInt32LE(0x01000007, 4); // CPU_TYPE_X86_64
  file.writeUInt32LE(3, 8);
  file.writeUInt32LE(2, 12); // MH_EXECUTE
  file.writeUInt32LE(3, 16); // ncmds
  file.writeUInt32LE(segSize + mainSize + dylibSize, 20);
  let p = head;
  file.writeUInt32LE(0x19, p); // LC_SEGMENT_64
  file.writeUInt32LE(segSize, p + 4);
  file.write('__TEXT', p + 8, 'latin1');
  file.writeBigUInt64LE(0x100000000n, p + 24); // vmaddr
  file.writeUInt32LE(1, p + 64); // nsects
  const s = p + 72;
  file.write('__text', s, 'latin1');
  file.write('__TEXT', s + 16, 'latin1');
  file.writeBigUInt64LE(0x100000f00n, s + 32); // addr
  file.writeBigUInt64LE(0x20n, s + 40); // size
  file.writeUInt32LE(0xf00, s + 48); // offset
  p += segSize;
  file.writeUInt32LE(0x80000028, p); // LC_MAIN
  file.writeUInt32LE(mainSize, p + 4);
  file.writeBigUInt64LE(0xf00n, p + 8); // entryoff
  p += mainSize;
  file.writeUInt32LE(0xc, p); // LC_LOAD_DYLIB
  file.writeUInt32LE(dylibSize, p + 4);
  file.writeUInt32LE(24, p + 8); // name offset
  file.write(dylib, p + 24, 'latin1');
  Buffer.from('554889e531c05dc3', 'hex').copy(file, 0xf00);
  return file;
}

export interface ZipFixtureEntry {
  name: string;
  data: Buffer;
}

/**
 * A ZIP (deflate) of `entries`. With `repeatCentral`, the central directory lists the first local
 * file that many times (an overlapping-entry bomb: tiny file, huge claimed total).
 */
export function buildZip(
  entries: readonly ZipFixtureEntry[],
  options: { repeatCentral?: number } = {},
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const records = entries.map((entry) => {
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const record = { name, compressed, size: entry.data.length, offset };
    locals.push(local, name, compressed);
    offset += 30 + name.length + compressed.length;
    return record;
  });
  const central = (r: (typeof records)[number], name: Buffer) => {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(r.compressed.length, 20);
    c.writeUInt32LE(r.size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(r.offset, 42);
    centrals.push(c, name);
  };
  const repeat = options.repeatCentral ?? 0;
  if (repeat > 0 && records[0]) {
    const first = records[0];
    for (let i = 0; i < repeat; i++)
      central(first, Buffer.from(`copy-${i}-${first.name.toString()}`));
  } else records.forEach((r) => central(r, r.name));
  const cd = Buffer.concat(centrals);
  const count = repeat > 0 ? repeat : records.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(count, 8);
  eocd.writeUInt16LE(count, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** 16 entries of 8 MiB of zeros each: ~1000:1 per entry, the classic ratio bomb. */
export function buildZipBomb(): Buffer {
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  return buildZip(Array.from({ length: 16 }, (_, i) => ({ name: `zeros-${i}.bin`, data: zeros })));
}

/** A one-page PDF whose OpenAction runs JavaScript (the text a scanner must flag). */
export function buildPdf(title = 'Invoice 2026'): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
    "<< /S /JavaScript /JS (app.alert\\('pwned'\\);) >>",
    `<< /Title (${title}) /Author (Mallory) /Producer (hand-built fixture) >>`,
  ];
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
