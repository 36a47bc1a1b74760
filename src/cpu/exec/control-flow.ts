/**
 * Control transfer: Jcc, JMP, CALL, RET (near and far), LOOP/LOOPE/LOOPNE,
 * JCXZ/JECXZ/JRCXZ, INT n / INT3 / INTO / INT1, IRET. Far transfers through
 * gates and to other privilege levels are issue 4's (segments.ts); here a far
 * transfer loads CS at the current privilege level (or in real mode).
 */
import type { Cpu } from '../cpu.js';
import { Brk } from '../block-cache.js';
import type { Insn } from '../decoder/insn.js';
import { cond, getFlags, getOF, K, setArithFlags } from '../flags.js';
import { Vec } from '../exceptions.js';
import { deliverInterrupt, iret as doIret } from '../interrupts.js';
import { loadCs, loadCsReturn, loadSegment, nullInnerDataSegments } from '../segments.js';
import { farThroughSystemDescriptor } from '../system/gates.js';
import { CodeSize, CR0, F, Seg } from '../state.js';
import { ea, fault, jumpRel, pop, push, readMem, readRm, setRip, stackLa, addSp } from './operands.js';

const TWO32 = 4294967296;

/** Jcc rel (70-7F, 0F 80-8F): sub = condition. Taken branches leave the block (Brk.TAKEN). */
export function jcc(c: Cpu, i: Insn): void {
  if (cond(c, i.sub)) { jumpRel(c, i, i.imm); c.brk = Brk.TAKEN; }
}

/** Jcc in 32-bit code (no wrap checks needed beyond >>> 0), with the common flag cases inline. */
export function jcc32(c: Cpu, i: Insn): void {
  const lf = c.lf;
  const op = lf[0]!;
  const cc = i.sub;
  let t: boolean;
  if (op === SUB32) {
    const d = lf[2]!, s = lf[3]!;
    switch (cc) {
      case 2: t = (d >>> 0) < (s >>> 0); break;
      case 3: t = (d >>> 0) >= (s >>> 0); break;
      case 4: t = d === s; break;
      case 5: t = d !== s; break;
      case 12: t = d < s; break;
      case 13: t = d >= s; break;
      case 14: t = d <= s; break;
      case 15: t = d > s; break;
      default: t = cond(c, cc);
    }
  } else if ((cc === 4 || cc === 5) && (op & 3) !== 3 && op >= 4) t = (lf[1] === 0) === (cc === 4);
  else t = cond(c, cc);
  if (t) {
    const r = (c.s.rip + i.imm) >>> 0;
    if (r > c.csLimit) fault(c, Vec.GP, 0);
    c.s.rip = r;
    c.brk = Brk.TAKEN;
  }
}
const SUB32 = (K.SUB << 2) | 2;

/** JMP rel (E9/EB). */
export function jmpRel(c: Cpu, i: Insn): void {
  jumpRel(c, i, i.imm);
}

/** The return address (RIP of the next instruction) as halves. */
function pushRip(c: Cpu, sz: number): void {
  const rip = c.s.rip;
  push(c, sz, rip >>> 0 | 0, sz === 3 ? Math.floor(rip / TWO32) | 0 : 0);
}

/** CALL rel (E8). */
export function callRel(c: Cpu, i: Insn): void {
  const target = c.s.rip + i.imm;
  if (i.osz === 3 && (target >= 0x800000000000 || target < -0x800000000000)) fault(c, Vec.GP, 0);
  const t = i.osz === 3 ? target : i.osz === 2 ? target >>> 0 : target & 0xffff;
  if (t > c.csLimit) fault(c, Vec.GP, 0); // before the push: the fault leaves nothing done
  pushRip(c, i.osz);
  c.s.rip = t;
}

