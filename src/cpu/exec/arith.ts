/**
 * Arithmetic: ADD ADC SUB SBB CMP (and the logic ops OR AND XOR, which share
 * the 00-3F / 80-83 encodings and so the same handlers), INC DEC NEG, and
 * the exchange-and-add family (XADD, CMPXCHG, CMPXCHG8B/16B).
 *
 * Memory destinations compute the result, store it, and only then record
 * the flags, so a faulting store leaves the flags untouched.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { getCF, K, materialize, setLazy, setLazy64, SIZE_MASK } from '../flags.js';
import { F } from '../state.js';
import { Vec } from '../exceptions.js';
import { ea, fault, getReg, readMem, readRm, setReg, writeMem } from './operands.js';

const TWO32 = 4294967296;

/** ALU operation numbers: the reg field of 80-83 and bits 3-5 of 00-3F. */
export const Alu = { ADD: 0, OR: 1, ADC: 2, SBB: 3, AND: 4, SUB: 5, XOR: 6, CMP: 7 } as const;
const KIND = [K.ADD, K.LOGIC, K.ADC, K.SBB, K.LOGIC, K.SUB, K.LOGIC, K.SUB] as const;

/** Result of `a op b` for 8/16/32-bit operands (masked to size). */
function aluResult(c: Cpu, op: number, sz: number, a: number, b: number): number {
  const mask = SIZE_MASK[sz]!;
  switch (op) {
    case 0: return (a + b) & mask;
    case 1: return (a | b) & mask;
    case 2: return (a + b + getCF(c)) & mask;
    case 3: return (a - b - getCF(c)) & mask;
    case 4: return a & b & mask;
    case 6: return (a ^ b) & mask;
    default: return (a - b) & mask;
  }
}

function aluFlags(c: Cpu, op: number, sz: number, a: number, b: number, r: number, cin: number): void {
  const mask = SIZE_MASK[sz]!;
  setLazy(c, KIND[op]!, sz, a & mask, b & mask, r);
  c.lf[7] = cin;
}

/** 64-bit `a op b`; returns the low half, high half in c.rh. */
function alu64(c: Cpu, op: number, al: number, ah: number, bl: number, bh: number, cin: number): number {
  let lo: number, hi: number;
  switch (op) {
    case 1: lo = al | bl; hi = ah | bh; break;
    case 4: lo = al & bl; hi = ah & bh; break;
    case 6: lo = al ^ bl; hi = ah ^ bh; break;
    case 0: case 2: {
      const r = (al >>> 0) + (bl >>> 0) + cin;
      lo = r | 0; hi = (ah + bh + (r >= TWO32 ? 1 : 0)) | 0;
      break;
    }
    default: { // SUB SBB CMP
      const r = (al >>> 0) - (bl >>> 0) - cin;
      lo = r | 0; hi = (ah - bh - (r < 0 ? 1 : 0)) | 0;
    }
  }
  c.rh = hi;
  return lo;
}

/** op r/m, reg (00 01 08 09 ... 38 39). */
export function aluRmReg(c: Cpu, i: Insn): void {
  const sz = i.osz, op = i.sub;
  if (sz === 3) return aluRmReg64(c, i, op);
  const b = getReg(c, sz, i.reg);
  if (i.mod === 3) {
    const a = getReg(c, sz, i.rm);
    const cin = op === 2 || op === 3 ? getCF(c) : 0;
    const r = aluResult(c, op, sz, a, b);
    if (op !== 7) setReg(c, sz, i.rm, r, 0);
    aluFlags(c, op, sz, a, b, r, cin);
  } else {
    const la = ea(c, i, 1 << sz, op === 7 ? 0 : 1);
    const a = readMem(c, la, sz);
    const cin = op === 2 || op === 3 ? getCF(c) : 0;
    const r = aluResult(c, op, sz, a, b);
    if (op !== 7) writeMem(c, la, sz, r, 0);
    aluFlags(c, op, sz, a, b, r, cin);
  }
}

function aluRmReg64(c: Cpu, i: Insn, op: number): void {
  aluRm64(c, i, op, c.lo[i.reg]!, c.hi[i.reg]!);
}

