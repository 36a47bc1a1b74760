/**
 * Binds a decoded instruction to its handler (and the handler's `sub`
 * operand): the semantic half of the opcode map. Valid encodings whose
 * semantics are not implemented yet (x87, SSE, VMX...) get #UD for what the
 * CPUID profile does not advertise, or an internal-error exit for system
 * instructions that issue 4 will add.
 */
import type { Cpu } from '../cpu.js';
import { type Handler, type Insn, Rep } from '../decoder/insn.js';
import { CodeSize, Seg } from '../state.js';
import { Ea } from '../decoder/insn.js';
import * as arith from './arith.js';
import * as bcd from './bcd.js';
import * as bit from './bit.js';
import * as bmi from './bmi.js';
import * as cf from './control-flow.js';
import * as dm from './data-move.js';
import * as logic from './logic.js';
import * as misc from './misc.js';
import * as md from './mul-div.js';
import * as sh from './shift-rotate.js';
import * as str from './string.js';
import * as sys from './system.js';
import * as fast from '../system/fast-syscall.js';
import { bound } from './bound.js';
import * as dq from '../system/descriptor-queries.js';
import * as x87 from '../fpu/x87.js';
import * as x87a from '../fpu/x87-arith.js';
import * as x87ls from '../fpu/x87-load-store.js';
import * as x87f from '../fpu/x87-functions.js';
import * as env from '../fpu/x87-env.js';
import * as sse from '../sse/sse-move.js';
import * as ssei from '../sse/sse-int.js';

export const udHandler: Handler = (c: Cpu) => misc.ud(c);

/** Set i.h (and i.sub) for a decoded instruction. */
export function bind(i: Insn, codeSize: number): void {
  i.sub = 0;
  if (i.ud !== 0) { i.h = udHandler; return; }
  const h = i.vex !== 0 ? bindVex(i) : i.map === 0 ? bindMap0(i, codeSize !== CodeSize.Bits64) : i.map === 1 ? bindMap1(i) : i.map === 2 ? bindMap2(i) : null;
  i.h = h ?? udHandler;
}

/** Register-in-opcode forms: the register goes to rm (with REX.B). */
function opReg(i: Insn): void {
  i.rm = (i.opc & 7) | ((i.rex & 1) << 3);
  if (i.osz === 0 && i.rex === 0 && (i.rm & 7) >= 4) i.rm += 12;
  i.mod = 3;
}

