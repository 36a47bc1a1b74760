/**
 * Builds small Xen PV kernel ELFs (ELF64 x86-64 or ELF32 i386) for tests:
 * PT_LOAD segments at chosen physical addresses, a PT_NOTE segment with
 * Xen notes, and optionally a `__xen_guest` section with the legacy string.
 */
import { XenElfNote } from '../../src/abi/xen/elfnote.js';

export type NoteValue = string | bigint | number | Uint8Array;

export interface TestSegment {
  paddr: bigint;
  /** Virtual address in the program header (Linux's per-CPU segment has 0). */
  vaddr?: bigint;
  data: Uint8Array;
  memsz?: number;
}

export interface TestElfSpec {
  class: 32 | 64;
  entry: bigint;
  segments: TestSegment[];
  /** Xen notes by type; numbers are written in the word size unless given as Uint8Array. */
  notes?: [number, NoteValue][];
  /** Contents of a __xen_guest section. */
  guestString?: string;
  machine?: number;
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function noteBytes(type: number, value: NoteValue, wordSize: number): Uint8Array {
  let desc: Uint8Array;
  if (value instanceof Uint8Array) desc = value;
  else if (typeof value === 'string') desc = Buffer.from(`${value}\0`, 'latin1');
  else {
    desc = new Uint8Array(wordSize);
    const dv = new DataView(desc.buffer);
    if (wordSize === 8) dv.setBigUint64(0, BigInt(value), true);
    else dv.setUint32(0, Number(value), true);
  }
  const name = Buffer.from('Xen\0', 'latin1');
  const out = new Uint8Array(12 + align(name.length, 4) + align(desc.length, 4));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, name.length, true);
  dv.setUint32(4, desc.length, true);
  dv.setUint32(8, type, true);
  out.set(name, 12);
  out.set(desc, 12 + align(name.length, 4));
  return out;
}

export function buildTestElf(spec: TestElfSpec): Uint8Array {
  const is64 = spec.class === 64;
  const word = is64 ? 8 : 4;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const notes = (spec.notes ?? []).map(([t, v]) => noteBytes(t, v, t === XenElfNote.SUSPEND_CANCEL || t === XenElfNote.MOD_START_PFN || t === XenElfNote.SUPPORTED_FEATURES ? 4 : word));
  const noteBlob = Buffer.concat(notes);
  const phnum = spec.segments.length + (noteBlob.length > 0 ? 1 : 0);
  let off = ehsize + phnum * phentsize;
  const noteOff = off;
  off = align(off + noteBlob.length, 4096);
  const segOffs: number[] = [];
  for (const s of spec.segments) {
    segOffs.push(off);
    off = align(off + s.data.length, 4096);
  }
  // Sections: null, __xen_guest, .shstrtab (only when there is a guest string).
  let shoff = 0;
  let guestOff = 0;
  let strOff = 0;
  const shstr = Buffer.from('\0__xen_guest\0.shstrtab\0', 'latin1');
  const guest = spec.guestString !== undefined ? Buffer.from(`${spec.guestString}\0`, 'latin1') : undefined;
  if (guest) {
    guestOff = off;
    strOff = guestOff + guest.length;
    shoff = align(strOff + shstr.length, 8);
    off = shoff + 3 * shentsize;
  }
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, 1, 1]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, spec.machine ?? (is64 ? 62 : 3), true);
  dv.setUint32(20, 1, true);
  const putWord = (o: number, v: bigint | number): void => {
    if (is64) dv.setBigUint64(o, BigInt(v), true);
    else dv.setUint32(o, Number(BigInt.asUintN(32, BigInt(v))), true);
  };
  putWord(24, spec.entry);
  putWord(is64 ? 32 : 28, ehsize); // e_phoff
  putWord(is64 ? 40 : 32, shoff);
  const b = is64 ? 52 : 40;
  dv.setUint16(b, ehsize, true);
  dv.setUint16(b + 2, phentsize, true);
  dv.setUint16(b + 4, phnum, true);
  dv.setUint16(b + 6, shentsize, true);
  dv.setUint16(b + 8, guest ? 3 : 0, true);
  dv.setUint16(b + 10, guest ? 2 : 0, true);

  const phdr = (i: number, type: number, flags: number, offset: number, vaddr: bigint, paddr: bigint, filesz: number, memsz: number, alignment: number): void => {
    const o = ehsize + i * phentsize;
    dv.setUint32(o, type, true);
    if (is64) {
      dv.setUint32(o + 4, flags, true);
      dv.setBigUint64(o + 8, BigInt(offset), true);
      dv.setBigUint64(o + 16, vaddr, true);
      dv.setBigUint64(o + 24, paddr, true);
      dv.setBigUint64(o + 32, BigInt(filesz), true);
      dv.setBigUint64(o + 40, BigInt(memsz), true);
      dv.setBigUint64(o + 48, BigInt(alignment), true);
    } else {
      dv.setUint32(o + 4, offset, true);
      dv.setUint32(o + 8, Number(vaddr), true);
      dv.setUint32(o + 12, Number(paddr), true);
      dv.setUint32(o + 16, filesz, true);
      dv.setUint32(o + 20, memsz, true);
      dv.setUint32(o + 24, flags, true);
      dv.setUint32(o + 28, alignment, true);
    }
  };
  spec.segments.forEach((s, i) => {
    out.set(s.data, segOffs[i]!);
    phdr(i, 1, 7, segOffs[i]!, s.vaddr ?? s.paddr, s.paddr, s.data.length, s.memsz ?? s.data.length, 4096);
  });
  if (noteBlob.length > 0) {
    out.set(noteBlob, noteOff);
    phdr(spec.segments.length, 4, 4, noteOff, 0n, 0n, noteBlob.length, noteBlob.length, 4);
  }
  if (guest) {
    out.set(guest, guestOff);
    out.set(shstr, strOff);
    const sh = (i: number, name: number, type: number, offset: number, size: number): void => {
      const o = shoff + i * shentsize;
      dv.setUint32(o, name, true);
      dv.setUint32(o + 4, type, true);
      if (is64) {
        dv.setBigUint64(o + 24, BigInt(offset), true);
        dv.setBigUint64(o + 32, BigInt(size), true);
      } else {
        dv.setUint32(o + 16, offset, true);
        dv.setUint32(o + 20, size, true);
      }
    };
    sh(1, 1, 1 /* PROGBITS */, guestOff, guest.length);
    sh(2, 13, 3 /* STRTAB */, strOff, shstr.length);
  }
  return out;
}

