import { describe, expect, test } from 'vitest';
import { ExitReason } from '../../src/cpu/contract.js';
import { cpuWith } from './asm.js';

describe('run loop smoke', () => {
  for (const [mode, paging] of [[64, true], [32, false], [32, true]] as const) {
    test(`${mode}-bit paging=${paging}: a loop runs to HLT`, () => {
      const t = cpuWith(mode, `
        mov ecx, 1000
        xor eax, eax
      l: add eax, ecx
        dec ecx
        jnz l
        hlt`, { paging });
      const r = t.run(1_000_000);
      expect(r.reason).toBe(ExitReason.Hlt);
      expect(r.exception).toBeUndefined();
      expect(t.get('rax')).toBe(500500n);
      expect(r.retired).toBe(2 + 3 * 1000 + 1);
    });
  }
  test('real mode', () => {
    const t = cpuWith(16, `mov ax, 0x1234\nadd ax, ax\nhlt`);
    const r = t.run(100);
    expect(r.reason).toBe(ExitReason.Hlt);
    expect(t.get('rax')).toBe(0x2468n);
  });
});

describe('conditional branches inside blocks', () => {
  test('taken and not-taken Jcc in the middle of a block', () => {
    const t = cpuWith(32, `
      mov ecx, 3
      xor eax, eax
    l: cmp ecx, 2
      je skip
      inc eax
    skip: dec ecx
      jnz l
      hlt`);
    const r = t.run(1000);
    expect(r.reason).toBe(ExitReason.Hlt);
    expect(t.get('rax')).toBe(2n);
    expect(r.retired).toBe(2 + 3 * 5 - 1 + 1);
  });
  test('a fault after a not-taken branch reports the right RIP', () => {
    const t = cpuWith(32, `xor eax, eax\njnz x\nud2\nx: hlt`);
    const r = t.run(100);
    expect(r.exception?.vector).toBe(6);
    expect(t.memory.read32(Number(t.get('rsp')))).toBe(0x1004);
  });
  test('the budget can end a block right after a not-taken branch', () => {
    const t = cpuWith(32, `xor eax, eax\njnz x\ninc eax\ninc eax\nx: hlt`);
    expect(t.run(3).reason).toBe(ExitReason.Intr);
    expect(t.get('rax')).toBe(1n);
    expect(t.run(10).reason).toBe(ExitReason.Hlt);
    expect(t.get('rax')).toBe(2n);
  });
});

describe('block compiler', () => {
  const loopToFault = `
      mov ecx, 5
    l: mov eax, 100
      xor edx, edx
      div ecx
      dec ecx
      jmp l`;
  test('a fault inside a compiled block is precise (same as interpreted)', () => {
    for (const compileThreshold of [0, 1, 2]) {
      const t = cpuWith(32, loopToFault, { compileThreshold });
      const r = t.run(1000);
      expect(r.exception?.vector).toBe(0);
      // Frame: EIP of the DIV (0x100c), CS, EFLAGS.
      expect(t.memory.read32(Number(t.get('rsp')))).toBe(0x100c);
      expect(t.get('rcx')).toBe(0n);
      expect(t.cpu.instructionsRetired).toBe(1 + 5 * 5 + 2 + 1); // ... + the HLT of the exception stub
    }
  });
  test('results are identical with and without compilation', () => {
    const src = `mov ecx, 1000\nxor eax, eax\nl: add eax, ecx\nrol eax, 3\ncmp ecx, 500\njb s\nxor eax, 0x55\ns: loop l\nhlt`;
    const a = cpuWith(32, src, { compileThreshold: 0 });
    const b = cpuWith(32, src, { compileThreshold: 1 });
    a.run(100000); b.run(100000);
    expect(b.get('rax')).toBe(a.get('rax'));
    expect(b.rflags).toBe(a.rflags);
    expect(b.cpu.instructionsRetired).toBe(a.cpu.instructionsRetired);
  });
});
