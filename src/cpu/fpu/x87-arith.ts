/**
 * x87 arithmetic and compares: FADD FSUB FSUBR FMUL FDIV FDIVR in every
 * form (D8, DC, DA, DE), FCOM/FUCOM/FCOMI/FUCOMI and their popping forms,
 * FCMOVcc, and the exact rounding errors that give PE and C1.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { cond, setArithFlags } from '../flags.js';
import { F } from '../state.js';
import { copySt, FSW, type Fpu, isEmpty, isNaNOp, loadStOperand, opA, opB, OpKind, type Operand, pop, propagateNaN, raise, setSt, underflow } from './fpu.js';
import { MEM_LEN, begin, fpuEnter, invalid, loadMemOperand, note, setCc, sourcesPresent } from './x87.js';

// ---- arithmetic -------------------------------------------------------------

/**
 * ST(dst) = a op b: op 0 add, 1 mul, 4 sub (a - b), 5 subr (b - a), 6 div
 * (a / b), 7 divr (b / a). Returns false when an unmasked exception left the
 * destination alone (a following pop must not happen).
 */
function arith(f: Fpu, op: number, a: Operand, b: Operand, dst: number): boolean {
  if (isNaNOp(a) || isNaNOp(b)) return propagateNaN(f, a, b, dst);
  if (a.kind === OpKind.UNSUPPORTED || b.kind === OpKind.UNSUPPORTED) return invalid(f, dst);
  const x = a.v, y = b.v;
  let r: number;
  switch (op) {
    case 0: r = x + y; break;
    case 1: r = x * y; break;
    case 4: r = x - y; break;
    case 5: r = y - x; break;
    case 6: r = x / y; break;
    default: r = y / x;
  }
  if (r !== r) return invalid(f, dst); // inf - inf, 0 * inf, 0 / 0, inf / inf
  if ((a.kind === OpKind.DENORMAL || b.kind === OpKind.DENORMAL) && raise(f, FSW.DE)) return false;
  const divisor = op === 6 ? y : op === 7 ? x : 1;
  if (divisor === 0 && raise(f, FSW.ZE)) return false;
  if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y) && divisor !== 0 && raise(f, FSW.OE | FSW.PE)) return false;
  roundingFlags(f, Number.isFinite(r) ? roundingError(op, x, y, r) : 0, r);
  setSt(f, dst, r);
  return true;
}

/**
 * PE and C1 (rounded up in magnitude) from the sign of exact - r (0: exact).
 * Exact for results rounded to 53 bits (precision control = double); with
 * extended precision the hardware may find exact what a double cannot hold.
 */
export function roundingFlags(f: Fpu, err: number, r: number): void {
  f.sw &= ~FSW.C1;
  if (err === 0 || err !== err) return;
  if ((r > 0 && err < 0) || (r < 0 && err > 0)) f.sw |= FSW.C1;
  raise(f, FSW.PE);
}

/** Veltkamp's split of a double into two 26-bit halves (for the exact product error). */
const SPLITTER = 134217729; // 2^27 + 1
let splitHi = 0, splitLo = 0;
function split(a: number): void {
  const t = SPLITTER * a;
  splitHi = t - (t - a);
  splitLo = a - splitHi;
}