/** 64-bit `op r/m, bh:bl` (the r/m,reg and r/m,imm forms): result to r/m unless CMP. */
function aluRm64(c: Cpu, i: Insn, op: number, bl: number, bh: number): void {
  const cin = op === 2 || op === 3 ? getCF(c) : 0;
  if (i.mod === 3) {
    const al = c.lo[i.rm]!, ah = c.hi[i.rm]!;
    const r = alu64(c, op, al, ah, bl, bh, cin);
    const rh = c.rh;
    if (op !== 7) { c.lo[i.rm] = r; c.hi[i.rm] = rh; }
    flags64(c, op, al, ah, bl, bh, r, rh, cin);
  } else {
    const la = ea(c, i, 8, op === 7 ? 0 : 1);
    const al = c.m.read64(la), ah = c.m.hi;
    const r = alu64(c, op, al, ah, bl, bh, cin);
    const rh = c.rh;
    if (op !== 7) c.m.write64(la, r, rh);
    flags64(c, op, al, ah, bl, bh, r, rh, cin);
  }
}

function flags64(c: Cpu, op: number, al: number, ah: number, bl: number, bh: number, r: number, rh: number, cin: number): void {
  setLazy64(c, KIND[op]!, al, ah, bl, bh, r, rh);
  c.lf[7] = cin;
}

/** op reg, r/m (02 03 0A 0B ... 3A 3B). */
export function aluRegRm(c: Cpu, i: Insn): void {
  const sz = i.osz, op = i.sub;
  const cin = op === 2 || op === 3 ? getCF(c) : 0;
  if (sz === 3) {
    const bl = readRm(c, i, 3), bh = c.m.hi;
    const al = c.lo[i.reg]!, ah = c.hi[i.reg]!;
    const r = alu64(c, op, al, ah, bl, bh, cin);
    const rh = c.rh;
    if (op !== 7) { c.lo[i.reg] = r; c.hi[i.reg] = rh; }
    flags64(c, op, al, ah, bl, bh, r, rh, cin);
    return;
  }
  const b = readRm(c, i, sz);
  const a = getReg(c, sz, i.reg);
  const r = aluResult(c, op, sz, a, b);
  if (op !== 7) setReg(c, sz, i.reg, r, 0);
  aluFlags(c, op, sz, a, b, r, cin);
}

/** op r/m, imm (80 81 82 83) and op AL/eAX, imm (04 05 ... 3C 3D, with rm = 0 and mod = 3). */
export function aluRmImm(c: Cpu, i: Insn): void {
  const sz = i.osz, op = i.sub;
  if (sz === 3) {
    aluRm64(c, i, op, i.imm, i.imm >> 31); // imm32 sign-extended
    return;
  }
  const cin = op === 2 || op === 3 ? getCF(c) : 0;
  const b = i.imm & SIZE_MASK[sz]!;
  if (i.mod === 3) {
    const a = getReg(c, sz, i.rm);
    const r = aluResult(c, op, sz, a, b);
    if (op !== 7) setReg(c, sz, i.rm, r, 0);
    aluFlags(c, op, sz, a, b, r, cin);
  } else {
    const la = ea(c, i, 1 << sz, op === 7 ? 0 : 1);
    const a = readMem(c, la, sz);
    const r = aluResult(c, op, sz, a, b);
    if (op !== 7) writeMem(c, la, sz, r, 0);
    aluFlags(c, op, sz, a, b, r, cin);
  }
}

// ---- 32-bit register fast paths (the bulk of 32-bit code) -----------------

