/**
 * The D9 escape: FLD/FST m32, FLDCW/FNSTCW, the register-stack operations,
 * FCHS FABS FTST FXAM, the constants, and the functions (FSQRT FRNDINT
 * FSCALE FXTRACT FPREM FPREM1 and the transcendentals through `Math`).
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { ea } from '../exec/operands.js';
import { copySt, FSW, FSW_CC, type Fpu, getStRaw, isEmpty, isNaNOp, loadF32Operand, loadStOperand, opA, opB, OpKind, phys, pop, propagateNaN, pushSlot, raise, setSt, setStRaw, underflow } from './fpu.js';
import { bigIntToF80, classifyF80, F80Class, f80ToBigInt, f64Bits, ldexp } from './float80.js';
import { UNORDERED, compare, roundingError, roundingFlags } from './x87-arith.js';
import { fxch, pushConstant, pushConverted, storeM32, storeSt } from './x87-load-store.js';
import { begin, fpuEnter, invalid, note, pushRaw, pushValue, recomputeSummary, setCc, sourcesPresent, t80 } from './x87.js';

export function fpuD9(c: Cpu, i: Insn): void {
  const op = i.sub;
  if (i.mod !== 3) {
    switch (op) {
      case 0: { const la = begin(c, i, 4, 0); const f = c.fpu; loadF32Operand(c.m.read32(la), opB); pushConverted(f, opB); return; }
      case 2: case 3: { const la = begin(c, i, 4, 1); const f = c.fpu; if (storeM32(c, f, la) && op === 3) pop(f); return; }
      case 5: { // FLDCW
        const f = fpuEnter(c, false);
        f.cw = (c.m.read16(ea(c, i, 2, 0)) & 0x1f3f) | 0x40;
        recomputeSummary(f);
        return;
      }
      case 7: { // FNSTCW
        const f = fpuEnter(c, false);
        c.m.write16(ea(c, i, 2, 1), f.cw);
        return;
      }
    }
    return; // 4, 6: FLDENV/FNSTENV are bound to x87-env.ts
  }
  const f = fpuEnter(c, true);
  const r = i.modrm & 7;
  note(c, i, f, 0);
  switch (op) {
    case 0: { // FLD ST(i)
      if (isEmpty(f, r)) { if (!underflow(f) && pushSlot(f)) setSt(f, 0, NaN); return; }
      if (pushSlot(f)) copySt(f, 0, r + 1);
      return;
    }
    case 1: fxch(f, r); return;
    case 2: return; // FNOP (D9 D0)
    case 3: { // FSTP1 alias (D9 D8+i)
      storeSt(f, r, true);
      return;
    }
    case 4: d9e0(f, r); return;
    case 5: if (r === 7) return; pushConstant(f, r); return;
    case 6: d9f0(f, r); return;
    default: d9f8(f, r);
  }
}

/** FCHS FABS FTST FXAM (D9 E0-E5). */
function d9e0(f: Fpu, r: number): void {
  if (r === 5) { fxam(f); return; }
  if (isEmpty(f, 0)) { if (!underflow(f)) { if (r === 4) setCc(f, UNORDERED); else setSt(f, 0, NaN); } return; }
  if (r === 0 || r === 1) {
    const p = phys(f, 0);
    f.sw &= ~FSW.C1;
    if (f.rawOk[p] !== 0) {
      const se = r === 0 ? f.rawSe[p]! ^ 0x8000 : f.rawSe[p]! & 0x7fff;
      setStRaw(f, 0, se, f.rawHi[p]! >>> 0, f.rawLo[p]! >>> 0);
    } else setSt(f, 0, r === 0 ? -f.val[p]! : Math.abs(f.val[p]!));
    return;
  }
  if (r === 4) { // FTST
    loadStOperand(f, 0, opA);
    opB.kind = OpKind.NUM; opB.v = 0;
    const cc = compare(f, opA, opB, false);
    if (cc >= 0) setCc(f, cc);
  }
}