function bindMap0(i: Insn, legacy: boolean): Handler | null {
  const flat32 = legacy && i.ea === Ea.A32; // 32-bit addressing outside 64-bit mode: the fast EA
  const o = i.opc;
  const reg = (i.modrm >> 3) & 7;
  if (o < 0x40 && (o & 7) < 6) {
    i.sub = (o >> 3) & 7;
    switch (o & 7) {
      case 0: case 1:
        if (i.mod === 3 && i.osz >= 2) return i.osz === 2 ? arith.alu32RegReg : arith.alu64RegReg;
        return arith.aluRmReg;
      case 2: case 3:
        if (i.mod === 3 && i.osz >= 2) { const t = i.rm; i.rm = i.reg; i.reg = t; return i.osz === 2 ? arith.alu32RegReg : arith.alu64RegReg; }
        return arith.aluRegRm;
      default: i.mod = 3; i.rm = 0; return i.osz === 2 ? arith.alu32RegImm : i.osz === 3 ? arith.alu64RegImm : arith.aluRmImm;
    }
  }
  switch (o) {
    case 0x06: case 0x0e: case 0x16: case 0x1e: i.sub = o >> 3; return dm.pushSeg;
    case 0x07: case 0x17: case 0x1f: i.sub = o >> 3; return dm.popSeg;
    case 0x27: return bcd.daaDas;
    case 0x2f: i.sub = 1; return bcd.daaDas;
    case 0x37: return bcd.aaaAas;
    case 0x3f: i.sub = 1; return bcd.aaaAas;
  }
  if (o >= 0x40 && o <= 0x4f) { opReg(i); i.sub = (o >> 3) & 1; return i.osz === 2 ? arith.incDec32Reg : arith.incDec; }
  if (o >= 0x50 && o <= 0x57) { opReg(i); return i.osz === 2 ? dm.push32 : dm.pushReg; }
  if (o >= 0x58 && o <= 0x5f) { opReg(i); return i.osz === 2 ? dm.pop32 : dm.popReg; }
  if (o >= 0x70 && o <= 0x7f) { i.sub = o & 0xf; return i.osz === 2 ? cf.jcc32 : cf.jcc; }
  if (o >= 0x91 && o <= 0x97) { opReg(i); i.reg = 0; return dm.xchg; }
  if (o >= 0xb0 && o <= 0xbf) { opReg(i); return dm.movRegImm; }
  switch (o) {
    case 0x60: return dm.pusha;
    case 0x61: return dm.popa;
    case 0x62: return bound;
    case 0x63:
      if (i.ea !== 0 || i.mod === 3) {
        if (i.osz === 3 || (i.asz === 2 || i.rex !== 0)) { i.sub = 2; return dm.movsx; }
      }
      if (i.asz === 2 || i.ea === 4) { i.sub = 2; return i.osz === 3 ? dm.movsx : dm.movRegRm; }
      return legacy ? dq.arpl : null;
    case 0x68: case 0x6a: return dm.pushImm;
    case 0x69: case 0x6b: i.sub = 1; return md.imul2;
    case 0x6c: case 0x6d: return str.ins;
    case 0x6e: case 0x6f: return str.outs;
    case 0x80: case 0x81: case 0x82: case 0x83:
      i.sub = reg;
      if (i.mod === 3 && i.osz >= 2) return i.osz === 2 ? arith.alu32RegImm : arith.alu64RegImm;
      return arith.aluRmImm;
    case 0x84: case 0x85: return logic.testRmReg;
    case 0x86: case 0x87: return dm.xchg;
    case 0x89:
      if (i.osz === 2 && i.mod === 3) return swapTo(i, dm.mov32RegReg);
      if (i.osz === 3) return i.mod === 3 ? swapTo(i, dm.mov64RegReg) : dm.mov64MemReg;
      return i.osz === 2 && flat32 ? dm.mov32MemReg : dm.movRmReg;
    case 0x8b:
      if (i.osz === 2 && i.mod === 3) return dm.mov32RegReg;
      if (i.osz === 3) return i.mod === 3 ? dm.mov64RegReg : dm.mov64RegMem;
      return i.osz === 2 && flat32 ? dm.mov32RegMem : dm.movRegRm;
    case 0x88: return dm.movRmReg;
    case 0x8a: return dm.movRegRm;
    case 0x8c: return dm.movRmSeg;
    case 0x8d: return dm.lea;
    case 0x8e: return dm.movSegRm;
    case 0x8f: return dm.popRm;
    case 0x90: return i.rep === 3 || (i.rex & 1) === 0 ? misc.nop : (opReg(i), i.reg = 0, dm.xchg);
    case 0x98: return dm.cbw;
    case 0x99: return dm.cwd;
    case 0x9a: case 0xea: return cf.farDirect;
    case 0x9b: return x87.fwait;
    case 0x9c: return cf.pushf;
    case 0x9d: return cf.popf;
    case 0x9e: return dm.sahf;
    case 0x9f: return dm.lahf;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: return dm.movAccMoffs;
    case 0xa4: case 0xa5: return str.movs;
    case 0xa6: case 0xa7: return str.cmps;
    case 0xa8: case 0xa9: i.mod = 3; i.rm = 0; return logic.testRmImm;
    case 0xaa: case 0xab: return str.stos;
    case 0xac: case 0xad: return str.lods;
    case 0xae: case 0xaf: return str.scas;
    case 0xc1:
      i.sub = reg;
      if (i.mod === 3 && reg >= 4 && i.osz >= 2) return i.osz === 2 ? sh.shift32RegImm : sh.shift64RegImm;
      return sh.shiftGroup;
    case 0xc0: case 0xd0: case 0xd1: i.sub = reg; return sh.shiftGroup;
    case 0xd2: case 0xd3: i.sub = reg; i.imm2 = 1; return sh.shiftGroup;
    case 0xc2: case 0xc3: return cf.retNear;
    case 0xc4: i.sub = Seg.ES; return dm.loadFarPointer;
    case 0xc5: i.sub = Seg.DS; return dm.loadFarPointer;
    case 0xc6: case 0xc7: return i.modrm === 0xf8 ? null : dm.movRmImm; // XBEGIN/XABORT: no RTM (#UD)
    case 0xc8: return dm.enter;
    case 0xc9: return dm.leave;
    case 0xca: case 0xcb: return cf.retFar;
    case 0xcc: case 0xcd: case 0xce: case 0xf1: return cf.softInt;
    case 0xcf: return cf.iret;
    case 0xd4: return bcd.aam;
    case 0xd5: return bcd.aad;
    case 0xd6: return bcd.salc;
    case 0xd7: return dm.xlat;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: return cf.loop;
    case 0xe4: case 0xe5: case 0xec: case 0xed: return misc.inPort;
    case 0xe6: case 0xe7: case 0xee: case 0xef: return misc.outPort;
    case 0xe8: return cf.callRel;
    case 0xe9: case 0xeb: return cf.jmpRel;
    case 0xf4: return misc.hlt;
    case 0xf5: return misc.cmc;
    case 0xf6: case 0xf7:
      switch (reg) {
        case 0: case 1: return logic.testRmImm;
        case 2: return logic.not;
        case 3: return arith.neg;
        case 4: return md.mul;
        case 5: return md.imul1;
        case 6: return md.div;
        default: return md.idiv;
      }
    case 0xf8: return misc.clc;
    case 0xf9: return misc.stc;
    case 0xfa: return misc.cli;
    case 0xfb: return misc.sti;
    case 0xfc: return misc.cld;
    case 0xfd: return misc.std;
    case 0xfe: i.sub = reg; return arith.incDec;
    case 0xff:
      switch (reg) {
        case 0: case 1:
          i.sub = reg;
          if (i.mod === 3 && i.osz >= 2) return i.osz === 2 ? arith.incDec32Reg : arith.incDec64Reg;
          return arith.incDec;
        case 2: return cf.callRm;
        case 3: case 5: return cf.farIndirect;
        case 4: return cf.jmpRm;
        default: return dm.pushRm;
      }
  }
  if (o >= 0xd8 && o <= 0xdf) return bindX87(i);
  return null;
}