/** op r32, r32 (either direction: bind puts the destination in rm). */
export function alu32RegReg(c: Cpu, i: Insn): void {
  const lo = c.lo;
  const a = lo[i.rm]!, b = lo[i.reg]!;
  const op = i.sub;
  const lf = c.lf;
  switch (op) {
    case 0: { const r = (a + b) | 0; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.ADD << 2) | 2; lf[1] = r; lf[2] = a; lf[3] = b; return; }
    case 5: { const r = (a - b) | 0; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.SUB << 2) | 2; lf[1] = r; lf[2] = a; lf[3] = b; return; }
    case 7: { lf[0] = (K.SUB << 2) | 2; lf[1] = (a - b) | 0; lf[2] = a; lf[3] = b; return; }
    case 1: { const r = a | b; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.LOGIC << 2) | 2; lf[1] = r; return; }
    case 4: { const r = a & b; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.LOGIC << 2) | 2; lf[1] = r; return; }
    case 6: { const r = a ^ b; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.LOGIC << 2) | 2; lf[1] = r; return; }
  }
  const cin = getCF(c);
  const r = aluResult(c, op, 2, a, b);
  lo[i.rm] = r; c.hi[i.rm] = 0;
  aluFlags(c, op, 2, a, b, r, cin);
}

/** op r32, imm. */
export function alu32RegImm(c: Cpu, i: Insn): void {
  const lo = c.lo;
  const a = lo[i.rm]!, b = i.imm;
  const op = i.sub;
  const lf = c.lf;
  switch (op) {
    case 0: { const r = (a + b) | 0; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.ADD << 2) | 2; lf[1] = r; lf[2] = a; lf[3] = b; return; }
    case 5: { const r = (a - b) | 0; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.SUB << 2) | 2; lf[1] = r; lf[2] = a; lf[3] = b; return; }
    case 7: { lf[0] = (K.SUB << 2) | 2; lf[1] = (a - b) | 0; lf[2] = a; lf[3] = b; return; }
    case 1: { const r = a | b; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.LOGIC << 2) | 2; lf[1] = r; return; }
    case 4: { const r = a & b; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.LOGIC << 2) | 2; lf[1] = r; return; }
    case 6: { const r = a ^ b; lo[i.rm] = r; c.hi[i.rm] = 0; lf[0] = (K.LOGIC << 2) | 2; lf[1] = r; return; }
  }
  aluRmImm(c, i);
}

// ---- INC DEC NEG ----------------------------------------------------------

/** INC/DEC r/m (FE/FF /0 /1, and 40-4F with mod = 3); sub: 0 inc, 1 dec. */
export function incDec(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const dec = i.sub === 1;
  const cf = getCF(c);
  if (sz === 3) {
    const la = i.mod === 3 ? 0 : ea(c, i, 8, 1);
    const al = i.mod === 3 ? c.lo[i.rm]! : c.m.read64(la);
    const ah = i.mod === 3 ? c.hi[i.rm]! : c.m.hi;
    const r = alu64(c, dec ? 5 : 0, al, ah, 1, 0, 0);
    const rh = c.rh;
    if (i.mod === 3) { c.lo[i.rm] = r; c.hi[i.rm] = rh; } else c.m.write64(la, r, rh);
    setLazy64(c, dec ? K.DEC : K.INC, al, ah, 1, 0, r, rh);
    c.lf[7] = cf;
    return;
  }
  const mask = SIZE_MASK[sz]!;
  if (i.mod === 3) {
    const a = getReg(c, sz, i.rm);
    const r = (dec ? a - 1 : a + 1) & mask;
    setReg(c, sz, i.rm, r, 0);
    setLazy(c, dec ? K.DEC : K.INC, sz, a, 1, r);
  } else {
    const la = ea(c, i, 1 << sz, 1);
    const a = readMem(c, la, sz);
    const r = (dec ? a - 1 : a + 1) & mask;
    writeMem(c, la, sz, r, 0);
    setLazy(c, dec ? K.DEC : K.INC, sz, a, 1, r);
  }
  c.lf[7] = cf;
}

/** INC/DEC r32 (40-4F outside 64-bit mode), the hot form. */
export function incDec32Reg(c: Cpu, i: Insn): void {
  const cf = getCF(c);
  const a = c.lo[i.rm]!;
  const r = i.sub === 1 ? (a - 1) | 0 : (a + 1) | 0;
  c.lo[i.rm] = r; c.hi[i.rm] = 0;
  const lf = c.lf;
  lf[0] = ((i.sub === 1 ? K.DEC : K.INC) << 2) | 2; lf[1] = r; lf[2] = a; lf[3] = 1; lf[7] = cf;
}

