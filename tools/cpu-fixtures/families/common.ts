/** Helpers the family generators share: operand text, memory operands, the family shape. */
import { backgroundRegs, DATA_PTR, dataBase, FLAG, type Mode } from '../layout.js';
import { Case, type CaseSpec, operandRegs, regRef, type Width } from '../spec.js';
import type { Rng } from '../values.js';

export interface GenContext {
  mode: Mode;
  rng: Rng;
  /** CPUID feature names the host advertises (/proc/cpuinfo "flags") */
  features: ReadonlySet<string>;
}

export interface Family {
  name: string;
  /** What the family covers, for the fixture README and the report */
  covers: string;
  /**
   * Where the results come from: the host CPU (the default), or QEMU in real
   * mode for what a user-mode helper cannot run (16-bit cases only).
   */
  reference?: 'qemu-real-mode' | 'qemu-ring0';
  generate(ctx: GenContext): CaseSpec[];
}

export const SIZE_KW: Record<Width, string> = { 8: 'byte', 16: 'word', 32: 'dword', 64: 'qword' };

export const { CF, PF, AF, ZF, SF, OF } = FLAG;
export const ALL_STATUS = CF | PF | AF | ZF | SF | OF;

const BASES: Record<Mode, string[]> = {
  64: ['rbx', 'rsi', 'rdi', 'rbp', 'r9', 'r13', 'rsp', 'r12'],
  32: ['ebx', 'esi', 'edi', 'ebp', 'esp', 'ecx'],
  16: ['bx', 'si', 'di', 'bp', 'ebx', 'esp'],
};

/**
 * A memory operand addressing linear `addr`, with a base register (chosen by
 * `k` and not in `avoid`) set so segment base + base + displacement = addr.
 * RSP-based operands keep RSP at its usual value and use the displacement alone.
 */
export function memRef(c: Case, k: number, addr: number, avoid: readonly string[] = []): string {
  const avoidG = avoid.map((r) => regRef(r).gpr);
  const bases = BASES[c.mode].filter((b) => !avoidG.includes(regRef(b).gpr));
  const base = bases[k % bases.length]!;
  const g = regRef(base).gpr;
  const offset = addr - dataBase(c.mode);
  if (g === 'rsp') {
    const rsp = Number(c.regs.rsp ?? backgroundRegs(c.mode).rsp);
    const d = offset - rsp;
    return `[${base}${d < 0 ? '-' : '+'}0x${Math.abs(d).toString(16)}]`;
  }
  const disp = [0, 8, -16, 0x40][k % 4]!;
  c.set(base, BigInt(offset - disp));
  return disp === 0 ? `[${base}]` : `[${base}${disp < 0 ? '-' : '+'}0x${Math.abs(disp).toString(16)}]`;
}

/** Two distinct operand registers, rotating with k. */
export function twoRegs(mode: Mode, w: Width, k: number): [string, string] {
  const rs = operandRegs(mode, w);
  const a = rs[k % rs.length]!;
  let b = rs[(k * 5 + 3) % rs.length]!;
  if (regRef(a).gpr === regRef(b).gpr) b = rs[(k * 5 + 4) % rs.length]!;
  return [a, b];
}

export function oneReg(mode: Mode, w: Width, k: number): string {
  const rs = operandRegs(mode, w);
  return rs[(k * 7 + 1) % rs.length]!;
}

/** Operand-size prefix bytes (for `db` spellings) of width w in a mode. */
export function opPrefix(mode: Mode, w: number): string {
  if (w === 64) return '0x48, ';
  return (w === 16) !== (mode === 16) && w !== 8 ? '0x66, ' : '';
}

/** Data offset (what a register holds) of a linear address in MAIN. */
export function offsetOf(mode: Mode, addr: number): bigint {
  return BigInt(addr - dataBase(mode));
}

export { DATA_PTR };
