/**
 * The QEMU real-mode runner: known results, exception vectors, and agreement
 * with the host CPU's 16-bit results on a sample of the arithmetic cases.
 */
import { describe, expect, it } from 'vitest';
import { assembleSnippets } from './assemble.js';
import { crossCheck } from './crosscheck.js';
import { alu } from './families/alu.js';
import { familySpecs } from './generate.js';
import { DATA_PTR, STACK_TOP } from './layout.js';
import { qemuAvailable, runQemu } from './qemu.js';
import { Case } from './spec.js';

const missing = qemuAvailable();

describe.skipIf(missing)(`QEMU real-mode runner${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('runs 16-bit snippets in real mode and catches exceptions through the IVT', () => {
    const cases = [
      new Case(16, 'add', 'add ax, bx').set('eax', 0x1234ffffn).set('bx', 1n).flags(0),
      new Case(16, 'store', 'mov [0x1800], ax').set('ax', 0xbeefn),
      new Case(16, 'div0', 'div cl').set('cl', 0n),
      new Case(16, 'int3', 'int3'),
      new Case(16, 'ud2', 'ud2'),
    ];
    const specs = cases.map((c) => c.spec());
    const { header, results } = runQemu(16, specs, assembleSnippets(16, specs.map((s) => s.asm)));
    expect(header.selectors).toEqual({ cs: 0x1000, ds: 0x2000, es: 0x2000, fs: 0x2000, gs: 0x2000, ss: 0x2000 });
    const [add, store, div0, int3, ud2] = results;
    expect(add!.regs.rax).toBe(0x12340000n);
    expect(add!.rflags).toBe(0x257n);
    expect(store!.mem.get(DATA_PTR)! & 0xffffn).toBe(0xbeefn);
    expect(div0!.exc).toBe(0);
    // real mode delivers through the IVT: the interrupt frame lands on the snippet's stack
    expect(div0!.mem.has(STACK_TOP - 8)).toBe(true);
    expect(int3!.exc).toBe(3);
    expect(ud2!.exc).toBe(6);
  });

  it('agrees with the host CPU on 16-bit arithmetic (sample of the alu family)', () => {
    const specs = familySpecs(alu, 16, new Set()).filter((_, i) => i % 10 === 0);
    const { cases, differences } = crossCheck(16, specs);
    expect(cases).toBeGreaterThan(200);
    expect(differences).toEqual([]);
  });
});
