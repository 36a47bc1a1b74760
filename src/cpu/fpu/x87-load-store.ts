/**
 * x87 loads and stores: every memory format (m32/m64/m80 floats, m16/m32/m64
 * integers, packed BCD) with their conversions and exceptions, the
 * constants, FST/FXCH/FFREE on registers, and the DB, DD and DF escapes.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { ea } from '../exec/operands.js';
import { copySt, FSW, type Fpu, getStRaw, INDEFINITE, isEmpty, isNaNOp, loadF64Operand, loadStOperand, opA, opB, OpKind, type Operand, phys, pop, pushSlot, raise, setSt, setStRaw, Tag, underflow } from './fpu.js';
import { bigIntToF80, f80ToBigInt, f80ToBytes, f80FromBytes, type F80, f64Bits } from './float80.js';
import { fcomRegs, fpuRegMisc } from './x87-arith.js';
import { begin, bytes10, fpuEnter, note, pushRaw, pushValue, t80 } from './x87.js';

/** FLD of a converted m32/m64 operand: IE for a signaling NaN (quieted), DE for a denormal. */
export function pushConverted(f: Fpu, o: Operand): void {
  if (o.kind === OpKind.SNAN && raise(f, FSW.IE)) return;
  if (o.kind === OpKind.DENORMAL && raise(f, FSW.DE)) return;
  if (isNaNOp(o)) { if (pushSlot(f)) setStRaw(f, 0, o.se, (o.hi | 0x40000000) >>> 0, o.lo); return; }
  pushValue(f, o.v);
}

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

export function pushConstant(f: Fpu, k: number): void {
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
export function storeM32(c: Cpu, f: Fpu, la: number): boolean {
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

/** FXCH ST(i) (D9 C8+i and the DD C8 / DF C8 aliases): empty operands become the indefinite when IE is masked. */
export function fxch(f: Fpu, r: number): void {
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
export function storeSt(f: Fpu, r: number, popAfter: boolean): void {
  if (isEmpty(f, 0)) { if (underflow(f)) return; setSt(f, r, NaN); }
  else copySt(f, r, 0);
  f.sw &= ~FSW.C1;
  if (popAfter) pop(f);
}

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

