/**
 * Lazy arithmetic flags.
 *
 * An ALU instruction does not compute CF/PF/AF/ZF/SF/OF; it records what it
 * did (operation kind, operand size, destination, source, result) in the
 * Int32Array `lf`, and the flags are derived when something reads them (a
 * Jcc, ADC, PUSHF, an interrupt...). Most results are overwritten before any
 * flag is read, so this saves most of the flag work.
 *
 * Encoding: lf[OP] = kind << 2 | sizeIndex (0=8, 1=16, 2=32, 3=64 bits).
 * For 8 and 16 bits DST/SRC/RES hold the values masked to the size; for 32
 * and 64 bits they hold the raw low 32 bits, and the *_HI slots hold the high
 * halves of 64-bit operations. kind NONE means the six flags are materialised
 * in CpuState.flags.
 *
 * Undefined flags follow one profile (documented in README.md, "Flags
 * profile"): the values Bochs produces for an Intel CPU: AF=0 after logic
 * ops and shifts, OF after multi-bit shifts computed with the 1-bit formula.
 */
import { ARITH_FLAGS, type CpuState, F } from './state.js';

export const LF = { OP: 0, RES: 1, DST: 2, SRC: 3, RES_HI: 4, DST_HI: 5, SRC_HI: 6, AUX: 7 } as const;

export const K = {
  NONE: 0, ADD: 1, ADC: 2, SUB: 3, SBB: 4, LOGIC: 5, INC: 6, DEC: 7, NEG: 8, SHL: 9, SHR: 10, SAR: 11,
} as const;

export const SIZE_MASK = [0xff, 0xffff, -1, -1] as const;
const SIGN_SHIFT = [7, 15, 31, 31] as const;

/** PARITY[b] = PF for a result whose low byte is b. */
export const PARITY = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let x = b;
  x ^= x >> 4; x ^= x >> 2; x ^= x >> 1;
  PARITY[b] = (x & 1) === 0 ? F.PF : 0;
}

export interface FlagsHolder {
  readonly s: CpuState;
  readonly lf: Int32Array;
}

/** Record a 8/16/32-bit result. Values must already be masked for 8/16 bits. */
export function setLazy(c: FlagsHolder, kind: number, sz: number, dst: number, src: number, res: number): void {
  const lf = c.lf;
  lf[0] = (kind << 2) | sz;
  lf[1] = res;
  lf[2] = dst;
  lf[3] = src;
}

export function setLazy64(c: FlagsHolder, kind: number, dst: number, dstHi: number, src: number, srcHi: number, res: number, resHi: number): void {
  const lf = c.lf;
  lf[0] = (kind << 2) | 3;
  lf[1] = res; lf[2] = dst; lf[3] = src;
  lf[4] = resHi; lf[5] = dstHi; lf[6] = srcHi;
}

function ult64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? (aHi >>> 0) < (bHi >>> 0) : (aLo >>> 0) < (bLo >>> 0);
}

export function getCF(c: FlagsHolder): number {
  const lf = c.lf;
  const op = lf[0]!;
  const kind = op >> 2;
  const sz = op & 3;
  const res = lf[1]!, dst = lf[2]!, src = lf[3]!;
  switch (kind) {
    case K.NONE: return c.s.flags & F.CF;
    case K.ADD:
      if (sz === 3) return ult64(res, lf[4]!, dst, lf[5]!) ? 1 : 0;
      return (res >>> 0) < (dst >>> 0) ? 1 : 0;
    case K.ADC:
      if (sz === 3) return ult64(res, lf[4]!, dst, lf[5]!) || (lf[7] !== 0 && res === dst && lf[4] === lf[5]) ? 1 : 0;
      return (res >>> 0) < (dst >>> 0) || (lf[7] !== 0 && res === dst) ? 1 : 0;
    case K.SUB:
      if (sz === 3) return ult64(dst, lf[5]!, src, lf[6]!) ? 1 : 0;
      return (dst >>> 0) < (src >>> 0) ? 1 : 0;
    case K.SBB:
      if (sz === 3) return ult64(dst, lf[5]!, src, lf[6]!) || (lf[7] !== 0 && dst === src && lf[5] === lf[6]) ? 1 : 0;
      return (dst >>> 0) < (src >>> 0) || (lf[7] !== 0 && dst === src) ? 1 : 0;
    case K.LOGIC: return 0;
    case K.NEG: return sz === 3 ? ((res | lf[4]!) !== 0 ? 1 : 0) : (res !== 0 ? 1 : 0);
    default: return lf[7]! & 1; // INC, DEC keep the old CF; shifts the last bit out
  }
}

export function getZF(c: FlagsHolder): number {
  const lf = c.lf;
  const op = lf[0]!;
  if (op >> 2 === K.NONE) return (c.s.flags >> 6) & 1;
  if ((op & 3) === 3) return (lf[1]! | lf[4]!) === 0 ? 1 : 0;
  return lf[1] === 0 ? 1 : 0;
}

export function getSF(c: FlagsHolder): number {
  const lf = c.lf;
  const op = lf[0]!;
  if (op >> 2 === K.NONE) return (c.s.flags >> 7) & 1;
  const sz = op & 3;
  if (sz === 3) return lf[4]! >>> 31;
  return (lf[1]! >>> SIGN_SHIFT[sz]!) & 1;
}

export function getPF(c: FlagsHolder): number {
  const lf = c.lf;
  if (lf[0]! >> 2 === K.NONE) return (c.s.flags >> 2) & 1;
  return PARITY[lf[1]! & 0xff]! >> 2;
}

