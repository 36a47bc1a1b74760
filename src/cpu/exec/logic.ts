/** Logic: NOT and TEST (AND/OR/XOR share the ALU handlers of arith.ts). */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { K, setLazy, setLazy64, SIZE_MASK } from '../flags.js';
import { ea, getReg, readMem, readRm, setReg, writeMem } from './operands.js';

/** NOT r/m (F6/F7 /2): no flags. */
export function not(c: Cpu, i: Insn): void {
  const sz = i.osz;
  if (i.mod === 3) {
    if (sz === 3) { c.lo[i.rm] = ~c.lo[i.rm]!; c.hi[i.rm] = ~c.hi[i.rm]!; return; }
    setReg(c, sz, i.rm, ~getReg(c, sz, i.rm), 0);
    return;
  }
  const la = ea(c, i, 1 << sz, 1);
  const v = readMem(c, la, sz);
  writeMem(c, la, sz, ~v, ~c.m.hi);
}

/** TEST r/m, reg (84/85). */
export function testRmReg(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const a = readRm(c, i, sz);
  if (sz === 3) {
    const ah = c.m.hi;
    setLazy64(c, K.LOGIC, 0, 0, 0, 0, a & c.lo[i.reg]!, ah & c.hi[i.reg]!);
    return;
  }
  setLazy(c, K.LOGIC, sz, 0, 0, a & getReg(c, sz, i.reg));
}

/** TEST r/m, imm (F6/F7 /0 /1, A8/A9 with rm = 0, mod = 3). */
export function testRmImm(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const a = readRm(c, i, sz);
  if (sz === 3) {
    const ah = c.m.hi;
    setLazy64(c, K.LOGIC, 0, 0, 0, 0, a & i.imm, ah & (i.imm >> 31));
    return;
  }
  setLazy(c, K.LOGIC, sz, 0, 0, a & i.imm & SIZE_MASK[sz]!);
}
