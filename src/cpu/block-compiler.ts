/**
 * A first block compiler: turns a hot decoded block into one JS function
 * that calls the block's handlers in sequence ("call threading"). Each call
 * site then has a single, constant target, so V8 calls it directly and can
 * inline the small handlers, instead of one megamorphic indirect call per
 * instruction in the interpreter loop. Register-only instructions that cannot
 * fault or branch (PURE_WITH_REGISTERS) run without RIP bookkeeping; every
 * other instruction sees RIP set past itself, as in the interpreter, and a
 * handler that sets `brk` ends the block. On a fault RIP is set past the
 * faulting instruction and its index left in Cpu.faultIndex, exactly the
 * interpreter's state (cpu.ts).
 *
 * Generated code contains only numbers and identifiers we produce (H0.., I0..,
 * instruction lengths); nothing from the guest is spliced in as text.
 * Translating instructions to specialised JS (operands as constants, lazy
 * flags elided) is the next step and fits the same slot.
 */
import type { Block, CompiledBlock } from './block-cache.js';
import type { Handler, Insn } from './decoder/insn.js';
import * as arith from './exec/arith.js';
import * as bit from './exec/bit.js';
import * as dm from './exec/data-move.js';
import * as logic from './exec/logic.js';
import * as misc from './exec/misc.js';
import * as md from './exec/mul-div.js';
import * as sh from './exec/shift-rotate.js';

/**
 * Handlers that, with a register operand (ModRM.mod = 3, or no ModRM), never
 * read RIP, never fault, never exit and never set `brk`: the compiled block
 * calls them without updating RIP first or checking `brk` after.
 */
const PURE_WITH_REGISTERS = new Set<Handler>([
  dm.mov32RegReg, dm.mov64RegReg, dm.movRegImm, dm.movRmReg, dm.movRegRm, dm.movzx, dm.movsx, dm.cmov, dm.xchg, dm.bswap, dm.cbw, dm.cwd,
  arith.alu32RegReg, arith.alu32RegImm, arith.alu64RegReg, arith.alu64RegImm, arith.aluRmReg, arith.aluRegRm, arith.aluRmImm, arith.incDec32Reg, arith.incDec64Reg, arith.incDec,
  arith.neg, logic.not, logic.testRmReg, logic.testRmImm, sh.shift32RegImm, sh.shift64RegImm, sh.shiftGroup, sh.shiftDouble,
  md.mul, md.imul1, md.imul2, bit.bsf, bit.bsr, bit.popcnt, bit.setcc, bit.bitTest,
  misc.nop, misc.clc, misc.stc, misc.cmc, misc.cld, misc.std,
]);

export function isPure(i: Insn): boolean {
  return PURE_WITH_REGISTERS.has(i.h) && i.mod === 3;
}

export function compileBlock(b: Block): CompiledBlock {
  const insns = b.insns;
  const n = insns.length;
  const hoist: string[] = [];
  const body: string[] = [];
  const ends: number[] = [];
  let off = 0;
  for (let j = 0; j < n; j++) {
    const i = insns[j]!;
    off += i.len | 0;
    ends.push(off);
    hoist.push(`const H${j} = H[${j}], I${j} = I[${j}];`);
    if (i.pure) body.push(`j = ${j}; H${j}(c, I${j});`);
    else body.push(`j = ${j}; s.rip = ip0 + ${off}; H${j}(c, I${j}); if (c.brk !== 0) return ${j + 1};`);
  }
  // A pure last instruction leaves RIP to us; any other set it before running.
  const tail = insns[n - 1]!.pure ? `s.rip = ip0 + ${off};` : '';
  const src = `${hoist.join('\n')}
const ENDS = [${ends.join(', ')}];
return function compiledBlock(c, s) {
  const ip0 = s.rip;
  let j = 0;
  try {
${body.join('\n')}
    ${tail}
    return ${n};
  } catch (e) {
    // As in the interpreter: RIP after the faulting instruction, its index for the loop.
    s.rip = ip0 + ENDS[j];
    c.faultIndex = j;
    throw e;
  }
};`;
  // The compiler's own output, see the file comment.
  const factory = new Function('H', 'I', src) as (h: unknown[], i: unknown[]) => CompiledBlock;
  return factory(insns.map((i) => i.h), insns);
}
