/**
 * BOUND (62 /r, legacy modes only): #BR, a fault, when the signed index in
 * the register lies outside [lower, upper] read from memory.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { ea, fault, readMem } from './operands.js';

export function bound(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const la = ea(c, i, 2 << sz, 0);
  const n = 1 << sz;
  const sext = (v: number): number => (sz === 1 ? (v << 16) >> 16 : v | 0);
  const lower = sext(readMem(c, la, sz));
  const upper = sext(readMem(c, sz === 1 ? (la + n) & 0xffffffff : (la + n) >>> 0, sz));
  const index = sext(c.lo[i.reg]!);
  if (index < lower || index > upper) fault(c, Vec.BR);
}