export function getAF(c: FlagsHolder): number {
  const lf = c.lf;
  const kind = lf[0]! >> 2;
  switch (kind) {
    case K.NONE: return (c.s.flags >> 4) & 1;
    case K.LOGIC: case K.SHL: case K.SHR: case K.SAR: return 0;
    default: return ((lf[1]! ^ lf[2]! ^ lf[3]!) >> 4) & 1;
  }
}

export function getOF(c: FlagsHolder): number {
  const lf = c.lf;
  const op = lf[0]!;
  const kind = op >> 2;
  const sz = op & 3;
  // For 64-bit operations the sign lives in the high halves.
  const res = sz === 3 ? lf[4]! : lf[1]!;
  const dst = sz === 3 ? lf[5]! : lf[2]!;
  const src = sz === 3 ? lf[6]! : lf[3]!;
  const sh = SIGN_SHIFT[sz]!;
  switch (kind) {
    case K.NONE: return (c.s.flags >> 11) & 1;
    case K.ADD: case K.ADC: return (((dst ^ res) & (src ^ res)) >>> sh) & 1;
    case K.SUB: case K.SBB: return (((dst ^ src) & (dst ^ res)) >>> sh) & 1;
    case K.LOGIC: case K.SAR: return 0;
    case K.INC: return (res === (sz === 3 ? -0x80000000 : 1 << sh) && (sz !== 3 || lf[1] === 0)) ? 1 : 0;
    case K.DEC: return (dst === (sz === 3 ? -0x80000000 : 1 << sh) && (sz !== 3 || lf[2] === 0)) ? 1 : 0;
    case K.NEG: return (res === (sz === 3 ? -0x80000000 : 1 << sh) && (sz !== 3 || lf[1] === 0)) ? 1 : 0;
    case K.SHL: return ((res >>> sh) & 1) ^ (lf[7]! & 1);
    case K.SHR: return (dst >>> sh) & 1;
    default: return 0;
  }
}

/** The six arithmetic flags as RFLAGS bits. */
export function arithFlags(c: FlagsHolder): number {
  if (c.lf[0]! >> 2 === K.NONE) return c.s.flags & ARITH_FLAGS;
  return getCF(c) | (getPF(c) << 2) | (getAF(c) << 4) | (getZF(c) << 6) | (getSF(c) << 7) | (getOF(c) << 11);
}

/** Full RFLAGS. */
export function getFlags(c: FlagsHolder): number {
  return (c.s.flags & ~ARITH_FLAGS) | arithFlags(c);
}

/** Write the arithmetic flags eagerly (from an RFLAGS-format value) and drop the lazy state. */
export function setArithFlags(c: FlagsHolder, bits: number): void {
  c.s.flags = (c.s.flags & ~ARITH_FLAGS) | (bits & ARITH_FLAGS);
  c.lf[0] = K.NONE;
}

/** Materialise the lazy flags into CpuState.flags (before changing only some of them). */
export function materialize(c: FlagsHolder): void {
  if (c.lf[0]! >> 2 !== K.NONE) setArithFlags(c, arithFlags(c));
}

/** Set or clear CF only (keeps the other five). */
export function setCF(c: FlagsHolder, cf: number): void {
  materialize(c);
  c.s.flags = (c.s.flags & ~F.CF) | (cf & 1);
}

/** Evaluate condition code cc (the low nibble of Jcc/SETcc/CMOVcc). */
export function cond(c: FlagsHolder, cc: number): boolean {
  const lf = c.lf;
  const op = lf[0]!;
  // Fast path: CMP/SUB of 32-bit values answers every condition by comparison.
  if (op === ((K.SUB << 2) | 2)) {
    const d = lf[2]!, s = lf[3]!;
    switch (cc) {
      case 2: return (d >>> 0) < (s >>> 0);
      case 3: return (d >>> 0) >= (s >>> 0);
      case 4: return d === s;
      case 5: return d !== s;
      case 6: return (d >>> 0) <= (s >>> 0);
      case 7: return (d >>> 0) > (s >>> 0);
      case 12: return d < s;
      case 13: return d >= s;
      case 14: return d <= s;
      case 15: return d > s;
    }
  }
  // Fast path: JZ/JNZ after any lazily recorded result.
  if ((cc === 4 || cc === 5) && op >> 2 !== K.NONE) {
    const z = (op & 3) === 3 ? (lf[1]! | lf[4]!) === 0 : lf[1] === 0;
    return z === (cc === 4);
  }
  // Fast path: CMP/SUB of 64-bit values.
  if (op === ((K.SUB << 2) | 3)) {
    const dl = lf[2]!, dh = lf[5]!, sl = lf[3]!, sh = lf[6]!;
    const eq = dl === sl && dh === sh;
    const ult = dh !== sh ? (dh >>> 0) < (sh >>> 0) : (dl >>> 0) < (sl >>> 0);
    const slt = dh !== sh ? dh < sh : (dl >>> 0) < (sl >>> 0);
    switch (cc) {
      case 2: return ult;
      case 3: return !ult;
      case 6: return ult || eq;
      case 7: return !ult && !eq;
      case 12: return slt;
      case 13: return !slt;
      case 14: return slt || eq;
      case 15: return !slt && !eq;
    }
  }
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(c) !== 0; break;
    case 1: r = getCF(c) !== 0; break;
    case 2: r = getZF(c) !== 0; break;
    case 3: r = (getCF(c) | getZF(c)) !== 0; break;
    case 4: r = getSF(c) !== 0; break;
    case 5: r = getPF(c) !== 0; break;
    case 6: r = getSF(c) !== getOF(c); break;
    default: r = getZF(c) !== 0 || getSF(c) !== getOF(c); break;
  }
  return (cc & 1) !== 0 ? !r : r;
}
