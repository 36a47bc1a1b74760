/**
 * Segment-register loads. Real and v8086 mode: base = selector * 16. Protected
 * and long mode: the descriptor is read from the GDT/LDT with the table
 * limit, type, privilege and present checks, each with the exception and
 * error code the SDM gives, and its accessed bit is set.
 */
import type { Cpu } from './cpu.js';
import { Brk } from './block-cache.js';
import { FAULT, Vec } from './exceptions.js';
import { CodeSize, CR0, F, Seg, SegAttr } from './state.js';
import { refreshSegCheck } from './seg-limits.js';

const TWO32 = 4294967296;

function fault(c: Cpu, v: number, err: number): never {
  c.exc.vector = v; c.exc.error = err; c.exc.hasError = true;
  throw FAULT;
}

/** Read the 8-byte descriptor for `sel`; returns the low dword, high dword in c.m.hi. */
export function readDescriptor(c: Cpu, sel: number, vec: number = Vec.GP): number {
  const s = c.s;
  const ti = (sel & 4) !== 0;
  const base = ti ? s.segBase[Seg.LDTR]! : s.gdtBase;
  const limit = ti ? s.segLimit[Seg.LDTR]! : s.gdtLimit;
  const off = sel & 0xfff8;
  if (off + 7 > limit) fault(c, vec, sel & 0xfffc);
  // Descriptor tables are accessed with supervisor rights whatever the CPL.
  const user = c.m.user;
  c.m.user = 0;
  try {
    const lo = c.m.read32(base + off);
    const hi = c.m.read32(base + off + 4);
    c.m.hi = hi;
    return lo;
  } finally {
    c.m.user = user;
  }
}

/** Fill segment register `seg` from a descriptor (lo, hi dwords). */
export function setFromDescriptor(c: Cpu, seg: number, sel: number, lo: number, hi: number, baseHigh = 0): void {
  const s = c.s;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if ((hi & (1 << 23)) !== 0) limit = limit * 4096 + 0xfff;
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  s.segSel[seg] = sel;
  s.segBase[seg] = baseHigh !== 0 ? baseHigh * TWO32 + base : base;
  s.segLimit[seg] = limit;
  s.segAttr[seg] = (hi >>> 8) & 0xf0ff;
  refreshSegCheck(s, seg);
}

/** Descriptor bits of the high dword: S (code/data), code, conforming/expand-down, readable/writable, present. */
export const D_S = 1 << 12, D_CODE = 1 << 11, D_CONF = 1 << 10, D_RW = 1 << 9, D_P = 1 << 15;

/**
 * Run `f` with supervisor access rights whatever the CPL: descriptor
 * tables, the TSS and the I/O bitmap are implicit supervisor accesses.
 */
export function supervisor<T>(c: Cpu, f: () => T): T {
  const user = c.m.user;
  c.m.user = 0;
  try { return f(); } finally { c.m.user = user; }
}

function dplOf(hi: number): number { return (hi >> 13) & 3; }

/** Set the descriptor's accessed bit, as the processor does on a segment load (supervisor access). */
function markAccessed(c: Cpu, sel: number, hi: number): void {
  if ((hi & 0x100) !== 0) return;
  const s = c.s;
  const base = (sel & 4) !== 0 ? s.segBase[Seg.LDTR]! : s.gdtBase;
  supervisor(c, () => c.m.write32(base + (sel & 0xfff8) + 4, hi | 0x100));
}

/**
 * MOV/POP/LDS.. to a data segment register or SS, with the protected-mode
 * checks and error codes of the SDM (MOV—Move, "Protected Mode Exceptions").
 */
export function loadSegment(c: Cpu, seg: number, sel: number): void {
  const s = c.s;
  sel &= 0xffff;
  if ((s.cr0 & CR0.PE) === 0 || (s.flags & F.VM) !== 0) {
    s.segSel[seg] = sel;
    s.segBase[seg] = sel * 16;
    refreshSegCheck(s, seg);
    if (seg === Seg.CS) c.updateMode();
    return;
  }
  if (seg === Seg.CS) { loadCs(c, sel); return; }
  const cpl = s.cpl, rpl = sel & 3;
  if ((sel & 0xfffc) === 0) {
    // Null selector: allowed for data segments (and for SS in 64-bit mode at CPL < 3 with RPL = CPL).
    if (seg === Seg.SS && !(s.codeSize === CodeSize.Bits64 && cpl !== 3 && rpl === cpl)) fault(c, Vec.GP, 0);
    s.segSel[seg] = sel;
    s.segBase[seg] = seg >= Seg.FS && s.codeSize === CodeSize.Bits64 ? s.segBase[seg]! : 0;
    s.segAttr[seg] = SegAttr.UNUSABLE | (seg === Seg.SS ? rpl << SegAttr.DPL_SHIFT : 0);
    refreshSegCheck(s, seg);
    return;
  }
  const lo = readDescriptor(c, sel);
  const hi = c.m.hi;
  const err = sel & 0xfffc;
  const dpl = dplOf(hi);
  if ((hi & D_S) === 0) fault(c, Vec.GP, err); // system descriptor
  if (seg === Seg.SS) {
    if (rpl !== cpl || (hi & D_CODE) !== 0 || (hi & D_RW) === 0 || dpl !== cpl) fault(c, Vec.GP, err);
    if ((hi & D_P) === 0) fault(c, Vec.SS, err);
  } else {
    const code = (hi & D_CODE) !== 0;
    if (code && (hi & D_RW) === 0) fault(c, Vec.GP, err); // execute-only
    if ((!code || (hi & D_CONF) === 0) && (rpl > dpl || cpl > dpl)) fault(c, Vec.GP, err);
    if ((hi & D_P) === 0) fault(c, Vec.NP, err);
  }
  markAccessed(c, sel, hi);
  setFromDescriptor(c, seg, sel, lo, hi | 0x100);
  if (seg === Seg.SS) c.brk = Brk.STOP;
}

