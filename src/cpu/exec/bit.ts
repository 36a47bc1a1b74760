/**
 * Bit operations: BT BTS BTR BTC (register and immediate offsets; a register
 * offset reaches outside the addressed operand in memory), BSF BSR, TZCNT
 * LZCNT POPCNT, SETcc, and the BMI1/BMI2 group when advertised.
 * Flags profile: BT*: CF = bit, OF SF AF PF from Bochs (unchanged; we keep
 * them), BSF/BSR with a zero source leave the destination unchanged (as
 * Intel and AMD CPUs do) and set ZF.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { cond, getFlags, materialize, PARITY, setArithFlags } from '../flags.js';
import { F } from '../state.js';
import { ea, getReg, readMem, readRm, SEG_CHECK_LATER, segCheckLa, setReg, writeMem } from './operands.js';

const BITS = [8, 16, 32, 64] as const;

/** BT/BTS/BTR/BTC: sub 0 BT, 1 BTS, 2 BTR, 3 BTC; imm2 = 1 when the offset is an immediate (0F BA). */
export function bitTest(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const bits = BITS[sz]!;
  let off: number, offHi: number;
  if (i.imm2 === 1) { off = i.imm & (bits - 1); offHi = 0; }
  else { off = getReg(c, sz, i.reg); offHi = sz === 3 ? c.hi[i.reg]! : 0; if (sz === 1) off = (off << 16) >> 16; }
  let la = 0;
  let word: number, wordHi = 0, bitNo: number;
  if (i.mod === 3) {
    bitNo = off & (bits - 1);
    word = getReg(c, sz, i.rm); wordHi = sz === 3 ? c.hi[i.rm]! : 0;
  } else {
    // Register offsets are signed and select a word relative to the operand.
    // With a register offset the word touched is not at the EA: check it once its address is known.
    const write = i.sub !== 0 ? 1 : 0;
    const base = ea(c, i, i.imm2 === 1 ? 1 << sz : SEG_CHECK_LATER, write);
    if (i.imm2 === 1) { bitNo = off; la = base; }
    else {
      const signedOff = sz === 3 ? offHi * 4294967296 + (off >>> 0) : off | 0;
      const wordIndex = Math.floor(signedOff / bits);
      bitNo = signedOff - wordIndex * bits;
      la = base + wordIndex * (bits / 8);
      if (sz !== 3 && i.asz !== 2) la = la >>> 0;
      segCheckLa(c, i.seg, la, 1 << sz, write);
    }
    word = readMem(c, la, sz); wordHi = c.m.hi;
  }
  const inHi = bitNo >= 32;
  const b = inHi ? 1 << (bitNo - 32) : 1 << bitNo;
  const cf = ((inHi ? wordHi : word) & b) !== 0 ? 1 : 0;
  if (i.sub !== 0) {
    let w = inHi ? wordHi : word;
    if (i.sub === 1) w |= b; else if (i.sub === 2) w &= ~b; else w ^= b;
    const nl = inHi ? word : w, nh = inHi ? w : wordHi;
    if (i.mod === 3) setReg(c, sz, i.rm, nl, nh); else writeMem(c, la, sz, nl, nh);
  }
  materialize(c);
  c.s.flags = (c.s.flags & ~F.CF) | cf;
}

function ctz32(v: number): number { return 31 - Math.clz32(v & -v); }

/** BSF (0F BC) / TZCNT (F3 0F BC): sub = 1 for TZCNT. */
export function bsf(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const v = readRm(c, i, sz), vh = sz === 3 ? c.m.hi : 0;
  const bits = BITS[sz]!;
  let n: number;
  if (v !== 0) n = ctz32(v); else if (vh !== 0) n = 32 + ctz32(vh); else n = bits;
  if (i.sub === 1) {
    setReg(c, sz, i.reg, n, 0);
    setArithFlags(c, (getFlags(c) & ~(F.CF | F.ZF)) | (n === bits ? F.CF : 0) | (n === 0 ? F.ZF : 0));
    return;
  }
  if (n === bits) { setArithFlags(c, F.ZF); return; }
  setReg(c, sz, i.reg, n, 0);
  setArithFlags(c, PARITY[n]!);
}

/** BSR (0F BD) / LZCNT (F3 0F BD): sub = 1 for LZCNT. */
export function bsr(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const v = readRm(c, i, sz), vh = sz === 3 ? c.m.hi : 0;
  const bits = BITS[sz]!;
  let hiBit: number; // index of the highest set bit, -1 for zero
  if (sz === 3) hiBit = vh !== 0 ? 63 - Math.clz32(vh) : v !== 0 ? 31 - Math.clz32(v) : -1;
  else hiBit = v !== 0 ? 31 - Math.clz32(v) : -1;
  if (i.sub === 1) {
    const n = bits - 1 - hiBit;
    setReg(c, sz, i.reg, n, 0);
    setArithFlags(c, (getFlags(c) & ~(F.CF | F.ZF)) | (n === bits ? F.CF : 0) | (n === 0 ? F.ZF : 0));
    return;
  }
  if (hiBit < 0) { setArithFlags(c, F.ZF); return; }
  setReg(c, sz, i.reg, hiBit, 0);
  setArithFlags(c, PARITY[hiBit]!);
}

function popcnt32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** POPCNT (F3 0F B8). */
export function popcnt(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const v = readRm(c, i, sz), vh = sz === 3 ? c.m.hi : 0;
  const n = popcnt32(v) + popcnt32(vh);
  setReg(c, sz, i.reg, n, 0);
  setArithFlags(c, n === 0 ? F.ZF : 0);
}

/** SETcc r/m8 (0F 90-9F). */
export function setcc(c: Cpu, i: Insn): void {
  const v = cond(c, i.sub) ? 1 : 0;
  if (i.mod === 3) setReg(c, 0, i.rm, v, 0); else c.m.write8(ea(c, i, 1, 1), v);
}


