/**
 * A first block compiler: turns a hot decoded block into one JS function
 * that calls the block's handlers in sequence ("call threading"). Each call
 * site then has a single, constant target, so V8 calls it directly and can
 * inline the small handlers, instead of one megamorphic indirect call per
 * instruction in the interpreter loop. Semantics are exactly the
 * interpreter's (cpu.ts): RIP is advanced before each handler, a handler
 * that sets `brk` ends the block, and on a fault the index of the faulting
 * instruction is left in Cpu.faultIndex.
 *
 * Generated code contains only numbers and identifiers we produce (H0.., I0..,
 * instruction lengths); nothing from the guest is spliced in as text.
 * Translating instructions to specialised JS (operands as constants, lazy
 * flags elided) is the next step and fits the same slot.
 */
import type { Block, CompiledBlock } from './block-cache.js';

export function compileBlock(b: Block): CompiledBlock {
  const insns = b.insns;
  const n = insns.length;
  const hoist: string[] = [];
  const body: string[] = [];
  for (let j = 0; j < n; j++) {
    const len = insns[j]!.len | 0;
    hoist.push(`const H${j} = H[${j}], I${j} = I[${j}];`);
    body.push(`j = ${j}; s.rip += ${len}; H${j}(c, I${j}); if (c.brk !== 0) return ${j + 1};`);
  }
  const src = `${hoist.join('\n')}
return function compiledBlock(c, s) {
  let j = 0;
  try {
${body.join('\n')}
    return ${n};
  } catch (e) {
    c.faultIndex = j;
    throw e;
  }
};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the compiler's output, see the file comment
  const factory = new Function('H', 'I', src) as (h: unknown[], i: unknown[]) => CompiledBlock;
  return factory(insns.map((i) => i.h), insns);
}
