/**
 * x87 FPU state and the operations every x87 instruction shares: the
 * register stack with its tags, the status and control words, exception
 * flags, stack overflow/underflow, and NaN handling.
 *
 * Values are doubles (float64): arithmetic is float64 arithmetic (see
 * README.md, "x87"). A register whose value a double cannot hold exactly (a
 * NaN's sign and payload, an m80 value with more than 53 significant bits or
 * outside the double's exponent range, an unsupported 80-bit encoding) also
 * keeps its exact 80-bit image (`rawOk`), so loads and stores of m80,
 * FSAVE/FRSTOR and FXSAVE/FXRSTOR round-trip it bit for bit; any arithmetic
 * result replaces it with a plain double. NaN registers always carry their
 * image (JavaScript does not preserve NaN payloads through arithmetic).
 */
import { classifyF80, F80Class, f64ToF80, f80ToF64, type F80 } from './float80.js';

/** Status word bits (TOP lives in Fpu.top, not in sw). */
export const FSW = {
  IE: 1, DE: 2, ZE: 4, OE: 8, UE: 16, PE: 32, SF: 64, ES: 128,
  C0: 0x100, C1: 0x200, C2: 0x400, C3: 0x4000, B: 0x8000,
} as const;
export const FSW_CC = FSW.C0 | FSW.C1 | FSW.C2 | FSW.C3;
/** Control word: exception masks (bits 0-5), precision control (8-9), rounding control (10-11). */
export const FCW_MASKS = 0x3f;

/** Tag values (the full 2-bit tags of FSTENV/FSAVE). */
export const Tag = { VALID: 0, ZERO: 1, SPECIAL: 2, EMPTY: 3 } as const;

/** The negative quiet NaN the x87 produces for a masked invalid operation. */
export const INDEFINITE: Readonly<F80> = { se: 0xffff, hi: 0xc0000000, lo: 0 };

export class Fpu {
  /** Physical registers R0-R7 (ST(i) is R((top + i) & 7)). */
  readonly val = new Float64Array(8);
  readonly tag = new Uint8Array(8).fill(Tag.EMPTY);
  /** Exact 80-bit images, valid where rawOk is 1 (see the file comment). */
  readonly rawSe = new Int32Array(8);
  readonly rawHi = new Int32Array(8);
  readonly rawLo = new Int32Array(8);
  readonly rawOk = new Uint8Array(8);
  top = 0;
  /** Control word; the power-on value (FNINIT sets 0x37f). */
  cw = 0x40;
  /** Status word without TOP. */
  sw = 0;
  /** Last x87 instruction and data pointers and opcode (FSTENV, FSAVE, FXSAVE). */
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;
  /** FOP and FDP of the running instruction, committed to fop/fdp only if it raises an unmasked exception. */
  pendingFop = 0;
  pendingFdp = 0;
  /** SSE state carried by FXSAVE/FXRSTOR (no SSE arithmetic yet): MXCSR and XMM0-15 as bytes. */
  mxcsr = 0x1f80;
  readonly xmm = new Uint8Array(16 * 16);
  /** The same XMM bytes as dwords (sse/sse-move.ts). */
  readonly xmm32 = new Int32Array(this.xmm.buffer);

  /** FNINIT. */
  init(): void {
    this.cw = 0x37f; this.sw = 0; this.top = 0;
    this.tag.fill(Tag.EMPTY); this.rawOk.fill(0);
    this.fip = 0; this.fcs = 0; this.fop = 0; this.fdp = 0; this.fds = 0;
  }

  /** Processor reset: FNINIT state with the power-on control word, MXCSR and XMM cleared. */
  reset(): void {
    this.init();
    this.cw = 0x40;
    this.val.fill(0);
    this.mxcsr = 0x1f80;
    this.xmm.fill(0);
  }

  /** Status word as FNSTSW stores it. */
  status(): number {
    return (this.sw & ~(7 << 11)) | (this.top << 11);
  }

  setStatus(v: number): void {
    this.top = (v >> 11) & 7;
    this.sw = v & 0xc7ff;
  }

  /** The full tag word (2 bits per physical register). */
  tagWord(): number {
    let t = 0;
    for (let r = 0; r < 8; r++) t |= this.tag[r]! << (2 * r);
    return t;
  }

  /** Rounding control: 0 nearest, 1 down, 2 up, 3 toward zero. */
  get rc(): number { return (this.cw >> 10) & 3; }
}