function fxam(f: Fpu): void {
  getStRaw(f, 0, t80);
  const sign = (t80.se & 0x8000) !== 0 ? FSW.C1 : 0;
  let cc: number;
  if (isEmpty(f, 0)) cc = FSW.C3 | FSW.C0;
  else {
    switch (classifyF80(t80.se, t80.hi, t80.lo)) {
      case F80Class.NAN: cc = FSW.C0; break;
      case F80Class.NORMAL: cc = FSW.C2; break;
      case F80Class.INF: cc = FSW.C2 | FSW.C0; break;
      case F80Class.ZERO: cc = FSW.C3; break;
      case F80Class.DENORMAL: cc = FSW.C3 | FSW.C2; break;
      default: cc = 0; // unsupported
    }
  }
  setCc(f, cc | sign);
}

/** F2XM1 FYL2X FPTAN FPATAN FXTRACT FPREM1 FDECSTP FINCSTP (D9 F0-F7). */
function d9f0(f: Fpu, r: number): void {
  if (r === 6 || r === 7) { f.top = (f.top + (r === 6 ? -1 : 1)) & 7; f.sw &= ~FSW.C1; return; }
  if (r === 5) { fprem(f, true); return; }
  if (r === 0) { unary(f, (x) => Math.expm1(x * Math.LN2), (x) => Math.abs(x) <= 1); return; }
  if (r === 2) { // FPTAN: ST(0) = tan(ST(0)), push 1
    if (isEmpty(f, 0)) { if (!underflow(f)) setSt(f, 0, NaN); return; }
    const x = f.val[phys(f, 0)]!;
    if (Math.abs(x) >= 2 ** 63 && Number.isFinite(x)) { f.sw |= FSW.C2; return; }
    if (!unary(f, Math.tan, Number.isFinite)) return;
    f.sw &= ~FSW.C2;
    pushValue(f, 1);
    return;
  }
  if (r === 4) { fxtract(f); return; }
  // FYL2X (1): ST(1) = ST(1) * log2(ST(0)); FPATAN (3): ST(1) = atan2(ST(1), ST(0)); pop
  if (!sourcesPresent(f, 0, 1, 1)) { return; }
  loadStOperand(f, 0, opA); loadStOperand(f, 1, opB);
  if (isNaNOp(opA) || isNaNOp(opB)) { if (propagateNaN(f, opA, opB, 1)) pop(f); return; }
  const x = opA.v, y = opB.v;
  let v: number;
  if (r === 1) {
    if (x < 0 || (x === 0 && y === 0) || (x === 1 && !Number.isFinite(y))) { if (invalid(f, 1)) pop(f); return; }
    if (x === 0 && raise(f, FSW.ZE)) return;
    v = y * Math.log2(x);
  } else v = Math.atan2(y, x);
  setSt(f, 1, v);
  pop(f);
}

/** FPREM FYL2XP1 FSQRT FSINCOS FRNDINT FSCALE FSIN FCOS (D9 F8-FF). */
function d9f8(f: Fpu, r: number): void {
  switch (r) {
    case 0: fprem(f, false); return;
    case 1: { // FYL2XP1
      if (!sourcesPresent(f, 0, 1, 1)) return;
      loadStOperand(f, 0, opA); loadStOperand(f, 1, opB);
      if (isNaNOp(opA) || isNaNOp(opB)) { if (propagateNaN(f, opA, opB, 1)) pop(f); return; }
      setSt(f, 1, opB.v * Math.log1p(opA.v) / Math.LN2);
      pop(f);
      return;
    }
    case 2: // FSQRT
      if (unary(f, Math.sqrt, (x) => x >= 0 || Object.is(x, -0))) {
        const r = f.val[phys(f, 0)]!;
        if (Number.isFinite(r) && r > 0) roundingFlags(f, roundingError(8, opA.v, 0, r), r); // opA: the operand unary() loaded
      }
      return;
    case 3: { // FSINCOS: ST(0) = sin, push cos
      if (isEmpty(f, 0)) { if (!underflow(f)) setSt(f, 0, NaN); return; }
      const x = f.val[phys(f, 0)]!;
      if (Math.abs(x) >= 2 ** 63 && Number.isFinite(x)) { f.sw |= FSW.C2; return; }
      if (!unary(f, Math.sin, Number.isFinite)) return;
      f.sw &= ~FSW.C2;
      pushValue(f, Math.cos(x));
      return;
    }
    case 4: frndint(f); return;
    case 5: fscale(f); return;
    default: { // FSIN, FCOS
      if (!isEmpty(f, 0)) {
        const x = f.val[phys(f, 0)]!;
        if (Math.abs(x) >= 2 ** 63 && Number.isFinite(x)) { f.sw |= FSW.C2; return; }
      }
      if (unary(f, r === 6 ? Math.sin : Math.cos, Number.isFinite)) f.sw &= ~FSW.C2;
    }
  }
}

