/**
 * BMI1 and BMI2 (VEX-encoded general-purpose instructions): ANDN, BEXTR,
 * BLSI, BLSMSK, BLSR, BZHI, PDEP, PEXT, MULX, RORX, SARX, SHLX, SHRX.
 * Operands: reg = ModRM.reg, the r/m operand, and i.vvvv (VEX.vvvv).
 * Flags profile for undefined flags: AF = 0, PF from the result (as the LOGIC
 * lazy kind computes it).
 */
import type { Cpu } from '../cpu.js';
import { type Insn, Rep } from '../decoder/insn.js';
import { K, materialize, PARITY, setArithFlags, setLazy, setLazy64 } from '../flags.js';
import { F } from '../state.js';
import { readRm, setReg } from './operands.js';
import { mulu32, mulu64, out, sar64, shl64, shr64 } from './int64.js';

const is64 = (i: Insn): boolean => i.osz === 3;

/** Flags from a result with CF and OF given: SF ZF PF from the value, AF = 0. */
function resultFlags(c: Cpu, lo: number, hi: number, wide: boolean, cf: number, zfOverride = -1): void {
  const zf = zfOverride >= 0 ? zfOverride : (wide ? (lo | hi) === 0 : lo === 0) ? 1 : 0;
  const sf = wide ? hi < 0 : lo < 0;
  setArithFlags(c, (cf & 1) | PARITY[lo & 0xff]! | (zf ? F.ZF : 0) | (sf ? F.SF : 0));
}

/** ANDN reg, vvvv, r/m: ~vvvv & src. */
export function andn(c: Cpu, i: Insn): void {
  const s = readRm(c, i, i.osz), sh = c.m.hi;
  const lo = ~c.lo[i.vvvv]! & s;
  if (is64(i)) { const hi = ~c.hi[i.vvvv]! & sh; setReg(c, 3, i.reg, lo, hi); setLazy64(c, K.LOGIC, 0, 0, 0, 0, lo, hi); }
  else { setReg(c, 2, i.reg, lo, 0); setLazy(c, K.LOGIC, 2, 0, 0, lo); }
}

/** BLSR/BLSMSK/BLSI vvvv, r/m (VEX 0F38 F3 /1 /2 /3). */
export function blsGroup(c: Cpu, i: Insn): void {
  const r = (i.modrm >> 3) & 7;
  const wide = is64(i);
  const s = readRm(c, i, i.osz), sh = wide ? c.m.hi : 0;
  // s - 1 and -s on the (lo, hi) pair.
  const mLo = (s - 1) | 0, mHi = wide ? (s === 0 ? (sh - 1) | 0 : sh) : 0;
  const nLo = (-s) | 0, nHi = wide ? (s === 0 ? (-sh) | 0 : ~sh) : 0;
  const zero = wide ? (s | sh) === 0 : s === 0;
  let lo: number, hi: number;
  if (r === 1) { lo = mLo & s; hi = mHi & sh; }
  else if (r === 2) { lo = mLo ^ s; hi = mHi ^ sh; }
  else { lo = nLo & s; hi = nHi & sh; }
  setReg(c, wide ? 3 : 2, i.vvvv, lo, hi);
  // BLSR, BLSMSK: CF = source was zero. BLSI: CF = source was not zero. BLSMSK clears ZF.
  const cf = r === 3 ? (zero ? 0 : 1) : zero ? 1 : 0;
  resultFlags(c, lo, hi, wide, cf, r === 2 ? 0 : -1);
}

/** BZHI reg, r/m, vvvv: zero the bits from index vvvv[7:0] up. */
export function bzhi(c: Cpu, i: Insn): void {
  const wide = is64(i);
  const bits = wide ? 64 : 32;
  const s = readRm(c, i, i.osz), sh = wide ? c.m.hi : 0;
  const n = c.lo[i.vvvv]! & 0xff;
  let lo = s, hi = sh;
  if (n < bits) {
    if (n < 32) { lo = n === 0 ? 0 : s & (-1 >>> (32 - n)); hi = 0; }
    else hi = n === 32 ? 0 : sh & (-1 >>> (64 - n));
  }
  setReg(c, wide ? 3 : 2, i.reg, lo, hi);
  resultFlags(c, lo, hi, wide, n >= bits ? 1 : 0);
}

/** BEXTR reg, r/m, vvvv: extract vvvv[15:8] bits starting at vvvv[7:0]. */
export function bextr(c: Cpu, i: Insn): void {
  const wide = is64(i);
  const bits = wide ? 64 : 32;
  const s = readRm(c, i, i.osz), sh = wide ? c.m.hi : 0;
  const ctl = c.lo[i.vvvv]!;
  const start = ctl & 0xff, len = (ctl >> 8) & 0xff;
  let lo = 0, hi = 0;
  if (start < bits && len > 0) {
    lo = shr64(s, sh, start); hi = out.hi;
    if (len < 64) {
      if (len < 32) { lo &= -1 >>> (32 - len); hi = 0; } else hi &= len === 32 ? 0 : -1 >>> (64 - len);
    }
    if (!wide) hi = 0;
  }
  setReg(c, wide ? 3 : 2, i.reg, lo, hi);
  resultFlags(c, lo, hi, wide, 0);
}