/** x87 escapes D8-DF: i.sub = ModRM.reg. */
function bindX87(i: Insn): Handler | null {
  const reg = (i.modrm >> 3) & 7;
  i.sub = reg;
  switch (i.opc) {
    case 0xd8: case 0xdc: return x87a.fpuArith;
    case 0xda: return i.mod === 3 ? x87a.fpuRegMisc : x87a.fpuArith;
    case 0xde: return x87a.fpuArith;
    case 0xd9:
      if (i.mod !== 3 && reg === 4) return env.fldenv;
      if (i.mod !== 3 && reg === 6) return env.fnstenv;
      return x87f.fpuD9;
    case 0xdb: return x87ls.fpuDB;
    case 0xdd:
      if (i.mod !== 3 && reg === 4) return env.frstor;
      if (i.mod !== 3 && reg === 6) return env.fnsave;
      return x87ls.fpuDD;
    default: return x87ls.fpuDF;
  }
}

/** MOV r/m32, r32 with a register destination: the 32-bit fast handler copies rm -> reg. */
function swapTo(i: Insn, h: Handler): Handler {
  const t = i.rm; i.rm = i.reg; i.reg = t;
  return h;
}

function bindMap1(i: Insn): Handler | null {
  const o = i.opc;
  const reg = (i.modrm >> 3) & 7;
  if (o >= 0x40 && o <= 0x4f) { i.sub = o & 0xf; return dm.cmov; }
  if (o >= 0x80 && o <= 0x8f) { i.sub = o & 0xf; return i.osz === 2 ? cf.jcc32 : cf.jcc; }
  if (o >= 0x90 && o <= 0x9f) { i.sub = o & 0xf; return bit.setcc; }
  if (o >= 0xc8 && o <= 0xcf) { opReg(i); if (i.osz === 0) i.rm &= 15; return dm.bswap; }
  if (o >= 0x18 && o <= 0x1f) return misc.nop; // hint NOPs, PREFETCHh, ENDBR
  const s = bindSse(i);
  if (s !== null) return s;
  switch (o) {
    case 0x00: return sys.group6;
    case 0x01:
      if (i.modrm === 0xf9) { i.sub = 1; return misc.rdtsc; }
      return sys.group7;
    case 0x06: return sys.clts;
    case 0x08: case 0x09: return sys.invd;
    case 0x0b: case 0xb9: case 0xff: return misc.ud;
    case 0x0d: return misc.nop; // PREFETCH/PREFETCHW
    case 0x20: case 0x22: i.sub = o === 0x22 ? 1 : 0; return sys.movCr;
    case 0x21: case 0x23: i.sub = o === 0x23 ? 1 : 0; return sys.movDr;
    case 0x30: return sys.wrmsr;
    case 0x31: return misc.rdtsc;
    case 0x32: return sys.rdmsr;
    case 0xa0: i.sub = Seg.FS; return dm.pushSeg;
    case 0xa8: i.sub = Seg.GS; return dm.pushSeg;
    case 0xa1: i.sub = Seg.FS; return dm.popSeg;
    case 0xa9: i.sub = Seg.GS; return dm.popSeg;
    case 0xa2: return misc.cpuid;
    case 0xa3: return bit.bitTest;
    case 0xab: i.sub = 1; return bit.bitTest;
    case 0xb3: i.sub = 2; return bit.bitTest;
    case 0xbb: i.sub = 3; return bit.bitTest;
    case 0xba: i.sub = reg - 4; i.imm2 = 1; return bit.bitTest;
    case 0xa4: return sh.shiftDouble;
    case 0xa5: i.imm2 = 1; return sh.shiftDouble;
    case 0xac: i.sub = 1; return sh.shiftDouble;
    case 0xad: i.sub = 1; i.imm2 = 1; return sh.shiftDouble;
    case 0xae:
      if (i.mod === 3 && i.rep === 0 && !i.p66 && reg >= 5) return misc.nop; // LFENCE MFENCE SFENCE
      if (i.mod !== 3 && reg === 7 && i.rep === 0) { i.sub = 1; return misc.touchLine; } // CLFLUSH(OPT)
      if (i.mod !== 3 && i.rep === 0 && !i.p66 && reg <= 1) return reg === 0 ? env.fxsave : env.fxrstor;
      if (i.mod !== 3 && i.rep === 0 && !i.p66 && (reg === 2 || reg === 3) && i.vex === 0) { i.sub = reg; return sse.mxcsr; }
      return null;
    case 0xaf: return md.imul2;
    case 0xb2: i.sub = Seg.SS; return dm.loadFarPointer;
    case 0xb4: i.sub = Seg.FS; return dm.loadFarPointer;
    case 0xb5: i.sub = Seg.GS; return dm.loadFarPointer;
    case 0xb0: case 0xb1: return arith.cmpxchg;
    case 0xb6: i.sub = 0; return dm.movzx;
    case 0xb7: i.sub = 1; return dm.movzx;
    case 0xbe: i.sub = 0; return dm.movsx;
    case 0xbf: i.sub = 1; return dm.movsx;
    case 0xb8: return bit.popcnt;
    case 0xbc: i.sub = i.rep === 3 ? 1 : 0; return bit.bsf;
    case 0xbd: i.sub = i.rep === 3 ? 1 : 0; return bit.bsr;
    case 0xc0: case 0xc1: return arith.xadd;
    case 0xc7:
      if (i.mod !== 3 && reg === 1) return arith.cmpxchg8b16b;
      if (i.mod === 3 && (reg === 6 || reg === 7) && i.rep === 0) return misc.rdrand;
      return null;
    case 0x05: return fast.syscall;
    case 0x07: return fast.sysret;
    case 0x34: return fast.sysenter;
    case 0x35: return fast.sysexit;
    case 0x02: case 0x03: i.sub = o - 2; return dq.larLsl;
    case 0x33: return sys.notImplemented; // RDPMC
  }
  return null;
}

