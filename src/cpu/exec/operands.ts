/**
 * Operand access shared by all instruction families: effective addresses,
 * registers of every size, r/m operands, the stack. 64-bit values travel as
 * a low half (returned) and a high half (left in c.m.hi), so nothing
 * allocates.
 */
import type { Cpu } from '../cpu.js';
import { Ea, type Insn } from '../decoder/insn.js';
import { FAULT, Vec } from '../exceptions.js';
import { CodeSize, Seg, SegAttr } from '../state.js';
import { checkSegAccess } from '../seg-limits.js';

const TWO32 = 4294967296;

export function fault(c: Cpu, vector: number, error = -1): never {
  c.exc.vector = vector;
  c.exc.hasError = error >= 0;
  c.exc.error = error < 0 ? 0 : error;
  throw FAULT;
}

export const ud = (c: Cpu): never => fault(c, Vec.UD);
export const gp0 = (c: Cpu): never => fault(c, Vec.GP, 0);

/** Base used for address computation: in 64-bit mode ES/CS/SS/DS count as 0. */
export function segBase(c: Cpu, seg: number): number {
  if (c.s.codeSize === CodeSize.Bits64 && seg < Seg.FS) return 0;
  return c.s.segBase[seg]!;
}

/**
 * Linear address of the instruction's memory operand, for an access of `len`
 * bytes (`write` 1 for a store or read-modify-write, 0 for a load): outside
 * 64-bit mode a segment that is not flat (CpuState.segChk) gets its limit,
 * type and null checks here (seg-limits.ts), so no memory access pays for
 * them on flat segments.
 */
export function ea(c: Cpu, i: Insn, len: number, write: number): number {
  const lo = c.lo;
  switch (i.ea) {
    case Ea.A32: {
      let o = i.disp;
      if (i.base >= 0) o = (o + lo[i.base]!) | 0;
      if (i.index >= 0) o = (o + (lo[i.index]! << i.scale)) | 0;
      if (c.s.codeSize === CodeSize.Bits64) return canonical(c, i.seg, segBase(c, i.seg) + (o >>> 0));
      if (c.sc[i.seg] !== 0) checkSegAccess(c, i.seg, o >>> 0, len, write);
      return (c.s.segBase[i.seg]! + (o >>> 0)) >>> 0;
    }
    case Ea.A16: {
      let o = i.disp;
      if (i.base >= 0) o += lo[i.base]! & 0xffff;
      if (i.index >= 0) o += lo[i.index]! & 0xffff;
      if (c.sc[i.seg] !== 0) checkSegAccess(c, i.seg, o & 0xffff, len, write);
      return (c.s.segBase[i.seg]! + (o & 0xffff)) >>> 0;
    }
    case Ea.A64: return ea64(c, i);
    case Ea.RIP: {
      let a = c.s.rip + i.disp;
      if (i.asz === 1) a = a >>> 0;
      if (i.seg >= Seg.FS) a += c.s.segBase[i.seg]!;
      return canonical(c, i.seg, a);
    }
  }
  return 0;
}

/** Effective address for 32-bit addressing outside 64-bit mode (bind guarantees both); checks as ea(). */
export function ea32(c: Cpu, i: Insn, len: number, write: number): number {
  const lo = c.lo;
  let o = i.disp;
  if (i.base >= 0) o = (o + lo[i.base]!) | 0;
  if (i.index >= 0) o = (o + (lo[i.index]! << i.scale)) | 0;
  if (c.sc[i.seg] !== 0) checkSegAccess(c, i.seg, o >>> 0, len, write);
  return (c.sb[i.seg]! + (o >>> 0)) >>> 0;
}

/**
 * `len` for ea() when the bytes touched are not at the effective address
 * (BT with a register bit offset): the caller checks them with segCheckLa.
 */
export const SEG_CHECK_LATER = 0;

/** The segment checks for an access of `len` bytes at linear address `la` (legacy modes) through `seg`. */
export function segCheckLa(c: Cpu, seg: number, la: number, len: number, write: number): void {
  if (c.sc[seg] !== 0) checkSegAccess(c, seg, (la - c.s.segBase[seg]!) >>> 0, len, write);
}

/**
 * The segment checks for an access at `off` (an offset already wrapped to
 * the address size) through `seg`, for callers that form their own
 * addresses (string instructions, XLAT, the stack): a no-op in 64-bit mode
 * and on flat segments.
 */
export function segCheck(c: Cpu, seg: number, off: number, len: number, write: number): void {
  if (c.sc[seg] !== 0) checkSegAccess(c, seg, off, len, write);
}