/** CALL r/m (FF /2). */
export function callRm(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const lo = readRm(c, i, sz), hi = c.m.hi;
  if (sz === 3 && ((hi << 16) >> 16) !== hi) fault(c, Vec.GP, 0);
  if (sz !== 3 && (sz === 2 ? lo >>> 0 : lo & 0xffff) > c.csLimit) fault(c, Vec.GP, 0); // before the push
  pushRip(c, sz);
  setRip(c, sz, lo, hi);
}

/** JMP r/m (FF /4). */
export function jmpRm(c: Cpu, i: Insn): void {
  const lo = readRm(c, i, i.osz);
  setRip(c, i.osz, lo, c.m.hi);
}

/** RET / RET imm16 (C3/C2). */
export function retNear(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const lo = readMem(c, stackLa(c, 0, 1 << sz), sz), hi = c.m.hi;
  setRip(c, sz, lo, hi);
  addSp(c, (1 << sz) + (i.opc === 0xc2 ? i.imm : 0));
}

/** LOOP/LOOPE/LOOPNE (E2/E1/E0) and JCXZ (E3): the count register has the address size. */
export function loop(c: Cpu, i: Insn): void {
  const asz = i.asz;
  let zero: boolean;
  if (i.opc === 0xe3) {
    zero = asz === 2 ? (c.lo[1]! | c.hi[1]!) === 0 : asz === 1 ? c.lo[1] === 0 : (c.lo[1]! & 0xffff) === 0;
    if (zero) { jumpRel(c, i, i.imm); c.brk = Brk.TAKEN; }
    return;
  }
  if (asz === 2) {
    const t = (c.lo[1]! >>> 0) - 1;
    c.lo[1] = t | 0; if (t < 0) c.hi[1] = (c.hi[1]! - 1) | 0;
    zero = (c.lo[1]! | c.hi[1]!) === 0;
  } else if (asz === 1) {
    c.lo[1] = (c.lo[1]! - 1) | 0;
    if (c.s.codeSize === CodeSize.Bits64) c.hi[1] = 0;
    zero = c.lo[1] === 0;
  } else {
    c.lo[1] = (c.lo[1]! & ~0xffff) | ((c.lo[1]! - 1) & 0xffff);
    zero = (c.lo[1]! & 0xffff) === 0;
  }
  let take = !zero;
  if (i.opc === 0xe1) take = take && cond(c, 4);
  else if (i.opc === 0xe0) take = take && cond(c, 5);
  if (take) { jumpRel(c, i, i.imm); c.brk = Brk.TAKEN; }
}

/** JMP ptr16:16/32 (EA) and CALL ptr (9A). */
export function farDirect(c: Cpu, i: Insn): void {
  far(c, i, i.opc === 0x9a, i.imm2 & 0xffff, i.osz === 1 ? i.imm & 0xffff : i.imm >>> 0, 0);
}

/** JMP m16:xx (FF /5) and CALL m16:xx (FF /3). */
export function farIndirect(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const la = ea(c, i, (1 << sz) + 2, 0);
  const off = readMem(c, la, sz), offHi = sz === 3 ? c.m.hi : 0;
  const sel = c.m.read16(la + (1 << sz));
  far(c, i, (i.modrm & 0x38) === 0x18, sel, sz === 1 ? off & 0xffff : off >>> 0, offHi); // FF /3 is CALL, FF /5 JMP
}

function far(c: Cpu, i: Insn, call: boolean, sel: number, off: number, offHi: number): void {
  const s = c.s;
  const sz = i.osz;
  const oldCs = s.segSel[Seg.CS]!;
  const retLo = s.rip >>> 0 | 0, retHi = sz === 3 ? Math.floor(s.rip / TWO32) | 0 : 0;
  if (farThroughSystemDescriptor(c, sel, call, s.rip)) { c.brk = Brk.STOP; return; } // gates, TSS: system/gates.ts
  if (call) {
    const n = 1 << sz;
    c.m.probeWrite(stackLa(c, -2 * n, 2 * n), 2 * n);
  }
  loadCs(c, sel);
  if (call) { push(c, sz, oldCs, 0); push(c, sz, retLo, retHi); }
  s.rip = sz === 3 ? offHi * TWO32 + off : off;
  c.brk = Brk.STOP;
}