/** ST(0) = fn(ST(0)); `valid` says which operands are in the domain (IE otherwise). Returns false when nothing was stored. */
function unary(f: Fpu, fn: (x: number) => number, valid: (x: number) => boolean): boolean {
  if (isEmpty(f, 0)) { if (!underflow(f)) setSt(f, 0, NaN); return false; }
  loadStOperand(f, 0, opA);
  if (isNaNOp(opA)) return propagateNaN(f, opA, null, 0);
  if (opA.kind === OpKind.UNSUPPORTED || !valid(opA.v)) return invalid(f, 0);
  if (opA.kind === OpKind.DENORMAL && raise(f, FSW.DE)) return false;
  f.sw &= ~FSW.C1;
  setSt(f, 0, fn(opA.v));
  return true;
}

/** Round to an integer by the rounding control. */
function roundRc(x: number, rc: number): number {
  switch (rc) {
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    case 3: return Math.trunc(x);
    default: {
      const fl = Math.floor(x), d = x - fl;
      const r = d > 0.5 ? fl + 1 : d < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
      return r === 0 && x < 0 ? -0 : r;
    }
  }
}

function frndint(f: Fpu): void {
  if (isEmpty(f, 0)) { if (!underflow(f)) setSt(f, 0, NaN); return; }
  const p = phys(f, 0);
  if (f.rawOk[p] !== 0 && Number.isFinite(f.val[p]!)) {
    getStRaw(f, 0, t80);
    const r = f80ToBigInt(t80.se, t80.hi, t80.lo, f.rc);
    f.sw &= ~FSW.C1;
    if (r.inexact) { raise(f, FSW.PE); if ((r.v < 0n ? -r.v : r.v) > BigInt(Math.trunc(Math.abs(f.val[p]!)))) f.sw |= FSW.C1; }
    bigIntToF80(r.v, t80);
    if (r.v === 0n && (f.rawSe[p]! & 0x8000) !== 0) t80.se |= 0x8000;
    setStRaw(f, 0, t80.se, t80.hi, t80.lo);
    return;
  }
  const x = f.val[p]!;
  unary(f, (v) => {
    const r = Number.isFinite(v) ? roundRc(v, f.rc) : v;
    if (r !== v) { raise(f, FSW.PE); if (Math.abs(r) > Math.abs(v)) f.sw |= FSW.C1; }
    return r;
  }, () => true);
  void x;
}

function fscale(f: Fpu): void {
  if (!sourcesPresent(f, 0, 1, 0)) return;
  loadStOperand(f, 0, opA); loadStOperand(f, 1, opB);
  if (isNaNOp(opA) || isNaNOp(opB)) { propagateNaN(f, opA, opB, 0); return; }
  const x = opA.v, y = opB.v;
  let r: number;
  if (!Number.isFinite(y)) {
    if ((x === 0 && y > 0) || (!Number.isFinite(x) && y < 0)) { invalid(f, 0); return; }
    r = y > 0 ? (x === 0 ? x : x * Infinity) : (Number.isFinite(x) ? x * 0 : x);
  } else {
    const n = Math.trunc(y);
    r = ldexp(x, Math.max(-40000, Math.min(40000, n)));
  }
  f.sw &= ~FSW.C1;
  setSt(f, 0, r);
}

