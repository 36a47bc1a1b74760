/**
 * MUL, IMUL (one-, two- and three-operand forms, products up to 128 bits),
 * DIV, IDIV (with #DE on a zero divisor or an overflowing quotient).
 * Flags profile: CF = OF = "the high half is significant"; SF, ZF, PF from
 * the low half of the result; AF = 0. DIV/IDIV leave the flags unchanged.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { PARITY, setArithFlags } from '../flags.js';
import { Vec } from '../exceptions.js';
import { F } from '../state.js';
import { fault, getReg, readRm, setReg } from './operands.js';
import { muls32, muls64, mulu32, mulu64, out } from './int64.js';

const SIGN = [0x80, 0x8000, 0x80000000 | 0] as const;

function mulFlags(c: Cpu, sz: number, low: number, lowHi: number, over: boolean): void {
  const sf = sz === 3 ? lowHi < 0 : (low & SIGN[sz]!) !== 0;
  const zf = sz === 3 ? (low | lowHi) === 0 : (low & (sz === 0 ? 0xff : sz === 1 ? 0xffff : -1)) === 0;
  setArithFlags(c, (over ? F.CF | F.OF : 0) | (sf ? F.SF : 0) | (zf ? F.ZF : 0) | PARITY[low & 0xff]!);
}

/** MUL r/m (F6/F7 /4): unsigned, into AX, DX:AX, EDX:EAX or RDX:RAX. */
export function mul(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const b = readRm(c, i, sz), bh = c.m.hi;
  switch (sz) {
    case 0: { const r = (c.lo[0]! & 0xff) * b; setReg(c, 1, 0, r, 0); mulFlags(c, 0, r, 0, (r & 0xff00) !== 0); return; }
    case 1: { const r = (c.lo[0]! & 0xffff) * b; setReg(c, 1, 0, r, 0); setReg(c, 1, 2, r >>> 16, 0); mulFlags(c, 1, r, 0, (r >>> 16) !== 0); return; }
    case 2: { const l = mulu32(c.lo[0]!, b); const h = out.hi; setReg(c, 2, 0, l, 0); setReg(c, 2, 2, h, 0); mulFlags(c, 2, l, 0, h !== 0); return; }
    default: {
      const l = mulu64(c.lo[0]!, c.hi[0]!, b, bh);
      const lh = out.hi, hl = out.lo2, hh = out.hi2;
      c.lo[0] = l; c.hi[0] = lh; c.lo[2] = hl; c.hi[2] = hh;
      mulFlags(c, 3, l, lh, (hl | hh) !== 0);
    }
  }
}

/** IMUL r/m (F6/F7 /5): signed, one operand. */
export function imul1(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const b = readRm(c, i, sz), bh = c.m.hi;
  switch (sz) {
    case 0: { const r = ((c.lo[0]! << 24) >> 24) * ((b << 24) >> 24); setReg(c, 1, 0, r, 0); mulFlags(c, 0, r, 0, r !== ((r << 24) >> 24)); return; }
    case 1: { const r = ((c.lo[0]! << 16) >> 16) * ((b << 16) >> 16); setReg(c, 1, 0, r, 0); setReg(c, 1, 2, r >> 16, 0); mulFlags(c, 1, r, 0, r !== ((r << 16) >> 16)); return; }
    case 2: { const l = muls32(c.lo[0]!, b); const h = out.hi; setReg(c, 2, 0, l, 0); setReg(c, 2, 2, h, 0); mulFlags(c, 2, l, 0, h !== (l >> 31)); return; }
    default: {
      const l = muls64(c.lo[0]!, c.hi[0]!, b, bh);
      const lh = out.hi, hl = out.lo2, hh = out.hi2;
      c.lo[0] = l; c.hi[0] = lh; c.lo[2] = hl; c.hi[2] = hh;
      const s = lh >> 31;
      mulFlags(c, 3, l, lh, hl !== s || hh !== s);
    }
  }
}

/** IMUL reg, r/m (0F AF) and IMUL reg, r/m, imm (69/6B: sub = 1). */
export function imul2(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const a = readRm(c, i, sz), ah = c.m.hi;
  let b: number, bh: number;
  if (i.sub === 1) { b = i.imm; bh = i.imm >> 31; } else { b = getReg(c, sz, i.reg); bh = c.hi[i.reg]!; }
  switch (sz) {
    case 1: { const r = ((a << 16) >> 16) * ((b << 16) >> 16); setReg(c, 1, i.reg, r, 0); mulFlags(c, 1, r, 0, r !== ((r << 16) >> 16)); return; }
    case 2: { const l = muls32(a, b); const h = out.hi; setReg(c, 2, i.reg, l, 0); mulFlags(c, 2, l, 0, h !== (l >> 31)); return; }
    default: {
      const l = muls64(a, ah, b, bh);
      const lh = out.hi, hl = out.lo2, hh = out.hi2;
      c.lo[i.reg] = l; c.hi[i.reg] = lh;
      const s = lh >> 31;
      mulFlags(c, 3, l, lh, hl !== s || hh !== s);
    }
  }
}