/** RETF / RETF imm16 (CB/CA). */
export function retFar(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz;
  const off = readMem(c, stackLa(c, 0, n), sz), offHi = sz === 3 ? c.m.hi : 0;
  const sel = readMem(c, stackLa(c, n, n), sz) & 0xffff;
  if ((c.s.cr0 & CR0.PE) !== 0 && (c.s.flags & F.VM) === 0 && (sel & 3) > c.s.cpl) {
    // Return to an outer privilege level: also pops SS:RSP.
    const newSp = readMem(c, stackLa(c, 2 * n + (i.opc === 0xca ? i.imm : 0), n), sz), newSpHi = c.m.hi;
    const newSs = readMem(c, stackLa(c, 3 * n + (i.opc === 0xca ? i.imm : 0), n), sz) & 0xffff;
    loadCsReturn(c, sel);
    loadSegment(c, Seg.SS, newSs);
    c.lo[4] = newSp; c.hi[4] = sz === 3 ? newSpHi : 0;
    addSp(c, i.opc === 0xca ? i.imm : 0);
    nullInnerDataSegments(c);
  } else {
    loadCs(c, sel);
    addSp(c, 2 * n + (i.opc === 0xca ? i.imm : 0));
  }
  c.s.rip = sz === 3 ? offHi * TWO32 + (off >>> 0) : sz === 2 ? off >>> 0 : off & 0xffff;
  c.brk = Brk.STOP;
}

/** INT imm8 (CD), INT3 (CC), INTO (CE), INT1 (F1): software interrupts, delivered with RIP after the instruction. */
export function softInt(c: Cpu, i: Insn): void {
  let vector: number;
  if (i.opc === 0xcd) vector = i.imm & 0xff;
  else if (i.opc === 0xcc) vector = Vec.BP;
  else if (i.opc === 0xce) { if (getOF(c) === 0) return; vector = Vec.OF; }
  else vector = Vec.DB;
  c.brk = Brk.STOP;
  c.curIp = c.s.rip - i.len;
  const r = deliverInterrupt(c, vector, false, 0, i.opc !== 0xf1, false);
  if (r !== 0) c.exitReason = r;
}


/** IRET/IRETD/IRETQ (CF). */
export function iret(c: Cpu, i: Insn): void {
  doIret(c, i.osz);
  c.brk = Brk.STOP;
}

/** PUSHF (9C). */
export function pushf(c: Cpu, i: Insn): void {
  if ((c.s.flags & F.VM) !== 0 && (c.s.flags & F.IOPL) !== F.IOPL) fault(c, Vec.GP, 0); // v8086 needs IOPL 3 (no VME)
  const f = getFlags(c) & ~(F.VM | F.RF);
  push(c, i.osz, f, 0);
}

/** POPF (9D): which bits change depends on CPL and IOPL (VM/RF/VIP/VIF never change here). */
export function popf(c: Cpu, i: Insn): void {
  const s = c.s;
  if ((s.flags & F.VM) !== 0 && (s.flags & F.IOPL) !== F.IOPL) fault(c, Vec.GP, 0); // v8086 needs IOPL 3 (no VME)
  const v = pop(c, i.osz);
  let mask = F.CF | F.PF | F.AF | F.ZF | F.SF | F.TF | F.DF | F.OF | F.NT;
  if (i.osz !== 1) mask |= F.AC | F.ID;
  if (s.cpl === 0) mask |= F.IOPL | F.IF;
  else if (s.cpl <= ((s.flags >> 12) & 3)) mask |= F.IF;
  if (i.osz === 1) mask &= 0xffff;
  const nf = (s.flags & ~mask) | (v & mask) | 2;
  s.flags = nf;
  setArithFlags(c, v);
  // Setting TF: leave the block so the run loop steps from the next instruction on.
  if ((nf & F.TF) !== 0) c.brk = Brk.STOP;
}