/** SHLX/SARX/SHRX reg, r/m, vvvv (pp 66/F3/F2): no flags. */
export function shiftX(c: Cpu, i: Insn): void {
  const wide = is64(i);
  const s = readRm(c, i, i.osz), sh = wide ? c.m.hi : 0;
  const n = c.lo[i.vvvv]! & (wide ? 63 : 31);
  const kind = i.p66 ? 0 : i.rep === 3 ? 1 : 2; // SHLX, SARX, SHRX
  if (wide) {
    const lo = kind === 0 ? shl64(s, sh, n) : kind === 1 ? sar64(s, sh, n) : shr64(s, sh, n);
    setReg(c, 3, i.reg, lo, out.hi);
  } else setReg(c, 2, i.reg, kind === 0 ? s << n : kind === 1 ? s >> n : s >>> n, 0);
}

/** RORX reg, r/m, imm8: no flags. */
export function rorx(c: Cpu, i: Insn): void {
  const wide = is64(i);
  const s = readRm(c, i, i.osz), sh = wide ? c.m.hi : 0;
  const n = i.imm & (wide ? 63 : 31);
  if (!wide) { setReg(c, 2, i.reg, n === 0 ? s : (s >>> n) | (s << (32 - n)), 0); return; }
  if (n === 0) { setReg(c, 3, i.reg, s, sh); return; }
  const l1 = shr64(s, sh, n), h1 = out.hi;
  const l2 = shl64(s, sh, 64 - n), h2 = out.hi;
  setReg(c, 3, i.reg, l1 | l2, h1 | h2);
}

/** PDEP (F2) / PEXT (F3) reg, vvvv, r/m: deposit or extract under the mask r/m. */
export function pdepPext(c: Cpu, i: Insn): void {
  const wide = is64(i);
  const bits = wide ? 64 : 32;
  const mLo = readRm(c, i, i.osz), mHi = wide ? c.m.hi : 0;
  const sLo = c.lo[i.vvvv]!, sHi = wide ? c.hi[i.vvvv]! : 0;
  let rLo = 0, rHi = 0, k = 0;
  const deposit = i.rep === 2;
  for (let b = 0; b < bits; b++) {
    const mb = b < 32 ? (mLo >>> b) & 1 : (mHi >>> (b - 32)) & 1;
    if (mb === 0) continue;
    if (deposit) {
      const sb = k < 32 ? (sLo >>> k) & 1 : (sHi >>> (k - 32)) & 1;
      if (sb !== 0) { if (b < 32) rLo |= 1 << b; else rHi |= 1 << (b - 32); }
    } else {
      const sb = b < 32 ? (sLo >>> b) & 1 : (sHi >>> (b - 32)) & 1;
      if (sb !== 0) { if (k < 32) rLo |= 1 << k; else rHi |= 1 << (k - 32); }
    }
    k++;
  }
  setReg(c, wide ? 3 : 2, i.reg, rLo, rHi);
}

/** MULX reg(high), vvvv(low), r/m: unsigned EDX/RDX * r/m, no flags. */
export function mulx(c: Cpu, i: Insn): void {
  const wide = is64(i);
  const s = readRm(c, i, i.osz), sh = wide ? c.m.hi : 0;
  if (!wide) {
    const lo = mulu32(c.lo[2]!, s), hi = out.hi;
    setReg(c, 2, i.vvvv, lo, 0);
    setReg(c, 2, i.reg, hi, 0);
    return;
  }
  const l0 = mulu64(c.lo[2]!, c.hi[2]!, s, sh);
  const l1 = out.hi, h0 = out.lo2, h1 = out.hi2;
  setReg(c, 3, i.vvvv, l0, l1);
  setReg(c, 3, i.reg, h0, h1);
}

/**
 * ADCX (66 0F 38 F6) and ADOX (F3 0F 38 F6): add with carry through CF
 * (ADCX) or through OF (ADOX) only; every other flag is left alone. 32-bit,
 * or 64-bit with REX.W (the 66 prefix is mandatory, not an operand size).
 */
export function adcxAdox(c: Cpu, i: Insn): void {
  const w = (i.rex & 8) !== 0 ? 3 : 2;
  const src = readRm(c, i, w), srcHi = w === 3 ? c.m.hi : 0;
  materialize(c);
  const flag = i.rep === Rep.REP ? F.OF : F.CF; // F3: ADOX
  const cin = (c.s.flags & flag) !== 0 ? 1 : 0;
  const lo = (c.lo[i.reg]! >>> 0) + (src >>> 0) + cin;
  let carry = lo > 0xffffffff ? 1 : 0;
  let hi = 0;
  if (w === 3) {
    const h = (c.hi[i.reg]! >>> 0) + (srcHi >>> 0) + carry;
    carry = h > 0xffffffff ? 1 : 0;
    hi = h | 0;
  }
  setReg(c, w, i.reg, lo | 0, hi);
  c.s.flags = carry !== 0 ? c.s.flags | flag : c.s.flags & ~flag;
}