/**
 * The 64-bit offset of a memory operand (64-bit or RIP-relative addressing)
 * without segment base or canonical check: what LEA computes. Returns the low
 * half; the high half is left in c.rh.
 */
export function offset64(c: Cpu, i: Insn): number {
  let lo: number, hi: number;
  if (i.ea === Ea.RIP) {
    const a = c.s.rip + i.disp;
    lo = a >>> 0 | 0; hi = Math.floor(a / TWO32) | 0;
  } else {
    lo = addBaseIndex64(c, i, i.disp, i.disp >> 31);
    hi = c.rh;
  }
  if (i.asz === 1) hi = 0;
  c.rh = hi;
  return lo;
}

/**
 * hi:lo + base + (index << scale) in 64-bit two's complement: returns the
 * low half, leaves the high half in c.rh (no allocation on this hot path).
 */
function addBaseIndex64(c: Cpu, i: Insn, lo: number, hi: number): number {
  if (i.base >= 0) {
    const r = (lo >>> 0) + (c.lo[i.base]! >>> 0);
    lo = r | 0;
    hi = (hi + c.hi[i.base]! + (r >= TWO32 ? 1 : 0)) | 0;
  }
  if (i.index >= 0) {
    const s = i.scale;
    const xl = c.lo[i.index]!, xh = c.hi[i.index]!;
    const sl = xl << s;
    const sh = s === 0 ? xh : (xh << s) | (xl >>> (32 - s));
    const r = (lo >>> 0) + (sl >>> 0);
    lo = r | 0;
    hi = (hi + sh + (r >= TWO32 ? 1 : 0)) | 0;
  }
  c.rh = hi;
  return lo;
}

function ea64(c: Cpu, i: Insn): number {
  // moffs64: the high half of the 64-bit absolute address is in imm2.
  const moffs = i.ea === Ea.A64 && i.mod === 0 && i.base < 0 && i.index < 0 && i.imm2 !== 0;
  let lo = addBaseIndex64(c, i, i.disp, moffs ? i.imm2 : i.disp >> 31);
  let hi = c.rh;
  if (i.seg >= Seg.FS) {
    const b = c.s.segBase[i.seg]!;
    if (b !== 0) {
      const r = (lo >>> 0) + (b >>> 0);
      lo = r | 0;
      hi = (hi + Math.floor(b / TWO32) + (r >= TWO32 ? 1 : 0)) | 0;
    }
  }
  if (((hi << 16) >> 16) !== hi) fault(c, i.seg === Seg.SS ? Vec.SS : Vec.GP, 0);
  return hi * TWO32 + (lo >>> 0);
}

/** Check that a 64-bit linear address is canonical (#GP/#SS(0) otherwise). */
export function canonical(c: Cpu, seg: number, a: number): number {
  if (a >= 0x800000000000 || a < -0x800000000000) {
    if (a >= 0x800000000000 && a < 0x10000000000000000 && a >= 0xffff800000000000) return a - 0x10000000000000000;
    fault(c, seg === Seg.SS ? Vec.SS : Vec.GP, 0);
  }
  return a;
}

// ---- registers ----------------------------------------------------------

/** Read a register of operand size sz (8-bit: 16..19 are AH..BH). Values are masked; 64-bit leaves the high half in c.m.hi. */
export function getReg(c: Cpu, sz: number, r: number): number {
  switch (sz) {
    case 0: return r < 16 ? c.lo[r]! & 0xff : (c.lo[r - 16]! >> 8) & 0xff;
    case 1: return c.lo[r]! & 0xffff;
    case 2: return c.lo[r]!;
    default: c.m.hi = c.hi[r]!; return c.lo[r]!;
  }
}

/** Write a register of operand size sz; 32-bit writes zero the upper half, 64-bit ones take `h`. */
export function setReg(c: Cpu, sz: number, r: number, v: number, h: number): void {
  switch (sz) {
    case 0:
      if (r < 16) c.lo[r] = (c.lo[r]! & ~0xff) | (v & 0xff);
      else c.lo[r - 16] = (c.lo[r - 16]! & ~0xff00) | ((v & 0xff) << 8);
      return;
    case 1: c.lo[r] = (c.lo[r]! & ~0xffff) | (v & 0xffff); return;
    case 2: c.lo[r] = v; c.hi[r] = 0; return;
    default: c.lo[r] = v; c.hi[r] = h;
  }
}

export function readMem(c: Cpu, la: number, sz: number): number {
  switch (sz) {
    case 0: return c.m.read8(la);
    case 1: return c.m.read16(la);
    case 2: return c.m.read32(la);
    default: return c.m.read64(la);
  }
}