/** a * b - p exactly, for p = fl(a * b) (Dekker; NaN when the split overflows). */
function productError(a: number, b: number, p: number): number {
  if (Math.abs(a) > 1e300 || Math.abs(b) > 1e300) return NaN;
  split(a); const ah = splitHi, al = splitLo;
  split(b); const bh = splitHi, bl = splitLo;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** The sign (and roughly the size) of exact - r for r = fl(x op y) (ops as in arith; 8: sqrt of x). */
export function roundingError(op: number, x: number, y: number, r: number): number {
  switch (op) {
    case 0: case 4: case 5: {
      const a = op === 5 ? -x : x, b = op === 0 ? y : op === 4 ? -y : y;
      const bb = r - a;
      return (a - (r - bb)) + (b - bb); // Knuth's TwoSum
    }
    case 1: return productError(x, y, r);
    case 6: case 7: {
      const n = op === 6 ? x : y, d = op === 6 ? y : x;
      if (!Number.isFinite(d) || d === 0) return 0;
      const p = r * d, e = productError(r, d, p);
      return ((n - p) - e) * Math.sign(d);
    }
    default: {
      const p = r * r, e = productError(r, r, p);
      return (x - p) - e;
    }
  }
}

/**
 * Compare a with b: the C3/C2/C0 pattern (0 greater, C0 less, C3 equal, all
 * three unordered), or -1 when an unmasked invalid operation stops it.
 * `quiet` (FUCOM*) raises IE only for signaling NaNs.
 */
export function compare(f: Fpu, a: Operand, b: Operand, quiet: boolean): number {
  const nan = isNaNOp(a) || isNaNOp(b);
  const bad = a.kind === OpKind.UNSUPPORTED || b.kind === OpKind.UNSUPPORTED;
  if (nan || bad) {
    const sn = a.kind === OpKind.SNAN || b.kind === OpKind.SNAN;
    if ((!quiet || sn || bad) && raise(f, FSW.IE)) return -1;
    return FSW.C3 | FSW.C2 | FSW.C0;
  }
  if ((a.kind === OpKind.DENORMAL || b.kind === OpKind.DENORMAL) && raise(f, FSW.DE)) return -1;
  return a.v > b.v ? 0 : a.v < b.v ? FSW.C0 : FSW.C3;
}

/** FCOMI/FUCOMI: the result in ZF, PF, CF (OF, SF, AF cleared). */
function setEflagsFromCc(c: Cpu, cc: number): void {
  setArithFlags(c, ((cc & FSW.C3) !== 0 ? F.ZF : 0) | ((cc & FSW.C2) !== 0 ? F.PF : 0) | ((cc & FSW.C0) !== 0 ? F.CF : 0));
}

export const UNORDERED = FSW.C3 | FSW.C2 | FSW.C0;

/** D8: FADD FMUL FCOM FCOMP FSUB FSUBR FDIV FDIVR with m32fp or ST(i); DC: m64fp or ST(i) as destination; DA/DE: m32int/m16int. */
export function fpuArith(c: Cpu, i: Insn): void {
  const op = i.sub, o = i.opc;
  if (i.mod === 3) {
    const f = fpuEnter(c, true);
    note(c, i, f, 0);
    const r = i.modrm & 7;
    if (o === 0xd8) {
      if (op === 2 || op === 3) { fcomRegs(c, f, r, false, op === 3 ? 1 : 0); return; }
      if (!sourcesPresent(f, 0, r, 0)) return;
      loadStOperand(f, 0, opA); loadStOperand(f, r, opB);
      arith(f, op, opA, opB, 0);
      return;
    }
    // DC / DE register forms: ST(i) = ST(i) op ST(0), with the SUB/SUBR and DIV/DIVR encodings swapped.
    // DC D0/D8: FCOM/FCOMP aliases; DE D0: FCOMP alias; DE D9: FCOMPP
    if (op === 2 || op === 3) { fcomRegs(c, f, r, false, o === 0xde ? op - 1 : op - 2); return; }
    if (!sourcesPresent(f, r, 0, r)) return;
    loadStOperand(f, r, opA); loadStOperand(f, 0, opB);
    const swapped = op >= 4 ? op ^ 1 : op;
    if (arith(f, swapped, opA, opB, r) && o === 0xde) pop(f);
    return;
  }
  const kind = o === 0xd8 ? 0 : o === 0xda ? 1 : o === 0xdc ? 2 : 3;
  const la = begin(c, i, MEM_LEN[kind]!, 0);
  const f = c.fpu;
  loadMemOperand(c, la, kind, opB);
  if (isEmpty(f, 0)) { if (op !== 2 && op !== 3) { if (!underflow(f)) setSt(f, 0, NaN); } else compareEmpty(f, op === 3); return; }
  loadStOperand(f, 0, opA);
  if (op === 2 || op === 3) {
    const cc = compare(f, opA, opB, false);
    if (cc < 0) return;
    setCc(f, cc);
    if (op === 3) pop(f);
    return;
  }
  arith(f, op, opA, opB, 0);
}

/** FCOM/FCOMP ST(i) and FCOMPP (pops: 0, 1 or 2). */
export function fcomRegs(c: Cpu, f: Fpu, r: number, quiet: boolean, pops: number): void {
  if (isEmpty(f, 0) || isEmpty(f, r)) { compareEmpty(f, pops > 0, pops); return; }
  loadStOperand(f, 0, opA); loadStOperand(f, r, opB);
  const cc = compare(f, opA, opB, quiet);
  if (cc < 0) return;
  setCc(f, cc);
  for (let k = 0; k < pops; k++) pop(f);
  void c;
}

/** A compare with an empty operand: IE|SF; masked, the result is unordered (and the pops happen). */
function compareEmpty(f: Fpu, popping: boolean, pops = popping ? 1 : 0): boolean {
  if (underflow(f)) return false;
  setCc(f, UNORDERED);
  for (let k = 0; k < pops; k++) pop(f);
  return true;
}

// ---- DA / DB / DE / DF register forms: FCMOVcc, FCOMI, FUCOMI, FUCOMPP ----

/** DA C0-DF: FCMOVB/E/BE/U; DB C0-DF: FCMOVNB/NE/NBE/NU; DA E9: FUCOMPP; DB/DF E8-F7: FUCOMI(P)/FCOMI(P). */
export function fpuRegMisc(c: Cpu, i: Insn): void {
  const f = fpuEnter(c, true);
  note(c, i, f, 0);
  const r = i.modrm & 7, op = i.sub, o = i.opc;
  if (op <= 3) { // FCMOVcc
    const cc = [2, 4, 6, 0xa][op]! ^ (o === 0xdb ? 1 : 0);
    if (isEmpty(f, 0) || isEmpty(f, r)) { if (!underflow(f)) setSt(f, 0, NaN); return; }
    f.sw &= ~FSW.C1;
    if (cond(c, cc)) copySt(f, 0, r);
    return;
  }
  if (o === 0xda) { fcomRegs(c, f, 1, true, 2); return; } // DA E9 FUCOMPP
  // FUCOMI (5) / FCOMI (6), DF: and pop
  const quiet = op === 5;
  const popAfter = o === 0xdf;
  if (isEmpty(f, 0) || isEmpty(f, r)) {
    if (underflow(f)) return;
    setEflagsFromCc(c, UNORDERED);
    if (popAfter) pop(f);
    return;
  }
  loadStOperand(f, 0, opA); loadStOperand(f, r, opB);
  const cc = compare(f, opA, opB, quiet);
  if (cc < 0) return;
  f.sw &= ~FSW.C1;
  setEflagsFromCc(c, cc);
  if (popAfter) pop(f);
}
