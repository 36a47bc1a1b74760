/**
 * BCD adjustments: DAA DAS AAA AAS AAM AAD (#UD in 64-bit mode, by the
 * decoder). Undefined flags follow the profile in README.md: DAA/DAS set OF
 * as Intel CPUs do (from the signed overflow of the adjustment, as Bochs);
 * AAA/AAS clear OF SF ZF PF; AAM/AAD set SF ZF PF from AL, CF = AF = OF = 0.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { getAF, getCF, PARITY, setArithFlags } from '../flags.js';
import { Vec } from '../exceptions.js';
import { F } from '../state.js';
import { fault, setReg } from './operands.js';

function szp(v: number): number {
  return (v === 0 ? F.ZF : 0) | ((v & 0x80) !== 0 ? F.SF : 0) | PARITY[v & 0xff]!;
}

/** DAA (27) and DAS (2F): sub = 1 for DAS. */
export function daaDas(c: Cpu, i: Insn): void {
  const old = c.lo[0]! & 0xff;
  const oldCf = getCF(c);
  let al = old, cf = 0, af = 0;
  const das = i.sub === 1;
  if ((al & 0xf) > 9 || getAF(c) !== 0) {
    // The low adjustment's own borrow/carry out of AL sets CF too (SDM pseudocode).
    const t = das ? al - 6 : al + 6;
    cf = t < 0 || t > 0xff ? 1 : 0; // (an old CF sets it below)
    al = t & 0xff;
    af = 1;
  }
  if (old > 0x99 || oldCf !== 0) {
    al = das ? (al - 0x60) & 0xff : (al + 0x60) & 0xff;
    cf = 1;
  }
  const of = das ? ((old & ~al) & 0x80) !== 0 : ((~old & al) & 0x80) !== 0;
  setReg(c, 0, 0, al, 0);
  setArithFlags(c, szp(al) | cf | (af ? F.AF : 0) | (of ? F.OF : 0));
}

/** AAA (37) and AAS (3F): sub = 1 for AAS. */
export function aaaAas(c: Cpu, i: Insn): void {
  let ax = c.lo[0]! & 0xffff;
  let flags = 0;
  if ((ax & 0xf) > 9 || getAF(c) !== 0) {
    if (i.sub === 1) { ax = (ax - 6) & 0xffff; ax = (ax - 0x100) & 0xffff; }
    else { ax = (ax + 0x106) & 0xffff; }
    flags = F.AF | F.CF;
  }
  ax &= 0xff0f;
  setReg(c, 1, 0, ax, 0);
  setArithFlags(c, flags | szp(ax & 0xff));
}

/** AAM imm8 (D4): #DE when the base is 0. */
export function aam(c: Cpu, i: Insn): void {
  const base = i.imm & 0xff;
  if (base === 0) fault(c, Vec.DE);
  const al = c.lo[0]! & 0xff;
  const r = al % base;
  setReg(c, 1, 0, (Math.floor(al / base) << 8) | r, 0);
  setArithFlags(c, szp(r));
}

/** AAD imm8 (D5). */
export function aad(c: Cpu, i: Insn): void {
  const ax = c.lo[0]! & 0xffff;
  const al = ((ax & 0xff) + (ax >> 8) * (i.imm & 0xff)) & 0xff;
  setReg(c, 1, 0, al, 0);
  setArithFlags(c, szp(al));
}

/** SALC (D6, undocumented): AL = CF ? 0xFF : 0. */
export function salc(c: Cpu): void {
  setReg(c, 0, 0, getCF(c) !== 0 ? 0xff : 0, 0);
}
