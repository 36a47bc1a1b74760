/**
 * Segment-register loads. Real and v8086 mode: base = selector * 16. Protected
 * and long mode: the descriptor is read from the GDT/LDT with the checks a
 * flat-model kernel relies on (limit of the table, null selector, present).
 * The full privilege and type checks of issue 4 belong here, behind this
 * one function.
 */
import type { Cpu } from './cpu.js';
import { Brk } from './block-cache.js';
import { FAULT, Vec } from './exceptions.js';
import { CodeSize, CR0, F, Seg, SegAttr } from './state.js';

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
}

/** MOV/POP to a data segment register or SS (and CS for far transfers, via loadCs). */
export function loadSegment(c: Cpu, seg: number, sel: number): void {
  const s = c.s;
  sel &= 0xffff;
  if ((s.cr0 & CR0.PE) === 0 || (s.flags & F.VM) !== 0) {
    s.segSel[seg] = sel;
    s.segBase[seg] = sel * 16;
    if (seg === Seg.CS) c.updateMode();
    return;
  }
  if ((sel & 0xfffc) === 0) {
    // Null selector: allowed for data segments (and for SS in 64-bit mode at CPL < 3).
    if (seg === Seg.SS && !(s.codeSize === CodeSize.Bits64 && s.cpl !== 3)) fault(c, Vec.GP, 0);
    s.segSel[seg] = sel;
    s.segBase[seg] = seg >= Seg.FS && s.codeSize === CodeSize.Bits64 ? s.segBase[seg]! : 0;
    s.segAttr[seg] = SegAttr.UNUSABLE;
    return;
  }
  const lo = readDescriptor(c, sel);
  const hi = c.m.hi;
  if ((hi & (1 << 12)) === 0) fault(c, Vec.GP, sel & 0xfffc); // system descriptor
  if ((hi & (1 << 15)) === 0) fault(c, seg === Seg.SS ? Vec.SS : Vec.NP, sel & 0xfffc);
  setFromDescriptor(c, seg, sel, lo, hi);
  if (seg === Seg.CS) {
    c.setCpl(sel & 3);
    c.updateMode();
  } else if (seg === Seg.SS) c.brk = Brk.STOP;
}

/** Load CS for a far transfer to `sel` with the new CPL. */
export function loadCs(c: Cpu, sel: number): void {
  loadSegment(c, Seg.CS, sel);
}
