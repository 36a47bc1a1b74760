/**
 * A strict reader for ELF32/ELF64 little-endian x86 images: headers, program
 * headers, section headers and notes. Every offset and size is checked
 * against the file before use; anything out of range is a BadImageError.
 */
import { BadImageError } from '../../cli/user-error.js';

export const EM_386 = 3;
export const EM_X86_64 = 62;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_NOTE = 7;

export interface ElfProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfSectionHeader {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
  /** The description ran past its note region and was cut there. */
  truncated?: boolean;
}

export interface ElfImage {
  elfClass: 32 | 64;
  machine: number;
  type: number;
  entry: bigint;
  programHeaders: ElfProgramHeader[];
  sections: ElfSectionHeader[];
  /** Notes from PT_NOTE segments, or from SHT_NOTE sections when there are none. */
  notes: ElfNote[];
  bytes: Uint8Array;
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

const MAX_HEADERS = 4096;

export function parseElf(bytes: Uint8Array, file = 'image'): ElfImage {
  const bad = (detail: string): never => {
    throw new BadImageError(file, `bad ELF: ${detail}`);
  };
  if (!isElf(bytes)) bad('no ELF magic');
  if (bytes.length < 52) bad('truncated ELF header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cls = bytes[4];
  if (cls !== 1 && cls !== 2) bad(`unknown class ${cls}`);
  if (bytes[5] !== 1) bad('not little-endian');
  const is64 = cls === 2;
  if (is64 && bytes.length < 64) bad('truncated ELF64 header');

  const u16 = (o: number): number => dv.getUint16(o, true);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const u64 = (o: number): bigint => dv.getBigUint64(o, true);
  const word = (o: number): bigint => (is64 ? u64(o) : BigInt(u32(o)));
  /** A 64-bit file offset or size, which must fit the file we hold. */
  const size = (v: bigint, what: string): number => {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad(`${what} too large`);
    return Number(v);
  };
  const within = (off: number, len: number, what: string): void => {
    if (off < 0 || len < 0 || off + len > bytes.length) bad(`${what} lies outside the file (offset ${off}, size ${len})`);
  };

  const type = u16(16);
  const machine = u16(18);
  const entry = word(24);
  const phoff = size(is64 ? u64(32) : BigInt(u32(28)), 'e_phoff');
  const shoff = size(is64 ? u64(40) : BigInt(u32(32)), 'e_shoff');
  const base = is64 ? 52 : 40;
  const phentsize = u16(base + 2);
  const phnum = u16(base + 4);
  const shentsize = u16(base + 6);
  const shnum = u16(base + 8);
  const shstrndx = u16(base + 10);

  const programHeaders: ElfProgramHeader[] = [];
  if (phnum > 0) {
    if (phentsize < (is64 ? 56 : 32)) bad(`program header size ${phentsize}`);
    if (phnum > MAX_HEADERS) bad(`${phnum} program headers`);
    within(phoff, phnum * phentsize, 'program header table');
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      const ph: ElfProgramHeader = is64
        ? {
            type: u32(o),
            flags: u32(o + 4),
            offset: size(u64(o + 8), 'p_offset'),
            vaddr: u64(o + 16),
            paddr: u64(o + 24),
            filesz: size(u64(o + 32), 'p_filesz'),
            memsz: size(u64(o + 40), 'p_memsz'),
            align: size(u64(o + 48), 'p_align'),
          }
        : {
            type: u32(o),
            offset: u32(o + 4),
            vaddr: BigInt(u32(o + 8)),
            paddr: BigInt(u32(o + 12)),
            filesz: u32(o + 16),
            memsz: u32(o + 20),
            flags: u32(o + 24),
            align: u32(o + 28),
          };
      if (ph.type === PT_LOAD || ph.type === PT_NOTE) within(ph.offset, ph.filesz, `segment ${i}`);
      if (ph.type === PT_LOAD && ph.filesz > ph.memsz) bad(`segment ${i} has p_filesz > p_memsz`);
      programHeaders.push(ph);
    }
  }

  const sections: ElfSectionHeader[] = [];
  if (shnum > 0 && shoff !== 0) {
    if (shentsize < (is64 ? 64 : 40)) bad(`section header size ${shentsize}`);
    if (shnum > MAX_HEADERS) bad(`${shnum} section headers`);
    within(shoff, shnum * shentsize, 'section header table');
    const raw: { nameOff: number; sh: Omit<ElfSectionHeader, 'name'> }[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      raw.push({
        nameOff: u32(o),
        sh: {
          type: u32(o + 4),
          flags: is64 ? u64(o + 8) : BigInt(u32(o + 8)),
          addr: word(is64 ? o + 16 : o + 12),
          offset: size(is64 ? u64(o + 24) : BigInt(u32(o + 16)), 'sh_offset'),
          size: size(is64 ? u64(o + 32) : BigInt(u32(o + 20)), 'sh_size'),
        },
      });
    }
    const strtab = shstrndx < raw.length ? raw[shstrndx]!.sh : undefined;
    const nameAt = (off: number): string => {
      if (!strtab || strtab.type === 8 /* NOBITS */) return '';
      if (strtab.offset + strtab.size > bytes.length || off >= strtab.size) return '';
      let end = strtab.offset + off;
      const limit = strtab.offset + strtab.size;
      while (end < limit && bytes[end] !== 0) end++;
      return Buffer.from(bytes.subarray(strtab.offset + off, end)).toString('latin1');
    };
    for (const r of raw) {
      if (r.sh.type !== 8 /* NOBITS */ && r.sh.type !== 0) within(r.sh.offset, r.sh.size, `section ${nameAt(r.nameOff)}`);
      sections.push({ name: nameAt(r.nameOff), ...r.sh });
    }
  }

  const noteSegments = programHeaders.filter((p) => p.type === PT_NOTE);
  const notes: ElfNote[] = [];
  const regions = noteSegments.length > 0 ? noteSegments.map((p) => [p.offset, p.filesz] as const) : sections.filter((s) => s.type === SHT_NOTE).map((s) => [s.offset, s.size] as const);
  for (const [off, len] of regions) notes.push(...parseNotes(bytes.subarray(off, off + len), bad));

  return { elfClass: is64 ? 64 : 32, machine, type, entry, programHeaders, sections, notes, bytes };
}

/** Notes are (namesz, descsz, type, name, desc), name and desc 4-aligned. */
function parseNotes(region: Uint8Array, bad: (d: string) => never): ElfNote[] {
  const dv = new DataView(region.buffer, region.byteOffset, region.byteLength);
  const notes: ElfNote[] = [];
  let o = 0;
  while (o + 12 <= region.length) {
    const namesz = dv.getUint32(o, true);
    const descsz = dv.getUint32(o + 4, true);
    const type = dv.getUint32(o + 8, true);
    const nameOff = o + 12;
    const descOff = nameOff + ((namesz + 3) & ~3);
    const next = descOff + ((descsz + 3) & ~3);
    if (namesz > region.length || descOff > region.length) bad('truncated note');
    let nameEnd = nameOff + namesz;
    while (nameEnd > nameOff && region[nameEnd - 1] === 0) nameEnd--;
    // A last note whose description overruns the region keeps what is
    // there: GRUB's i386-xen images end with a PAE_MODE note that claims 12
    // bytes and holds 4 ("yes\0"), which Xen's libelf reads up to the NUL.
    const truncated = descsz > region.length - descOff;
    notes.push({
      name: Buffer.from(region.subarray(nameOff, nameEnd)).toString('latin1'),
      type,
      desc: region.slice(descOff, truncated ? region.length : descOff + descsz),
      ...(truncated ? { truncated } : {}),
    });
    if (truncated) break;
    o = next;
  }
  return notes;
}