/** NEG r/m (F6/F7 /3). */
export function neg(c: Cpu, i: Insn): void {
  const sz = i.osz;
  if (sz === 3) {
    const la = i.mod === 3 ? 0 : ea(c, i, 8, 1);
    const al = i.mod === 3 ? c.lo[i.rm]! : c.m.read64(la);
    const ah = i.mod === 3 ? c.hi[i.rm]! : c.m.hi;
    const r = alu64(c, 5, 0, 0, al, ah, 0);
    const rh = c.rh;
    if (i.mod === 3) { c.lo[i.rm] = r; c.hi[i.rm] = rh; } else c.m.write64(la, r, rh);
    setLazy64(c, K.NEG, 0, 0, al, ah, r, rh);
    return;
  }
  const mask = SIZE_MASK[sz]!;
  const la = i.mod === 3 ? 0 : ea(c, i, 1 << sz, 1);
  const a = i.mod === 3 ? getReg(c, sz, i.rm) : readMem(c, la, sz);
  const r = (-a) & mask;
  if (i.mod === 3) setReg(c, sz, i.rm, r, 0); else writeMem(c, la, sz, r, 0);
  setLazy(c, K.NEG, sz, 0, a, r);
}

// ---- XADD, CMPXCHG --------------------------------------------------------

/** XADD r/m, reg (0F C0/C1). */
export function xadd(c: Cpu, i: Insn): void {
  const sz = i.osz;
  if (sz === 3) {
    const la = i.mod === 3 ? 0 : ea(c, i, 8, 1);
    const al = i.mod === 3 ? c.lo[i.rm]! : c.m.read64(la);
    const ah = i.mod === 3 ? c.hi[i.rm]! : c.m.hi;
    const bl = c.lo[i.reg]!, bh = c.hi[i.reg]!;
    const r = alu64(c, 0, al, ah, bl, bh, 0);
    const rh = c.rh;
    if (i.mod === 3) { c.lo[i.reg] = al; c.hi[i.reg] = ah; c.lo[i.rm] = r; c.hi[i.rm] = rh; }
    else { c.m.write64(la, r, rh); c.lo[i.reg] = al; c.hi[i.reg] = ah; }
    setLazy64(c, K.ADD, al, ah, bl, bh, r, rh);
    return;
  }
  const la = i.mod === 3 ? 0 : ea(c, i, 1 << sz, 1);
  const a = i.mod === 3 ? getReg(c, sz, i.rm) : readMem(c, la, sz);
  const b = getReg(c, sz, i.reg);
  const r = (a + b) & SIZE_MASK[sz]!;
  if (i.mod === 3) { setReg(c, sz, i.reg, a, 0); setReg(c, sz, i.rm, r, 0); }
  else { writeMem(c, la, sz, r, 0); setReg(c, sz, i.reg, a, 0); }
  setLazy(c, K.ADD, sz, a, b, r);
}

/** CMPXCHG r/m, reg (0F B0/B1): compare the accumulator with r/m. */
export function cmpxchg(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const la = i.mod === 3 ? 0 : ea(c, i, 1 << sz, 1);
  if (sz === 3) {
    const dl = i.mod === 3 ? c.lo[i.rm]! : c.m.read64(la);
    const dh = i.mod === 3 ? c.hi[i.rm]! : c.m.hi;
    const al = c.lo[0]!, ah = c.hi[0]!;
    const r = alu64(c, 5, al, ah, dl, dh, 0);
    const rh = c.rh;
    if (al === dl && ah === dh) {
      if (i.mod === 3) { c.lo[i.rm] = c.lo[i.reg]!; c.hi[i.rm] = c.hi[i.reg]!; } else c.m.write64(la, c.lo[i.reg]!, c.hi[i.reg]!);
    } else {
      if (i.mod !== 3) c.m.write64(la, dl, dh); // the processor always writes back
      c.lo[0] = dl; c.hi[0] = dh;
    }
    setLazy64(c, K.SUB, al, ah, dl, dh, r, rh);
    return;
  }
  const d = i.mod === 3 ? getReg(c, sz, i.rm) : readMem(c, la, sz);
  const a = getReg(c, sz, 0);
  const r = (a - d) & SIZE_MASK[sz]!;
  if (a === d) {
    const v = getReg(c, sz, i.reg);
    if (i.mod === 3) setReg(c, sz, i.rm, v, 0); else writeMem(c, la, sz, v, 0);
  } else {
    if (i.mod !== 3) writeMem(c, la, sz, d, 0);
    setReg(c, sz, 0, d, 0);
  }
  setLazy(c, K.SUB, sz, a, d, r);
}

