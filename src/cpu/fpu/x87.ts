/**
 * x87 instructions (D8-DF, FWAIT): arithmetic, compares, loads and stores,
 * constants, and the stack and control instructions. Environment and
 * state images (FSTENV/FLDENV, FSAVE/FRSTOR, FXSAVE/FXRSTOR) are in
 * x87-env.ts. One handler per opcode byte; `i.sub` is ModRM.reg.
 *
 * Every instruction first takes the CR0 checks (#NM for EM or TS) and,
 * unless it is a no-wait control instruction, #MF for a pending unmasked
 * exception (we raise #MF whether CR0.NE is set or not: the NE = 0
 * external-interrupt path is not modelled).
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { cond, setArithFlags } from '../flags.js';
import { CodeSize, CR0, F, Seg } from '../state.js';
import { ea, fault } from '../exec/operands.js';
import {
  copySt, FSW, FSW_CC, type Fpu, getStRaw, INDEFINITE, isEmpty, isNaNOp, loadF32Operand, loadF64Operand,
  loadStOperand, opA, opB, OpKind, type Operand, phys, pop, propagateNaN, pushSlot, raise, setSt, setStRaw, Tag, underflow,
} from './fpu.js';
import { bigIntToF80, classifyF80, F80Class, f80ToBigInt, f80ToBytes, f80FromBytes, type F80, f64Bits, ldexp } from './float80.js';

// ---- entry checks and the last-instruction pointers ------------------------

/** #NM when CR0.EM or CR0.TS; #MF for a pending unmasked exception (waiting forms). */
export function fpuEnter(c: Cpu, waiting: boolean): Fpu {
  if ((c.s.cr0 & (CR0.EM | CR0.TS)) !== 0) fault(c, Vec.NM);
  const f = c.fpu;
  if (waiting && (f.sw & FSW.ES) !== 0) fault(c, Vec.MF);
  return f;
}

/**
 * Record the last-instruction pointers of a non-control instruction, as a
 * current Intel CPU does (CPUID.7.EBX advertises both behaviours): FIP
 * always (an offset, or the linear address in real and virtual-8086 mode);
 * FOP and FDP only when the instruction raises an unmasked exception
 * (Fpu.pendingFop/pendingFdp, committed by raise()); FCS and FDS are
 * deprecated and kept 0.
 */
function note(c: Cpu, i: Insn, f: Fpu, la: number): void {
  const real = (c.s.cr0 & CR0.PE) === 0 || (c.s.flags & F.VM) !== 0;
  const ip = c.s.rip - i.len;
  f.fip = real ? (c.s.segBase[Seg.CS]! + ip) >>> 0 : ip;
  f.pendingFop = ((i.opc & 7) << 8) | (i.modrm & 0xff);
  if (i.mod !== 3) {
    const base = c.s.codeSize === CodeSize.Bits64 && i.seg < Seg.FS ? 0 : c.s.segBase[i.seg]!;
    f.pendingFdp = real ? la : c.s.codeSize === CodeSize.Bits64 ? la - base : (la - base) >>> 0;
  } else f.pendingFdp = f.fdp;
}

/** A waiting instruction: the checks, then the pointers; returns the memory operand's linear address (or 0). */
function begin(c: Cpu, i: Insn, len: number, write: number): number {
  const f = fpuEnter(c, true);
  const la = i.mod === 3 ? 0 : ea(c, i, len, write);
  note(c, i, f, la);
  return la;
}

// ---- memory operands ------------------------------------------------------

