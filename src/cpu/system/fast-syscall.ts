/**
 * The fast system-call instructions: SYSCALL/SYSRET (STAR, LSTAR, CSTAR,
 * SFMASK, EFER.SCE) and SYSENTER/SYSEXIT (SYSENTER_CS/ESP/EIP). None of
 * them reads a descriptor: the new CS and SS are loaded with fixed flat
 * attributes derived from the MSR selectors, as the SDM and APM describe.
 *
 * Vendor differences follow the CPUID profile (Cpu.amd): Intel allows
 * SYSCALL/SYSRET only in 64-bit mode (#UD elsewhere) and SYSENTER/SYSEXIT
 * everywhere in protected mode; AMD allows SYSCALL/SYSRET in legacy and
 * compatibility mode too (CSTAR, STAR[31:0]) and makes SYSENTER/SYSEXIT #UD
 * in long mode.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { getFlags, setArithFlags } from '../flags.js';
import { fault } from '../exec/operands.js';
import { CodeSize, CR0, EFER, F, flatSegAttr, RFLAGS_WRITABLE, Seg } from '../state.js';

const TWO32 = 4294967296;
const CANON = 0x800000000000;
const CODE = 0xb; // execute/read, accessed
const DATA = 0x3; // read/write, accessed

function loadFlat(c: Cpu, seg: number, sel: number, type: number, dpl: number, size: 16 | 32 | 64): void {
  const s = c.s;
  s.segSel[seg] = sel & 0xffff;
  s.segBase[seg] = 0;
  s.segLimit[seg] = 0xffffffff;
  s.segAttr[seg] = flatSegAttr(type, dpl, size);
}

function setRflags(c: Cpu, v: number): void {
  c.s.flags = (v & RFLAGS_WRITABLE) | 2;
  setArithFlags(c, v);
}

function enterCpl(c: Cpu, cpl: number): void {
  c.setCpl(cpl);
  c.updateMode();
}

/** A 64-bit register as a (signed, canonical-range) address. */
function regAddr(c: Cpu, r: number): number {
  return c.hi[r]! * TWO32 + (c.lo[r]! >>> 0);
}

function setReg64(c: Cpu, r: number, v: number): void {
  c.lo[r] = v >>> 0 | 0;
  c.hi[r] = Math.floor(v / TWO32) | 0;
}

/** SYSCALL (0F 05). */
export function syscall(c: Cpu, _i: Insn): void {
  const s = c.s;
  const long = (s.efer & EFER.LMA) !== 0;
  const mode64 = s.codeSize === CodeSize.Bits64;
  if ((s.efer & EFER.SCE) === 0 || (!mode64 && !c.amd) || (s.cr0 & CR0.PE) === 0) fault(c, Vec.UD);
  const flags = getFlags(c) & ~F.RF;
  const csSel = (s.starHi & 0xfffc);
  if (long) {
    setReg64(c, 1, s.rip);
    setReg64(c, 11, flags);
    s.rip = mode64 ? s.lstar : s.cstar;
    setRflags(c, flags & ~s.sfmask);
    loadFlat(c, Seg.CS, csSel, CODE, 0, 64);
  } else {
    // AMD legacy mode: EIP from STAR[31:0]; IF, VM and RF cleared.
    c.lo[1] = s.rip | 0; c.hi[1] = 0;
    s.rip = s.star >>> 0;
    setRflags(c, flags & ~(F.IF | F.VM));
    loadFlat(c, Seg.CS, csSel, CODE, 0, 32);
  }
  loadFlat(c, Seg.SS, csSel + 8, DATA, 0, 32);
  enterCpl(c, 0);
}

/** SYSRET (0F 07); REX.W returns to 64-bit code. */
export function sysret(c: Cpu, i: Insn): void {
  const s = c.s;
  const long = (s.efer & EFER.LMA) !== 0;
  const mode64 = s.codeSize === CodeSize.Bits64;
  if ((s.efer & EFER.SCE) === 0 || (!mode64 && !c.amd) || (s.cr0 & CR0.PE) === 0) fault(c, Vec.UD);
  if (s.cpl !== 0) fault(c, Vec.GP, 0);
  const base = (s.starHi >>> 16) & 0xffff;
  const to64 = i.osz === 3;
  if (to64) {
    const rip = regAddr(c, 1);
    // Intel checks RCX before changing anything (AMD would fault in ring 3).
    if (rip < -CANON || rip >= CANON) fault(c, Vec.GP, 0);
    loadFlat(c, Seg.CS, (base + 16) | 3, CODE, 3, 64);
    s.rip = rip;
  } else {
    loadFlat(c, Seg.CS, base | 3, CODE, 3, 32);
    s.rip = c.lo[1]! >>> 0;
  }
  if (long) setRflags(c, (c.lo[11]! & 0x3c7fd7) | 2);
  else setRflags(c, getFlags(c) | F.IF);
  // SS keeps the selector's RPL 3 and flat attributes (Intel: DPL 3).
  loadFlat(c, Seg.SS, (base + 8) | 3, DATA, 3, 32);
  enterCpl(c, 3);
}

/** SYSENTER (0F 34). */
export function sysenter(c: Cpu, _i: Insn): void {
  const s = c.s;
  const long = (s.efer & EFER.LMA) !== 0;
  if (c.amd && long) fault(c, Vec.UD);
  if ((s.cr0 & CR0.PE) === 0 || (s.sysenterCs & 0xfffc) === 0) fault(c, Vec.GP, 0);
  setRflags(c, getFlags(c) & ~(F.VM | F.IF | F.RF));
  const cs = s.sysenterCs & 0xfffc;
  loadFlat(c, Seg.CS, cs, CODE, 0, long ? 64 : 32);
  loadFlat(c, Seg.SS, cs + 8, DATA, 0, 32);
  if (long) { s.rip = s.sysenterEip; setReg64(c, 4, s.sysenterEsp); }
  else { s.rip = s.sysenterEip >>> 0; c.lo[4] = s.sysenterEsp | 0; c.hi[4] = 0; }
  enterCpl(c, 0);
}

/** SYSEXIT (0F 35); REX.W returns to 64-bit code. */
export function sysexit(c: Cpu, i: Insn): void {
  const s = c.s;
  const long = (s.efer & EFER.LMA) !== 0;
  if (c.amd && long) fault(c, Vec.UD);
  if ((s.cr0 & CR0.PE) === 0 || (s.sysenterCs & 0xfffc) === 0 || s.cpl !== 0) fault(c, Vec.GP, 0);
  const base = s.sysenterCs & 0xfffc;
  if (i.osz === 3) {
    const rip = regAddr(c, 2), rsp = regAddr(c, 1);
    if (rip < -CANON || rip >= CANON || rsp < -CANON || rsp >= CANON) fault(c, Vec.GP, 0);
    loadFlat(c, Seg.CS, (base + 32) | 3, CODE, 3, 64);
    loadFlat(c, Seg.SS, (base + 40) | 3, DATA, 3, 32);
    s.rip = rip; setReg64(c, 4, rsp);
  } else {
    loadFlat(c, Seg.CS, (base + 16) | 3, CODE, 3, 32);
    loadFlat(c, Seg.SS, (base + 24) | 3, DATA, 3, 32);
    s.rip = c.lo[2]! >>> 0;
    c.lo[4] = c.lo[1]!; c.hi[4] = 0;
  }
  enterCpl(c, 3);
}