export const phys = (f: Fpu, i: number): number => (f.top + i) & 7;
export const isEmpty = (f: Fpu, i: number): boolean => f.tag[(f.top + i) & 7] === Tag.EMPTY;

function tagOf(x: number): number {
  if (x === 0) return Tag.ZERO;
  if (!Number.isFinite(x)) return Tag.SPECIAL;
  return Tag.VALID;
}

/**
 * Record exception flags; returns true when one of them is unmasked (then
 * ES and B are set and #MF is raised by the next waiting x87 instruction).
 */
export function raise(f: Fpu, flags: number): boolean {
  f.sw |= flags;
  if ((flags & ~f.cw & FCW_MASKS) === 0) return false;
  f.sw |= FSW.ES | FSW.B;
  f.fop = f.pendingFop;
  f.fdp = f.pendingFdp;
  return true;
}

/** Write a double to ST(i) (a NaN becomes the indefinite: only invalid operations make NaNs in arithmetic). */
export function setSt(f: Fpu, i: number, x: number): void {
  const p = (f.top + i) & 7;
  if (x !== x) { setStRaw(f, i, INDEFINITE.se, INDEFINITE.hi, INDEFINITE.lo); return; }
  f.val[p] = x;
  f.tag[p] = tagOf(x);
  f.rawOk[p] = 0;
}

/** Write an exact 80-bit image to ST(i). */
export function setStRaw(f: Fpu, i: number, se: number, hi: number, lo: number): void {
  const p = (f.top + i) & 7;
  f.val[p] = f80ToF64(se, hi, lo);
  f.rawSe[p] = se; f.rawHi[p] = hi | 0; f.rawLo[p] = lo | 0;
  const cls = classifyF80(se, hi, lo);
  f.tag[p] = cls === F80Class.ZERO ? Tag.ZERO : cls === F80Class.NORMAL ? Tag.VALID : Tag.SPECIAL;
  if (cls === F80Class.NAN || cls === F80Class.UNSUPPORTED) { f.rawOk[p] = 1; return; }
  // A double holds the value exactly when converting back gives the same image.
  f64ToF80(f.val[p]!, tmp80);
  f.rawOk[p] = tmp80.se === se && tmp80.hi === hi >>> 0 && tmp80.lo === lo >>> 0 ? 0 : 1;
}
const tmp80: F80 = { se: 0, hi: 0, lo: 0 };

/** The exact 80-bit image of ST(i). */
export function getStRaw(f: Fpu, i: number, out: F80): void {
  const p = (f.top + i) & 7;
  if (f.rawOk[p] !== 0) { out.se = f.rawSe[p]!; out.hi = f.rawHi[p]! >>> 0; out.lo = f.rawLo[p]! >>> 0; return; }
  f64ToF80(f.val[p]!, out);
}

/** Copy ST(from) to ST(to), image included (FLD ST(i), FST ST(i), FXCH). */
export function copySt(f: Fpu, to: number, from: number): void {
  const a = (f.top + from) & 7, b = (f.top + to) & 7;
  f.val[b] = f.val[a]!; f.tag[b] = f.tag[a]!;
  f.rawOk[b] = f.rawOk[a]!; f.rawSe[b] = f.rawSe[a]!; f.rawHi[b] = f.rawHi[a]!; f.rawLo[b] = f.rawLo[a]!;
}

/**
 * Make room for a push: false (and nothing changes) on an unmasked stack
 * overflow; a masked overflow pushes the indefinite, which the caller
 * must then not overwrite (returns false too, after the push).
 */
export function pushSlot(f: Fpu): boolean {
  const p = (f.top - 1) & 7;
  if (f.tag[p] !== Tag.EMPTY) {
    f.sw |= FSW.C1;
    if (raise(f, FSW.IE | FSW.SF)) return false;
    f.top = p;
    setStRaw(f, 0, INDEFINITE.se, INDEFINITE.hi, INDEFINITE.lo);
    return false;
  }
  f.sw &= ~FSW.C1;
  f.top = p;
  return true;
}

export function pop(f: Fpu): void {
  f.tag[f.top] = Tag.EMPTY;
  f.rawOk[f.top] = 0;
  f.top = (f.top + 1) & 7;
}

/**
 * Stack underflow on reading an empty register: IE|SF with C1 = 0. Returns
 * true when the exception is unmasked (the instruction stores nothing).
 */
export function underflow(f: Fpu): boolean {
  f.sw &= ~FSW.C1;
  return raise(f, FSW.IE | FSW.SF);
}