/** Unsigned (hi:lo) / d for hi < d < 2^32: quotient returned, remainder in out.hi. */
function divu64by32(hi: number, lo: number, d: number): number {
  const t1 = (hi >>> 0) * 65536 + (lo >>> 16);
  const q1 = Math.floor(t1 / d);
  const r1 = t1 - q1 * d;
  const t2 = r1 * 65536 + (lo & 0xffff);
  const q2 = Math.floor(t2 / d);
  out.hi = t2 - q2 * d;
  return q1 * 65536 + q2;
}

/** DIV r/m (F6/F7 /6). */
export function div(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const d = readRm(c, i, sz), dh = c.m.hi;
  switch (sz) {
    case 0: {
      if (d === 0) fault(c, Vec.DE);
      const n = c.lo[0]! & 0xffff;
      const q = Math.floor(n / d);
      if (q > 0xff) fault(c, Vec.DE);
      setReg(c, 1, 0, ((n - q * d) << 8) | q, 0);
      return;
    }
    case 1: {
      if (d === 0) fault(c, Vec.DE);
      const n = (c.lo[2]! & 0xffff) * 65536 + (c.lo[0]! & 0xffff);
      const q = Math.floor(n / d);
      if (q > 0xffff) fault(c, Vec.DE);
      setReg(c, 1, 0, q, 0); setReg(c, 1, 2, n - q * d, 0);
      return;
    }
    case 2: {
      const du = d >>> 0;
      if (du === 0 || (c.lo[2]! >>> 0) >= du) fault(c, Vec.DE);
      const q = divu64by32(c.lo[2]!, c.lo[0]!, du);
      setReg(c, 2, 0, q | 0, 0); setReg(c, 2, 2, out.hi | 0, 0);
      return;
    }
    default: {
      const dv = (BigInt(dh >>> 0) << 32n) | BigInt(d >>> 0);
      if (dv === 0n) fault(c, Vec.DE);
      const n = (u64(c.hi[2]!, c.lo[2]!) << 64n) | u64(c.hi[0]!, c.lo[0]!);
      const q = n / dv;
      if (q >> 64n !== 0n) fault(c, Vec.DE);
      put64(c, 0, q); put64(c, 2, n % dv);
    }
  }
}

/** IDIV r/m (F6/F7 /7): quotient truncated toward zero, remainder takes the dividend's sign. */
export function idiv(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const d0 = readRm(c, i, sz), dh = c.m.hi;
  switch (sz) {
    case 0: {
      const d = (d0 << 24) >> 24;
      if (d === 0) fault(c, Vec.DE);
      const n = (c.lo[0]! << 16) >> 16;
      const q = Math.trunc(n / d);
      if (q > 127 || q < -128) fault(c, Vec.DE);
      setReg(c, 1, 0, (((n - q * d) & 0xff) << 8) | (q & 0xff), 0);
      return;
    }
    case 1: {
      const d = (d0 << 16) >> 16;
      if (d === 0) fault(c, Vec.DE);
      const n = ((c.lo[2]! << 16) | (c.lo[0]! & 0xffff));
      const q = Math.trunc(n / d);
      if (q > 32767 || q < -32768) fault(c, Vec.DE);
      setReg(c, 1, 0, q, 0); setReg(c, 1, 2, n - q * d, 0);
      return;
    }
    case 2: {
      if (d0 === 0) fault(c, Vec.DE);
      const n = (BigInt(c.lo[2]!) << 32n) | BigInt(c.lo[0]! >>> 0);
      const q = n / BigInt(d0);
      if (q > 0x7fffffffn || q < -0x80000000n) fault(c, Vec.DE);
      setReg(c, 2, 0, Number(q) | 0, 0); setReg(c, 2, 2, Number(n % BigInt(d0)) | 0, 0);
      return;
    }
    default: {
      const dv = BigInt.asIntN(64, (BigInt(dh >>> 0) << 32n) | BigInt(d0 >>> 0));
      if (dv === 0n) fault(c, Vec.DE);
      const n = BigInt.asIntN(128, (u64(c.hi[2]!, c.lo[2]!) << 64n) | u64(c.hi[0]!, c.lo[0]!));
      const q = n / dv;
      if (q > 0x7fffffffffffffffn || q < -0x8000000000000000n) fault(c, Vec.DE);
      put64(c, 0, q); put64(c, 2, n % dv);
    }
  }
}

// 64-bit division is rare and slow on hardware too; it uses BigInt (off the common path).
function u64(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
function put64(c: Cpu, r: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  c.lo[r] = Number(u & 0xffffffffn) | 0;
  c.hi[r] = Number(u >> 32n) | 0;
}