function loadMemOperand(c: Cpu, la: number, kind: number, o: Operand): void {
  // kind: 0 m32fp, 1 m32int, 2 m64fp, 3 m16int
  switch (kind) {
    case 0: loadF32Operand(c.m.read32(la), o); return;
    case 1: o.kind = OpKind.NUM; o.v = c.m.read32(la); return;
    case 2: { const lo = c.m.read32(la), hi = c.m.read32(la + 4); loadF64Operand(lo, hi, o); return; }
    default: o.kind = OpKind.NUM; o.v = (c.m.read16(la) << 16) >> 16;
  }
}
const MEM_LEN = [4, 4, 8, 2] as const;

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
function roundingFlags(f: Fpu, err: number, r: number): void {
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

/** Masked invalid operation: the indefinite; unmasked: nothing stored (returns false). */
function invalid(f: Fpu, dst: number): boolean {
  if (raise(f, FSW.IE)) return false;
  setSt(f, dst, NaN);
  return true;
}

/** Both register sources present, else stack underflow (masked: the indefinite in dst). */
function sourcesPresent(f: Fpu, a: number, b: number, dst: number): boolean {
  if (!isEmpty(f, a) && !isEmpty(f, b)) return true;
  if (!underflow(f)) setSt(f, dst, NaN);
  return false;
}

/**
 * Compare a with b: the C3/C2/C0 pattern (0 greater, C0 less, C3 equal, all
 * three unordered), or -1 when an unmasked invalid operation stops it.
 * `quiet` (FUCOM*) raises IE only for signaling NaNs.
 */
function compare(f: Fpu, a: Operand, b: Operand, quiet: boolean): number {
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

function setCc(f: Fpu, cc: number): void {
  f.sw = (f.sw & ~FSW_CC) | cc;
}

/** FCOMI/FUCOMI: the result in ZF, PF, CF (OF, SF, AF cleared). */
function setEflagsFromCc(c: Cpu, cc: number): void {
  setArithFlags(c, ((cc & FSW.C3) !== 0 ? F.ZF : 0) | ((cc & FSW.C2) !== 0 ? F.PF : 0) | ((cc & FSW.C0) !== 0 ? F.CF : 0));
}

const UNORDERED = FSW.C3 | FSW.C2 | FSW.C0;

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
function fcomRegs(c: Cpu, f: Fpu, r: number, quiet: boolean, pops: number): void {
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

// ---- loads --------------------------------------------------------------------

/** Push a double (SNaN sources were dealt with by the caller). */
function pushValue(f: Fpu, x: number): void {
  if (pushSlot(f)) setSt(f, 0, x);
}

function pushRaw(f: Fpu, v: F80): void {
  if (pushSlot(f)) setStRaw(f, 0, v.se, v.hi, v.lo);
}

/** FLD of a converted m32/m64 operand: IE for a signaling NaN (quieted), DE for a denormal. */
function pushConverted(f: Fpu, o: Operand): void {
  if (o.kind === OpKind.SNAN && raise(f, FSW.IE)) return;
  if (o.kind === OpKind.DENORMAL && raise(f, FSW.DE)) return;
  if (isNaNOp(o)) { if (pushSlot(f)) setStRaw(f, 0, o.se, (o.hi | 0x40000000) >>> 0, o.lo); return; }
  pushValue(f, o.v);
}

const t80: F80 = { se: 0, hi: 0, lo: 0 };
const bytes10 = new Uint8Array(10);

function readM80(c: Cpu, la: number, out: F80): void {
  for (let k = 0; k < 10; k++) bytes10[k] = c.m.read8(la + k);
  f80FromBytes(bytes10, 0, out);
}

function writeM80(c: Cpu, la: number, v: F80): void {
  c.m.probeWrite(la, 10);
  f80ToBytes(v, bytes10, 0);
  for (let k = 0; k < 10; k++) c.m.write8(la + k, bytes10[k]!);
}

// The constants as the x87 holds them (64-bit significands, rounded to nearest),
// with the rounding-control adjustments the hardware applies.
const CONSTS: readonly [number, number, number][] = [
  [0x3fff, 0x80000000, 0], // 1
  [0x4000, 0xd49a784b, 0xcd1b8afe], // log2(10)
  [0x3fff, 0xb8aa3b29, 0x5c17f0bc], // log2(e)
  [0x4000, 0xc90fdaa2, 0x2168c235], // pi
  [0x3ffd, 0x9a209a84, 0xfbcff799], // log10(2)
  [0x3ffe, 0xb17217f7, 0xd1cf79ac], // ln(2)
];

function pushConstant(f: Fpu, k: number): void {
  if (k === 6) { pushValue(f, 0); return; }
  const [se, hi, lo] = CONSTS[k]!;
  let l = lo;
  const rc = f.rc;
  // log2(10) rounds up under RC=up; log2(e), pi, log10(2), ln(2) round down under RC=down or chop.
  if (k === 1 && rc === 2) l += 1;
  else if (k >= 2 && (rc === 1 || rc === 3)) l -= 1;
  t80.se = se; t80.hi = hi; t80.lo = l >>> 0;
  pushRaw(f, t80);
}

// ---- stores -------------------------------------------------------------------

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/**
 * ST(0) for a store: false (nothing stored) when empty and IE is unmasked;
 * `indefinite` tells the caller to store the format's indefinite.
 */
let indefinite = false;
function storeSource(f: Fpu): boolean {
  indefinite = false;
  if (isEmpty(f, 0)) {
    if (underflow(f)) return false;
    indefinite = true;
    return true;
  }
  loadStOperand(f, 0, opA);
  if (opA.kind === OpKind.UNSUPPORTED) {
    if (raise(f, FSW.IE)) return false;
    indefinite = true;
  }
  return true;
}

/** FST/FSTP m32fp: returns false when an unmasked exception stopped it. */
function storeM32(c: Cpu, f: Fpu, la: number): boolean {
  if (!storeSource(f)) return false;
  f.sw &= ~FSW.C1;
  let bits: number;
  if (indefinite) bits = 0xffc00000;
  else if (isNaNOp(opA)) {
    if (opA.kind === OpKind.SNAN && raise(f, FSW.IE)) return false;
    bits = ((opA.se & 0x8000) << 16) | 0x7fc00000 | ((opA.hi >>> 8) & 0x3fffff);
  } else {
    const x = opA.v;
    const r = Math.fround(x);
    if (!Number.isFinite(r) && Number.isFinite(x)) { if (raise(f, FSW.OE | FSW.PE)) return false; }
    else if (r !== x || rawInexact(f)) {
      f.sw = Math.abs(r) > Math.abs(x) ? f.sw | FSW.C1 : f.sw & ~FSW.C1;
      // tiny and inexact: underflow (masked: the denormal or zero is stored)
      if (Math.abs(x) < 2 ** -126 && raise(f, FSW.UE | FSW.PE)) return false;
      raise(f, FSW.PE); // a precision exception stores the rounded result
    } else f.sw &= ~FSW.C1;
    f32buf[0] = r;
    bits = u32buf[0]!;
  }
  c.m.write32(la, bits);
  return true;
}

/** ST(0) held more bits than the double it is stored from (an m80 value). */
function rawInexact(f: Fpu): boolean {
  return f.rawOk[phys(f, 0)] !== 0;
}

function storeM64(c: Cpu, f: Fpu, la: number): boolean {
  if (!storeSource(f)) return false;
  f.sw &= ~FSW.C1;
  let b: bigint;
  if (indefinite) b = 0xfff8000000000000n;
  else if (isNaNOp(opA)) {
    if (opA.kind === OpKind.SNAN && raise(f, FSW.IE)) return false;
    b = (BigInt(opA.se >>> 15) << 63n) | (0x7ffn << 52n) | 0x8000000000000n | ((BigInt(opA.hi >>> 0) << 32n | BigInt(opA.lo >>> 0)) >> 11n) & 0xfffffffffffffn;
  } else {
    const x = opA.v;
    if (!Number.isFinite(x) && rawInexact(f)) { if (raise(f, FSW.OE | FSW.PE)) return false; } // beyond the double range
    else if (rawInexact(f)) {
      f.sw &= ~FSW.C1;
      if (Math.abs(x) < 2 ** -1022 && raise(f, FSW.UE | FSW.PE)) return false;
      raise(f, FSW.PE);
    }
    b = f64Bits(x);
  }
  c.m.probeWrite(la, 8);
  c.m.write32(la, Number(b & 0xffffffffn));
  c.m.write32(la + 4, Number(b >> 32n));
  return true;
}

/** FIST/FISTP m16/m32/m64 (bytes 2, 4, 8) with the rounding control. */
function storeInt(c: Cpu, f: Fpu, la: number, bytes: number): boolean {
  if (!storeSource(f)) return false;
  const bits = bytes * 8;
  const min = -(1n << BigInt(bits - 1)), max = (1n << BigInt(bits - 1)) - 1n;
  let v = min; // the integer indefinite
  if (!indefinite && !isNaNOp(opA) && Number.isFinite(opA.v)) {
    getStRaw(f, 0, t80);
    const r = f80ToBigInt(t80.se, t80.hi, t80.lo, f.rc);
    if (r.v < min || r.v > max) { if (raise(f, FSW.IE)) return false; }
    else {
      v = r.v;
      if (r.inexact) {
        const t = BigInt(Math.trunc(opA.v));
        const up = (v < 0n ? -v : v) > (t < 0n ? -t : t); // rounded away from zero
        f.sw = up ? f.sw | FSW.C1 : f.sw & ~FSW.C1;
        raise(f, FSW.PE);
      } else f.sw &= ~FSW.C1;
    }
  } else if (raise(f, FSW.IE)) return false;
  c.m.probeWrite(la, bytes);
  const u = BigInt.asUintN(bits, v);
  if (bytes === 2) c.m.write16(la, Number(u));
  else { c.m.write32(la, Number(u & 0xffffffffn)); if (bytes === 8) c.m.write32(la + 4, Number(u >> 32n)); }
  return true;
}

/** FBSTP m80bcd: 18 BCD digits and the sign byte. */
function storeBcd(c: Cpu, f: Fpu, la: number): boolean {
  if (!storeSource(f)) return false;
  const out = bytes10;
  let ok = !indefinite && !isNaNOp(opA) && Number.isFinite(opA.v);
  let v = 0n;
  if (ok) {
    getStRaw(f, 0, t80);
    const r = f80ToBigInt(t80.se, t80.hi, t80.lo, f.rc);
    v = r.v;
    if (v <= -(10n ** 18n) || v >= 10n ** 18n) ok = false;
    else if (r.inexact) raise(f, FSW.PE);
  }
  if (!ok) {
    if (raise(f, FSW.IE)) return false;
    out.fill(0); out[7] = 0xc0; out[8] = 0xff; out[9] = 0xff; // the packed BCD indefinite
  } else {
    const neg = v < 0n || (v === 0n && (opA.se & 0x8000) !== 0);
    let a = v < 0n ? -v : v;
    for (let k = 0; k < 9; k++) { const d0 = Number(a % 10n); a /= 10n; const d1 = Number(a % 10n); a /= 10n; out[k] = d0 | (d1 << 4); }
    out[9] = neg ? 0x80 : 0;
  }
  c.m.probeWrite(la, 10);
  for (let k = 0; k < 10; k++) c.m.write8(la + k, out[k]!);
  return true;
}

function loadBcd(c: Cpu, la: number): bigint {
  let v = 0n;
  for (let k = 8; k >= 0; k--) {
    const b = c.m.read8(la + k);
    v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
  }
  return (c.m.read8(la + 9) & 0x80) !== 0 ? -v : v;
}

// ---- D9 --------------------------------------------------------------------------

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

/** FXCH ST(i) (D9 C8+i and the DD C8 / DF C8 aliases): empty operands become the indefinite when IE is masked. */
function fxch(f: Fpu, r: number): void {
  if (isEmpty(f, 0) || isEmpty(f, r)) {
    if (underflow(f)) return;
    if (isEmpty(f, 0)) setSt(f, 0, NaN);
    if (isEmpty(f, r)) setSt(f, r, NaN);
  }
  const a = phys(f, 0), b = phys(f, r);
  swap(f.val, a, b); swap(f.tag, a, b); swap(f.rawOk, a, b); swap(f.rawSe, a, b); swap(f.rawHi, a, b); swap(f.rawLo, a, b);
  f.sw &= ~FSW.C1;
}
function swap(x: Float64Array | Uint8Array | Int32Array, a: number, b: number): void {
  const t = x[a]!; x[a] = x[b]!; x[b] = t;
}

/** FST/FSTP ST(i) (DD D0/D8, D9 D8 and DF D0/D8 aliases). */
function storeSt(f: Fpu, r: number, popAfter: boolean): void {
  if (isEmpty(f, 0)) { if (underflow(f)) return; setSt(f, r, NaN); }
  else copySt(f, r, 0);
  f.sw &= ~FSW.C1;
  if (popAfter) pop(f);
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

/** FLDCW/FLDENV/FRSTOR: ES (and B) follow the unmasked pending exceptions. */
export function recomputeSummary(f: Fpu): void {
  if ((f.sw & ~f.cw & FCW_MASK) !== 0) f.sw |= FSW.ES | FSW.B;
  else f.sw &= ~(FSW.ES | FSW.B);
}
const FCW_MASK = 0x3f;

// ---- DB ---------------------------------------------------------------------------

export function fpuDB(c: Cpu, i: Insn): void {
  const op = i.sub;
  if (i.mod === 3) {
    if (op <= 3 || op === 5 || op === 6) { fpuRegMisc(c, i); return; }
    const r = i.modrm & 7;
    const f = fpuEnter(c, false);
    if (op === 4) {
      if (r === 2) f.sw &= ~(0xff | FSW.B); // FNCLEX
      else if (r === 3) f.init(); // FNINIT
      // E0 FENI, E1 FDISI, E4 FSETPM: no-ops since the 387
    }
    return;
  }
  switch (op) {
    case 0: { const la = begin(c, i, 4, 0); const f = c.fpu; pushValue(f, c.m.read32(la)); return; }
    case 2: case 3: { const la = begin(c, i, 4, 1); const f = c.fpu; if (storeInt(c, f, la, 4) && op === 3) pop(f); return; }
    case 5: { const la = begin(c, i, 10, 0); const f = c.fpu; readM80(c, la, t80); pushRaw(f, t80); return; }
    case 7: {
      const la = begin(c, i, 10, 1);
      const f = c.fpu;
      if (isEmpty(f, 0)) { if (underflow(f)) return; t80.se = INDEFINITE.se; t80.hi = INDEFINITE.hi; t80.lo = INDEFINITE.lo; }
      else getStRaw(f, 0, t80);
      writeM80(c, la, t80);
      f.sw &= ~FSW.C1;
      pop(f);
      return;
    }
  }
}

// ---- DD ---------------------------------------------------------------------------

export function fpuDD(c: Cpu, i: Insn): void {
  const op = i.sub;
  if (i.mod === 3) {
    const f = fpuEnter(c, true);
    note(c, i, f, 0);
    const r = i.modrm & 7;
    switch (op) {
      case 0: f.tag[phys(f, r)] = Tag.EMPTY; f.rawOk[phys(f, r)] = 0; return; // FFREE
      case 1: fxch(f, r); return; // FXCH4 alias
      case 2: storeSt(f, r, false); return;
      case 3: storeSt(f, r, true); return;
      case 4: case 5: fcomRegs(c, f, r, true, op - 4); return; // FUCOM, FUCOMP
    }
    return;
  }
  switch (op) {
    case 0: { const la = begin(c, i, 8, 0); const f = c.fpu; loadF64Operand(c.m.read32(la), c.m.read32(la + 4), opB); pushConverted(f, opB); return; }
    case 2: case 3: { const la = begin(c, i, 8, 1); const f = c.fpu; if (storeM64(c, f, la) && op === 3) pop(f); return; }
    case 7: { // FNSTSW m16
      const f = fpuEnter(c, false);
      c.m.write16(ea(c, i, 2, 1), f.status());
      return;
    }
  }
}


// ---- DF ---------------------------------------------------------------------------

export function fpuDF(c: Cpu, i: Insn): void {
  const op = i.sub;
  if (i.mod === 3) {
    if (op === 4) { // FNSTSW AX (DF E0)
      const f = fpuEnter(c, false);
      c.lo[0] = (c.lo[0]! & ~0xffff) | f.status();
      return;
    }
    if (op === 5 || op === 6) { fpuRegMisc(c, i); return; }
    const f = fpuEnter(c, true);
    note(c, i, f, 0);
    const r = i.modrm & 7;
    if (op === 0) { f.tag[phys(f, r)] = Tag.EMPTY; f.rawOk[phys(f, r)] = 0; pop(f); return; } // FFREEP
    if (op === 1) { fxch(f, r); return; }
    storeSt(f, r, true); // DF D0/D8: FSTP aliases
    return;
  }
  switch (op) {
    case 0: { const la = begin(c, i, 2, 0); const f = c.fpu; pushValue(f, (c.m.read16(la) << 16) >> 16); return; }
    case 2: case 3: { const la = begin(c, i, 2, 1); const f = c.fpu; if (storeInt(c, f, la, 2) && op === 3) pop(f); return; }
    case 4: { const la = begin(c, i, 10, 0); const f = c.fpu; bigIntToF80(loadBcd(c, la), t80); pushRaw(f, t80); return; }
    case 5: {
      const la = begin(c, i, 8, 0);
      const f = c.fpu;
      const v = BigInt.asIntN(64, (BigInt(c.m.read32(la + 4) >>> 0) << 32n) | BigInt(c.m.read32(la) >>> 0));
      bigIntToF80(v, t80);
      pushRaw(f, t80);
      return;
    }
    case 6: { const la = begin(c, i, 10, 1); const f = c.fpu; if (storeBcd(c, f, la)) pop(f); return; }
    case 7: { const la = begin(c, i, 8, 1); const f = c.fpu; if (storeInt(c, f, la, 8)) pop(f); return; }
  }
}

/** FWAIT (9B): #NM only with CR0.MP and TS; #MF for a pending unmasked exception. */
export function fwait(c: Cpu): void {
  const cr0 = c.s.cr0;
  if ((cr0 & (CR0.MP | CR0.TS)) === (CR0.MP | CR0.TS)) fault(c, Vec.NM);
  if ((c.fpu.sw & FSW.ES) !== 0) fault(c, Vec.MF);
}