function fxtract(f: Fpu): void {
  if (isEmpty(f, 0)) { if (!underflow(f)) { setSt(f, 0, NaN); if (pushSlot(f)) setSt(f, 0, NaN); } return; }
  loadStOperand(f, 0, opA);
  if (isNaNOp(opA)) { if (propagateNaN(f, opA, null, 0)) { copySlotPush(f); } return; }
  const x = opA.v;
  if (x === 0) {
    if (raise(f, FSW.ZE)) return;
    setSt(f, 0, -Infinity);
    pushValue(f, x);
    return;
  }
  if (!Number.isFinite(x)) { setSt(f, 0, Infinity); pushValue(f, x); return; }
  getStRaw(f, 0, t80);
  const e = (t80.se & 0x7fff) - 16383;
  setSt(f, 0, e);
  t80.se = (t80.se & 0x8000) | 16383;
  pushRaw(f, t80);
}

function copySlotPush(f: Fpu): void {
  getStRaw(f, 0, t80);
  pushRaw(f, t80);
}

/**
 * FPREM (truncating) / FPREM1 (IEEE, round to nearest): the partial
 * remainder. With an exponent difference of 64 or more one step reduces
 * ST(0) by a multiple of ST(1) * 2^(D - 32) and sets C2 (incomplete).
 */
function fprem(f: Fpu, ieee: boolean): void {
  if (!sourcesPresent(f, 0, 1, 0)) return;
  loadStOperand(f, 0, opA); loadStOperand(f, 1, opB);
  if (isNaNOp(opA) || isNaNOp(opB)) { propagateNaN(f, opA, opB, 0); return; }
  const x = opA.v, y = opB.v;
  if (!Number.isFinite(x) || y === 0 || opA.kind === OpKind.UNSUPPORTED || opB.kind === OpKind.UNSUPPORTED) { invalid(f, 0); return; }
  if (!Number.isFinite(y) || x === 0) { f.sw &= ~(FSW.C0 | FSW.C1 | FSW.C2 | FSW.C3); setSt(f, 0, x); return; }
  const ex = expOf(x), ey = expOf(y);
  const d = ex - ey;
  if (d >= 64) {
    const m = ldexp(Math.abs(y), d - 32);
    setSt(f, 0, x % m);
    f.sw = (f.sw & ~(FSW.C0 | FSW.C1 | FSW.C3)) | FSW.C2;
    return;
  }
  let r = x % y; // exact
  const ay = Math.abs(y);
  // The quotient's low three bits: the remainder modulo 8|y| minus the final remainder, in units of |y|.
  let q = Math.round((Math.abs(x % (8 * ay)) - Math.abs(r)) / ay) & 7;
  if (ieee) {
    const ar = Math.abs(r);
    if (ar > ay / 2 || (ar === ay / 2 && (q & 1) === 1)) { r = r > 0 ? r - ay : r + ay; q = (q + 1) & 7; }
  }
  if (r === 0) r = x < 0 ? -0 : 0;
  f.sw = (f.sw & ~FSW_CC) | ((q & 4) !== 0 ? FSW.C0 : 0) | ((q & 2) !== 0 ? FSW.C3 : 0) | ((q & 1) !== 0 ? FSW.C1 : 0);
  setSt(f, 0, r);
}

/** The unbiased binary exponent of a finite non-zero double. */
function expOf(x: number): number {
  const b = f64Bits(x);
  const e = Number((b >> 52n) & 0x7ffn);
  if (e !== 0) return e - 1023;
  return (b & 0xfffffffffffffn).toString(2).length - 1075;
}