/** A recognisable fill for a segment: byte i is (seed + i * 7) & 0xff. */
export function pattern(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (seed + i * 7) & 0xff;
  return b;
}

/** Linux-like notes for a 64-bit kernel at VIRT_BASE 0xffffffff80000000, text at paddr 16 MiB. */
export function linuxLike64(opts: { initP2m?: boolean; modStartPfn?: boolean; hypercallPage?: boolean; textSize?: number; bss?: number } = {}): TestElfSpec {
  const virtBase = 0xffffffff80000000n;
  const text = 0x1000000n;
  const textSize = opts.textSize ?? 0x5000;
  const notes: [number, NoteValue][] = [
    [XenElfNote.GUEST_OS, 'linux'],
    [XenElfNote.GUEST_VERSION, '2.6'],
    [XenElfNote.XEN_VERSION, 'xen-3.0'],
    [XenElfNote.VIRT_BASE, virtBase],
    [XenElfNote.ENTRY, virtBase + text + 0x40n],
    [XenElfNote.FEATURES, '!writable_page_tables|pae_pgdir_above_4gb'],
    [XenElfNote.PAE_MODE, 'yes'],
    [XenElfNote.LOADER, 'generic'],
    [XenElfNote.SUSPEND_CANCEL, 1],
    [XenElfNote.HV_START_LOW, 0xffff800000000000n],
    [XenElfNote.PADDR_OFFSET, 0n],
  ];
  if (opts.hypercallPage !== false) notes.push([XenElfNote.HYPERCALL_PAGE, virtBase + text + 0x1000n]);
  if (opts.initP2m) notes.push([XenElfNote.INIT_P2M, 0x8000000000n]);
  if (opts.modStartPfn) notes.push([XenElfNote.MOD_START_PFN, 1]);
  return {
    class: 64,
    entry: virtBase + text + 0x40n,
    notes,
    segments: [
      { paddr: text, vaddr: virtBase + text, data: pattern(textSize, 1) },
      // A per-CPU-like segment: p_vaddr 0, placed by its paddr.
      { paddr: text + BigInt(textSize), vaddr: 0n, data: pattern(0x2000, 2), memsz: 0x2000 + (opts.bss ?? 0x3000) },
    ],
  };
}

/** Linux-like notes for a 32-bit PAE kernel at VIRT_BASE 0xc0000000, text at paddr 16 MiB. */
/** `paeMode: null` leaves the PAE_MODE note out (a non-PAE kernel). */
export function linuxLike32(opts: { paeMode?: string | null; hvStartLow?: bigint; modStartPfn?: boolean } = {}): TestElfSpec {
  const virtBase = 0xc0000000n;
  const text = 0x1000000n;
  const notes: [number, NoteValue][] = [
    [XenElfNote.GUEST_OS, 'linux'],
    [XenElfNote.GUEST_VERSION, '2.6'],
    [XenElfNote.XEN_VERSION, 'xen-3.0'],
    [XenElfNote.VIRT_BASE, virtBase],
    [XenElfNote.ENTRY, virtBase + text + 0x20n],
    [XenElfNote.HYPERCALL_PAGE, virtBase + text + 0x2000n],
    [XenElfNote.LOADER, 'generic'],
    [XenElfNote.PADDR_OFFSET, 0n],
    [XenElfNote.HV_START_LOW, opts.hvStartLow ?? 0xf5800000n],
  ];
  if (opts.paeMode !== null) notes.push([XenElfNote.PAE_MODE, opts.paeMode ?? 'yes']);
  if (opts.modStartPfn) notes.push([XenElfNote.MOD_START_PFN, 1]);
  return {
    class: 32,
    entry: virtBase + text + 0x20n,
    notes,
    segments: [{ paddr: text, vaddr: virtBase + text, data: pattern(0x4000, 3), memsz: 0x6000 }],
  };
}