export function writeMem(c: Cpu, la: number, sz: number, v: number, h: number): void {
  switch (sz) {
    case 0: c.m.write8(la, v); return;
    case 1: c.m.write16(la, v); return;
    case 2: c.m.write32(la, v); return;
    default: c.m.write64(la, v, h);
  }
}

/** The r/m operand (register or memory). */
export function readRm(c: Cpu, i: Insn, sz: number): number {
  if (i.mod === 3) return getReg(c, sz, i.rm);
  return readMem(c, ea(c, i, 1 << sz, 0), sz);
}

export function writeRm(c: Cpu, i: Insn, sz: number, v: number, h: number): void {
  if (i.mod === 3) setReg(c, sz, i.rm, v, h);
  else writeMem(c, ea(c, i, 1 << sz, 1), sz, v, h);
}

// ---- stack --------------------------------------------------------------

/** Stack-pointer width: 2 = 64-bit, 1 = 32-bit, 0 = 16-bit (SS.B). */
export function stackSize(c: Cpu): number {
  if (c.s.codeSize === CodeSize.Bits64) return 2;
  return (c.s.segAttr[Seg.SS]! & SegAttr.DB) !== 0 ? 1 : 0;
}

/**
 * Linear address of SS:(RSP + delta) with the stack's width (delta small, may
 * be negative), for an access of `len` bytes there: checked against the SS
 * limit (#SS(0)) when SS is not flat.
 */
export function stackLa(c: Cpu, delta: number, len: number): number {
  const ss = stackSize(c);
  if (ss === 2) {
    const a = c.hi[4]! * TWO32 + (c.lo[4]! >>> 0) + delta;
    return canonical(c, Seg.SS, a);
  }
  const off = ss === 1 ? (c.lo[4]! + delta) >>> 0 : (c.lo[4]! + delta) & 0xffff;
  if (c.sc[Seg.SS] !== 0) checkSegAccess(c, Seg.SS, off, len, 1);
  return (c.s.segBase[Seg.SS]! + off) >>> 0;
}

/** RSP += delta with the stack's width. */
export function addSp(c: Cpu, delta: number): void {
  const ss = stackSize(c);
  if (ss === 2) {
    const r = (c.lo[4]! >>> 0) + delta;
    c.lo[4] = r | 0;
    if (r >= TWO32) c.hi[4] = (c.hi[4]! + 1) | 0;
    else if (r < 0) c.hi[4] = (c.hi[4]! - 1) | 0;
  } else if (ss === 1) {
    c.lo[4] = (c.lo[4]! + delta) | 0;
  } else {
    c.lo[4] = (c.lo[4]! & ~0xffff) | ((c.lo[4]! + delta) & 0xffff);
  }
}

const PUSH_BYTES = [1, 2, 4, 8] as const;

/** Push a value of operand size sz (1 = 16, 2 = 32, 3 = 64 bits). */
export function push(c: Cpu, sz: number, v: number, h: number): void {
  const n = PUSH_BYTES[sz]!;
  const la = stackLa(c, -n, n);
  writeMem(c, la, sz, v, h);
  addSp(c, -n);
}

/** Pop a value of operand size sz; RSP is updated only after the read succeeds. */
export function pop(c: Cpu, sz: number): number {
  const n = PUSH_BYTES[sz]!;
  const v = readMem(c, stackLa(c, 0, n), sz);
  const h = c.m.hi;
  addSp(c, n);
  c.m.hi = h;
  return v;
}

// ---- RIP ------------------------------------------------------------------

/**
 * Set RIP to a register-sized target of operand size sz: #GP(0) for a
 * non-canonical target in 64-bit mode or one beyond the CS limit elsewhere
 * (Cpu.csLimit), raised by the branch itself.
 */
export function setRip(c: Cpu, sz: number, lo: number, hi: number): void {
  if (sz === 3) {
    if (((hi << 16) >> 16) !== hi) fault(c, Vec.GP, 0);
    c.s.rip = hi * TWO32 + (lo >>> 0);
    return;
  }
  const t = sz === 2 ? lo >>> 0 : lo & 0xffff;
  if (t > c.csLimit) fault(c, Vec.GP, 0);
  c.s.rip = t;
}

/** Relative branch: RIP += disp, wrapped to the operand size (checked as setRip). */
export function jumpRel(c: Cpu, i: Insn, disp: number): void {
  const t = c.s.rip + disp;
  if (i.osz === 3) {
    if (t >= 0x800000000000 || t < -0x800000000000) fault(c, Vec.GP, 0);
    c.s.rip = t;
    return;
  }
  const r = i.osz === 2 ? t >>> 0 : t & 0xffff;
  if (r > c.csLimit) fault(c, Vec.GP, 0);
  c.s.rip = r;
}