/**
 * After a far RET or IRET to an outer privilege level: ES, DS, FS and GS
 * that hold a data or non-conforming code segment more privileged than the
 * new CPL become null (SDM, RET and IRET), so the outer ring cannot use the
 * inner ring's segments.
 */
export function nullInnerDataSegments(c: Cpu): void {
  const s = c.s;
  for (const seg of DATA_SEGS) {
    const a = s.segAttr[seg]!;
    if ((a & SegAttr.UNUSABLE) !== 0 || (a & SegAttr.S) === 0) continue;
    const conformingCode = (a & 0xc) === 0xc;
    if (!conformingCode && ((a >> SegAttr.DPL_SHIFT) & 3) < s.cpl) {
      s.segSel[seg] = 0;
      s.segAttr[seg] = SegAttr.UNUSABLE;
      refreshSegCheck(s, seg);
    }
  }
}
const DATA_SEGS = [Seg.ES, Seg.DS, Seg.FS, Seg.GS] as const;

/** Check a code-segment descriptor for a far JMP/CALL at the current CPL; returns the low dword (high in c.m.hi). */
function checkCodeForTransfer(c: Cpu, sel: number): number {
  const s = c.s;
  const err = sel & 0xfffc;
  if (err === 0) fault(c, Vec.GP, 0);
  const lo = readDescriptor(c, sel);
  const hi = c.m.hi;
  if ((hi & D_S) === 0) {
    c.m.hi = hi;
    return lo; // a system descriptor: the caller decides (gates, TSS)
  }
  if ((hi & D_CODE) === 0) fault(c, Vec.GP, err);
  const dpl = dplOf(hi), cpl = s.cpl;
  if ((hi & D_CONF) !== 0 ? dpl > cpl : (sel & 3) > cpl || dpl !== cpl) fault(c, Vec.GP, err);
  if ((hi & D_P) === 0) fault(c, Vec.NP, err);
  c.m.hi = hi;
  return lo;
}

/** Load CS for a far JMP/CALL to a code segment (same privilege: CPL unchanged, RPL becomes CPL). */
export function loadCs(c: Cpu, sel: number): void {
  const s = c.s;
  if ((s.cr0 & CR0.PE) === 0 || (s.flags & F.VM) !== 0) {
    s.segSel[Seg.CS] = sel & 0xffff;
    s.segBase[Seg.CS] = (sel & 0xffff) * 16;
    c.updateMode();
    return;
  }
  const lo = checkCodeForTransfer(c, sel);
  const hi = c.m.hi;
  if ((hi & D_S) === 0) throw c.internal(`far transfer through system descriptor type ${(hi >> 8) & 0xf} (call gates and task switches are not implemented yet)`);
  markAccessed(c, sel, hi);
  setFromDescriptor(c, Seg.CS, (sel & 0xfffc) | s.cpl, lo, hi | 0x100);
  c.updateMode();
}

/**
 * Load CS for a far RET or IRET to `sel` (RPL >= CPL): the RPL becomes the
 * CPL. Non-conforming code needs DPL = RPL, conforming code DPL <= RPL.
 */
export function loadCsReturn(c: Cpu, sel: number): void {
  const s = c.s;
  if ((s.cr0 & CR0.PE) === 0 || (s.flags & F.VM) !== 0) { loadCs(c, sel); return; }
  const err = sel & 0xfffc, rpl = sel & 3;
  if (err === 0) fault(c, Vec.GP, 0);
  const lo = readDescriptor(c, sel);
  const hi = c.m.hi;
  if ((hi & D_S) === 0 || (hi & D_CODE) === 0 || rpl < s.cpl) fault(c, Vec.GP, err);
  const dpl = dplOf(hi);
  if ((hi & D_CONF) !== 0 ? dpl > rpl : dpl !== rpl) fault(c, Vec.GP, err);
  if ((hi & D_P) === 0) fault(c, Vec.NP, err);
  markAccessed(c, sel, hi);
  setFromDescriptor(c, Seg.CS, sel, lo, hi | 0x100);
  c.setCpl(rpl);
  c.updateMode();
}
