/**
 * The unprivileged descriptor queries: LAR, LSL, VERR, VERW (they never
 * fault on a bad selector: they clear ZF) and ARPL. Which descriptor types
 * each accepts, and the privilege rule (conforming code is exempt), follow
 * the SDM's tables; long mode accepts fewer system types.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { getFlags, setArithFlags } from '../flags.js';
import { fault, readRm, setReg, writeRm } from '../exec/operands.js';
import { D_CODE, D_CONF, D_RW, D_S, supervisor } from '../segments.js';
import { CR0, EFER, F, Seg } from '../state.js';


/** System types LAR accepts (legacy / long mode): TSS, LDT, call and task gates. */
const LAR_LEGACY = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 11) | (1 << 12);
const LAR_LONG = (1 << 2) | (1 << 9) | (1 << 11) | (1 << 12);
/** System types LSL accepts: TSS and LDT only. */
const LSL_LEGACY = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 11);
const LSL_LONG = (1 << 2) | (1 << 9) | (1 << 11);

function setZf(c: Cpu, on: boolean): void {
  const f = getFlags(c);
  setArithFlags(c, on ? f | F.ZF : f & ~F.ZF);
}

/**
 * Read the descriptor for `sel` without faulting: the high dword in c.m.hi
 * and true, or false if the selector is null or beyond its table.
 */
function peekDescriptor(c: Cpu, sel: number): number | undefined {
  const s = c.s;
  if ((sel & 0xfffc) === 0) return undefined;
  const ti = (sel & 4) !== 0;
  if (ti && (s.segAttr[Seg.LDTR]! & (1 << 16)) !== 0) return undefined;
  const base = ti ? s.segBase[Seg.LDTR]! : s.gdtBase;
  const limit = ti ? s.segLimit[Seg.LDTR]! : s.gdtLimit;
  const off = sel & 0xfff8;
  if (off + 7 > limit) return undefined;
  return supervisor(c, () => {
    const lo = c.m.read32(base + off);
    c.m.hi = c.m.read32(base + off + 4);
    return lo;
  });
}

/** The privilege rule shared by all four: DPL >= CPL and DPL >= RPL, except for conforming code. */
function visible(c: Cpu, sel: number, hi: number): boolean {
  if ((hi & (D_S | D_CODE | D_CONF)) === (D_S | D_CODE | D_CONF)) return true;
  const dpl = (hi >> 13) & 3;
  return dpl >= c.s.cpl && dpl >= (sel & 3);
}

function protectedOnly(c: Cpu): void {
  if ((c.s.cr0 & CR0.PE) === 0 || (c.s.flags & F.VM) !== 0) fault(c, Vec.UD);
}

/** LAR (0F 02) and LSL (0F 03): sub = 0 LAR, 1 LSL. */
export function larLsl(c: Cpu, i: Insn): void {
  protectedOnly(c);
  const sel = readRm(c, i, 1) & 0xffff;
  const lo = peekDescriptor(c, sel);
  const hi = c.m.hi;
  let ok = lo !== undefined && visible(c, sel, hi);
  if (ok && (hi & D_S) === 0) {
    const long = (c.s.efer & EFER.LMA) !== 0;
    const types = i.sub === 0 ? (long ? LAR_LONG : LAR_LEGACY) : (long ? LSL_LONG : LSL_LEGACY);
    ok = ((types >> ((hi >> 8) & 0xf)) & 1) !== 0;
  }
  setZf(c, ok);
  if (!ok || lo === undefined) return;
  let v: number;
  if (i.sub === 0) v = i.osz === 1 ? hi & 0xff00 : hi & 0x00f0ff00;
  else {
    v = (lo & 0xffff) | (hi & 0xf0000);
    if ((hi & (1 << 23)) !== 0) v = ((v << 12) | 0xfff) >>> 0;
    if (i.osz === 1) v &= 0xffff;
  }
  setReg(c, i.osz === 1 ? 1 : 2, i.reg, v | 0, 0);
}

/** VERR / VERW (0F 00 /4, /5): readable (or writable) segment visible at this CPL and RPL. */
export function verifySegment(c: Cpu, i: Insn, write: boolean): void {
  protectedOnly(c);
  const sel = readRm(c, i, 1) & 0xffff;
  const lo = peekDescriptor(c, sel);
  const hi = c.m.hi;
  let ok = lo !== undefined && (hi & D_S) !== 0 && visible(c, sel, hi);
  if (ok) {
    const code = (hi & D_CODE) !== 0;
    ok = write ? !code && (hi & D_RW) !== 0 : !code || (hi & D_RW) !== 0;
  }
  setZf(c, ok);
}

/** ARPL r/m16, r16 (63, legacy modes): raise the destination's RPL to the source's. */
export function arpl(c: Cpu, i: Insn): void {
  protectedOnly(c);
  const dst = readRm(c, i, 1) & 0xffff;
  const src = c.lo[i.reg]! & 3;
  if ((dst & 3) < src) {
    writeRm(c, i, 1, (dst & ~3) | src, 0);
    setZf(c, true);
  } else setZf(c, false);
}
