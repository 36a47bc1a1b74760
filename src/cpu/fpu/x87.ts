/**
 * What every x87 instruction shares: the entry checks (#NM for CR0.EM or
 * TS; #MF for a pending unmasked exception, except in the no-wait control
 * forms; we raise #MF whether CR0.NE is set or not: the NE = 0
 * external-interrupt path is not modelled), the last-instruction pointers,
 * memory operand loading and small result helpers; and FWAIT. The
 * instructions are in x87-arith.ts (D8 DA DC DE), x87-functions.ts (D9),
 * x87-load-store.ts (DB DD DF) and x87-env.ts (state images). One handler
 * per opcode byte; `i.sub` is ModRM.reg.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { CodeSize, CR0, F, Seg } from '../state.js';
import { ea, fault } from '../exec/operands.js';
import { FSW, FSW_CC, type Fpu, isEmpty, loadF32Operand, loadF64Operand, OpKind, type Operand, pushSlot, raise, setSt, setStRaw, underflow } from './fpu.js';
import { type F80 } from './float80.js';

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
export function note(c: Cpu, i: Insn, f: Fpu, la: number): void {
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
export function begin(c: Cpu, i: Insn, len: number, write: number): number {
  const f = fpuEnter(c, true);
  const la = i.mod === 3 ? 0 : ea(c, i, len, write);
  note(c, i, f, la);
  return la;
}

// ---- memory operands ------------------------------------------------------

export function loadMemOperand(c: Cpu, la: number, kind: number, o: Operand): void {
  // kind: 0 m32fp, 1 m32int, 2 m64fp, 3 m16int
  switch (kind) {
    case 0: loadF32Operand(c.m.read32(la), o); return;
    case 1: o.kind = OpKind.NUM; o.v = c.m.read32(la); return;
    case 2: { const lo = c.m.read32(la), hi = c.m.read32(la + 4); loadF64Operand(lo, hi, o); return; }
    default: o.kind = OpKind.NUM; o.v = (c.m.read16(la) << 16) >> 16;
  }
}
export const MEM_LEN = [4, 4, 8, 2] as const;

/** Masked invalid operation: the indefinite; unmasked: nothing stored (returns false). */
export function invalid(f: Fpu, dst: number): boolean {
  if (raise(f, FSW.IE)) return false;
  setSt(f, dst, NaN);
  return true;
}

/** Both register sources present, else stack underflow (masked: the indefinite in dst). */
export function sourcesPresent(f: Fpu, a: number, b: number, dst: number): boolean {
  if (!isEmpty(f, a) && !isEmpty(f, b)) return true;
  if (!underflow(f)) setSt(f, dst, NaN);
  return false;
}

export function setCc(f: Fpu, cc: number): void {
  f.sw = (f.sw & ~FSW_CC) | cc;
}

// ---- loads --------------------------------------------------------------------

/** Push a double (SNaN sources were dealt with by the caller). */
export function pushValue(f: Fpu, x: number): void {
  if (pushSlot(f)) setSt(f, 0, x);
}

export function pushRaw(f: Fpu, v: F80): void {
  if (pushSlot(f)) setStRaw(f, 0, v.se, v.hi, v.lo);
}

export const t80: F80 = { se: 0, hi: 0, lo: 0 };
export const bytes10 = new Uint8Array(10);

/** FLDCW/FLDENV/FRSTOR: ES (and B) follow the unmasked pending exceptions. */
export function recomputeSummary(f: Fpu): void {
  if ((f.sw & ~f.cw & FCW_MASK) !== 0) f.sw |= FSW.ES | FSW.B;
  else f.sw &= ~(FSW.ES | FSW.B);
}
const FCW_MASK = 0x3f;

/** FWAIT (9B): #NM only with CR0.MP and TS; #MF for a pending unmasked exception. */
export function fwait(c: Cpu): void {
  const cr0 = c.s.cr0;
  if ((cr0 & (CR0.MP | CR0.TS)) === (CR0.MP | CR0.TS)) fault(c, Vec.NM);
  if ((c.fpu.sw & FSW.ES) !== 0) fault(c, Vec.MF);
}