// ---- operands -----------------------------------------------------------

/**
 * A source operand: its double, and for NaNs and unsupported encodings the
 * 80-bit image (NaN propagation needs sign and payload). Preallocated,
 * two of them (the x87 has at most two sources).
 */
export class Operand {
  v = 0;
  /** 0 ordinary, 1 quiet NaN, 2 signaling NaN, 3 unsupported encoding, 4 denormal source */
  kind = 0;
  se = 0;
  hi = 0;
  lo = 0;
}
export const OpKind = { NUM: 0, QNAN: 1, SNAN: 2, UNSUPPORTED: 3, DENORMAL: 4 } as const;
export const opA = new Operand();
export const opB = new Operand();

export function loadStOperand(f: Fpu, i: number, o: Operand): void {
  const p = (f.top + i) & 7;
  o.v = f.val[p]!;
  o.kind = OpKind.NUM;
  if (f.rawOk[p] === 0) return;
  o.se = f.rawSe[p]!; o.hi = f.rawHi[p]! >>> 0; o.lo = f.rawLo[p]! >>> 0;
  const cls = classifyF80(o.se, o.hi, o.lo);
  if (cls === F80Class.NAN) o.kind = (o.hi & 0x40000000) !== 0 ? OpKind.QNAN : OpKind.SNAN;
  else if (cls === F80Class.UNSUPPORTED) o.kind = OpKind.UNSUPPORTED;
  else if (cls === F80Class.DENORMAL) o.kind = OpKind.DENORMAL;
}

/** A float32 memory operand from its bits. */
export function loadF32Operand(bits: number, o: Operand): void {
  const e = (bits >>> 23) & 0xff, m = bits & 0x7fffff;
  o.kind = OpKind.NUM;
  if (e === 0xff && m !== 0) {
    o.kind = (m & 0x400000) !== 0 ? OpKind.QNAN : OpKind.SNAN;
    o.se = ((bits >>> 31) << 15) | 0x7fff; o.hi = (0x80000000 | (m << 8)) >>> 0; o.lo = 0;
    o.v = NaN;
    return;
  }
  f32v[0] = 0; u32v[0] = bits >>> 0;
  o.v = f32v[0]!;
  if (e === 0 && m !== 0) o.kind = OpKind.DENORMAL;
}
const u32v = new Uint32Array(1);
const f32v = new Float32Array(u32v.buffer);

/** A float64 memory operand from its two halves. */
export function loadF64Operand(lo: number, hi: number, o: Operand): void {
  const e = (hi >>> 20) & 0x7ff;
  const mz = (hi & 0xfffff) === 0 && lo === 0;
  o.kind = OpKind.NUM;
  if (e === 0x7ff && !mz) {
    o.kind = (hi & 0x80000) !== 0 ? OpKind.QNAN : OpKind.SNAN;
    o.se = ((hi >>> 31) << 15) | 0x7fff;
    o.hi = (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0;
    o.lo = (lo << 11) >>> 0;
    o.v = NaN;
    return;
  }
  u32x2[0] = lo >>> 0; u32x2[1] = hi >>> 0;
  o.v = f64x[0]!;
  if (e === 0 && !mz) o.kind = OpKind.DENORMAL;
}
const u32x2 = new Uint32Array(2);
const f64x = new Float64Array(u32x2.buffer);

/**
 * The NaN result of an operation on `a` and (when two) `b` that has a NaN
 * operand: the quieted NaN (the one with the larger significand when both
 * are NaNs). Raises IE for a signaling NaN; returns false when that is
 * unmasked (nothing stored).
 */
export function propagateNaN(f: Fpu, a: Operand, b: Operand | null, dst: number): boolean {
  const an = a.kind === OpKind.QNAN || a.kind === OpKind.SNAN;
  const bn = b !== null && (b.kind === OpKind.QNAN || b.kind === OpKind.SNAN);
  if ((a.kind === OpKind.SNAN || (b !== null && b.kind === OpKind.SNAN)) && raise(f, FSW.IE)) return false;
  let n = a;
  if (bn && (!an || b!.hi > a.hi || (b!.hi === a.hi && b!.lo > a.lo))) n = b!;
  setStRaw(f, dst, n.se, (n.hi | 0x40000000) >>> 0, n.lo);
  return true;
}

export const isNaNOp = (o: Operand): boolean => o.kind === OpKind.QNAN || o.kind === OpKind.SNAN;