/** CMPXCHG8B / CMPXCHG16B m (0F C7 /1). */
export function cmpxchg8b16b(c: Cpu, i: Insn): void {
  const la = ea(c, i, i.osz === 3 ? 16 : 8, 1);
  materialize(c);
  if (i.osz === 3) {
    if ((la & 15) !== 0) fault(c, Vec.GP, 0);
    c.m.probeWrite(la, 16);
    const l0 = c.m.read64(la), h0 = c.m.hi;
    const l1 = c.m.read64(la + 8), h1 = c.m.hi;
    if (l0 === c.lo[0] && h0 === c.hi[0] && l1 === c.lo[2] && h1 === c.hi[2]) {
      c.m.write64(la, c.lo[3]!, c.hi[3]!); c.m.write64(la + 8, c.lo[1]!, c.hi[1]!);
      c.s.flags |= F.ZF;
    } else {
      c.m.write64(la, l0, h0); c.m.write64(la + 8, l1, h1);
      c.lo[0] = l0; c.hi[0] = h0; c.lo[2] = l1; c.hi[2] = h1;
      c.s.flags &= ~F.ZF;
    }
    return;
  }
  c.m.probeWrite(la, 8);
  const lo = c.m.read64(la), hi = c.m.hi;
  if (lo === c.lo[0] && hi === c.lo[2]) {
    c.m.write64(la, c.lo[3]!, c.lo[1]!);
    c.s.flags |= F.ZF;
  } else {
    c.m.write64(la, lo, hi);
    setReg(c, 2, 0, lo, 0); setReg(c, 2, 2, hi, 0);
    c.s.flags &= ~F.ZF;
  }
}

// ---- 64-bit register fast paths (64-bit code) -------------------------------

/** op r64, r64 (either direction: bind puts the destination in rm). */
export function alu64RegReg(c: Cpu, i: Insn): void {
  const op = i.sub;
  const al = c.lo[i.rm]!, ah = c.hi[i.rm]!, bl = c.lo[i.reg]!, bh = c.hi[i.reg]!;
  const cin = op === 2 || op === 3 ? getCF(c) : 0;
  const r = alu64(c, op, al, ah, bl, bh, cin);
  const rh = c.rh;
  if (op !== 7) { c.lo[i.rm] = r; c.hi[i.rm] = rh; }
  flags64(c, op, al, ah, bl, bh, r, rh, cin);
}

/** op r64, imm (sign-extended imm32/imm8). */
export function alu64RegImm(c: Cpu, i: Insn): void {
  const op = i.sub;
  const al = c.lo[i.rm]!, ah = c.hi[i.rm]!, bl = i.imm, bh = i.imm >> 31;
  const cin = op === 2 || op === 3 ? getCF(c) : 0;
  const r = alu64(c, op, al, ah, bl, bh, cin);
  const rh = c.rh;
  if (op !== 7) { c.lo[i.rm] = r; c.hi[i.rm] = rh; }
  flags64(c, op, al, ah, bl, bh, r, rh, cin);
}

/** INC/DEC r64 (REX.W FF /0 /1 with a register). */
export function incDec64Reg(c: Cpu, i: Insn): void {
  const cf = getCF(c);
  const al = c.lo[i.rm]!, ah = c.hi[i.rm]!;
  const dec = i.sub === 1;
  const r = alu64(c, dec ? 5 : 0, al, ah, 1, 0, 0);
  const rh = c.rh;
  c.lo[i.rm] = r; c.hi[i.rm] = rh;
  setLazy64(c, dec ? K.DEC : K.INC, al, ah, 1, 0, r, rh);
  c.lf[7] = cf;
}