/** SSE/SSE2 data movement and bitwise operations (sse/sse-move.ts); null for everything else. */
function bindSse(i: Insn): Handler | null {
  const o = i.opc, rep = i.rep, p66 = i.p66 !== 0, none = rep === 0 && !p66, dq = rep === 0 && p66;
  const reg = (i.modrm >> 3) & 7;
  switch (o) {
    case 0x10: case 0x11:
      if (rep === 3 || rep === 2) { i.sub = (rep === 3 ? 1 : 2) | (o === 0x11 ? 4 : 0); return sse.movScalar; }
      i.sub = o === 0x11 ? 1 : 0; return sse.movdq;
    case 0x12: case 0x13: if (rep !== 0) return null; i.sub = o === 0x13 ? 4 : 0; return sse.movHalf;
    case 0x16: case 0x17: if (rep !== 0) return null; i.sub = 2 | (o === 0x17 ? 4 : 0); return sse.movHalf;
    case 0x28: case 0x29: if (rep !== 0) return null; i.sub = 2 | (o === 0x29 ? 1 : 0); return sse.movdq;
    case 0x2b: if (rep !== 0) return null; i.sub = 3; return sse.movdq;
    case 0x54: case 0x55: case 0x56: case 0x57: if (rep !== 0) return null; i.sub = o - 0x54; return sse.logic;
    case 0xdb: case 0xdf: case 0xeb: case 0xef: if (!dq) return null; i.sub = o === 0xdb ? 0 : o === 0xdf ? 1 : o === 0xeb ? 2 : 3; return sse.logic;
    case 0x60: case 0x61: case 0x62: case 0x6c: case 0x68: case 0x69: case 0x6a: case 0x6d:
      if (!dq) return null;
      i.sub = ({ 0x60: 1, 0x61: 2, 0x62: 4, 0x6c: 8, 0x68: 17, 0x69: 18, 0x6a: 20, 0x6d: 24 } as Record<number, number>)[o]!;
      return sse.punpck;
    case 0x6e: return dq ? sse.movdGpr : null;
    case 0x7e: return dq ? sse.movdGpr : rep === 3 && !p66 ? sse.movq : null;
    case 0xd6: return dq ? sse.movq : null;
    case 0x6f: case 0x7f:
      if (dq) { i.sub = 2 | (o === 0x7f ? 1 : 0); return sse.movdq; }
      if (rep === 3 && !p66) { i.sub = o === 0x7f ? 1 : 0; return sse.movdq; }
      return null;
    case 0xe7: if (!dq) return null; i.sub = 3; return sse.movdq;
    case 0x70:
      if (dq) { i.sub = 0; return sse.shuffle; }
      if (!p66 && (rep === 3 || rep === 2)) { i.sub = rep === 3 ? 1 : 2; return sse.shuffle; }
      return null;
    case 0xc6: if (!none) return null; i.sub = 3; return sse.shuffle;
    case 0x73:
      if (!dq) return null;
      if (reg === 3 || reg === 7) { i.sub = reg; return sse.byteShift; }
      if (reg === 2 || reg === 6) { i.sub = 8 | (reg === 6 ? 32 : 0); i.imm2 = 1; return ssei.shift; }
      return null;
    case 0x74: case 0x75: case 0x76: if (!dq) return null; i.sub = o === 0x74 ? 1 : o === 0x75 ? 2 : 4; return sse.pcmpeq;
    case 0xd7: return dq && i.mod === 3 ? sse.pmovmskb : null;
    case 0x50: if (rep !== 0 || i.mod !== 3) return null; return ssei.movmsk;
    case 0xc4: case 0xc5: return dq && (o === 0xc4 || i.mod === 3) ? ssei.pextrPinsr : null;
    case 0x71: case 0x72:
      if (!dq || (reg !== 2 && reg !== 4 && reg !== 6)) return null;
      i.sub = (o === 0x71 ? 2 : 4) | (reg === 4 ? 16 : reg === 6 ? 32 : 0); i.imm2 = 1; return ssei.shift;
  }
  if (!dq) return null;
  const add = PADD_SUB[o];
  if (add !== undefined) { i.sub = add; return ssei.paddsub; }
  const lane = LANE_OPS[o];
  if (lane !== undefined) { i.sub = lane; return ssei.lanes; }
  const sh = SHIFTS[o];
  if (sh !== undefined) { i.sub = sh; i.imm2 = 0; return ssei.shift; }
  return null;
}

/** 66 0F opcodes of PADD/PSUB: lane bytes | 16 signed saturation | 32 unsigned saturation | 64 subtract. */
const PADD_SUB: Record<number, number> = {
  0xfc: 1, 0xfd: 2, 0xfe: 4, 0xd4: 8, 0xec: 17, 0xed: 18, 0xdc: 33, 0xdd: 34,
  0xf8: 65, 0xf9: 66, 0xfa: 68, 0xfb: 72, 0xe8: 81, 0xe9: 82, 0xd8: 97, 0xd9: 98,
};
const L = ssei.LaneOp;
const LANE_OPS: Record<number, number> = {
  0xd5: L.PMULLW, 0xe5: L.PMULHW, 0xe4: L.PMULHUW, 0xf4: L.PMULUDQ, 0xf5: L.PMADDWD, 0xe0: L.PAVGB, 0xe3: L.PAVGW,
  0xda: L.PMINUB, 0xde: L.PMAXUB, 0xea: L.PMINSW, 0xee: L.PMAXSW, 0xf6: L.PSADBW, 0x64: L.PCMPGTB, 0x65: L.PCMPGTW,
  0x66: L.PCMPGTD, 0x63: L.PACKSSWB, 0x67: L.PACKUSWB, 0x6b: L.PACKSSDW,
};
/** 66 0F shifts by an XMM count: lane bytes | 16 arithmetic | 32 left. */
const SHIFTS: Record<number, number> = { 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xe1: 18, 0xe2: 20, 0xf1: 34, 0xf2: 36, 0xf3: 40 };

/** VEX-encoded instructions the decoder let through: BMI1/BMI2 (everything else is #UD already). */
function bindVex(i: Insn): Handler | null {
  if (i.map === 3) return bmi.rorx;
  switch (i.opc) {
    case 0xf2: return bmi.andn;
    case 0xf3: return bmi.blsGroup;
    case 0xf5: return i.rep === 0 ? bmi.bzhi : bmi.pdepPext;
    case 0xf6: return bmi.mulx;
    case 0xf7: return i.rep === 0 && !i.p66 ? bmi.bextr : bmi.shiftX;
  }
  return null;
}

function bindMap2(i: Insn): Handler | null {
  if (i.opc === 0xf0 || i.opc === 0xf1) return i.rep === 2 ? misc.crc32 : dm.movbe;
  if (i.opc === 0xf6 && (i.rep === Rep.REP || (i.rep === Rep.NONE && i.p66 !== 0))) return bmi.adcxAdox;
  return null;
}
