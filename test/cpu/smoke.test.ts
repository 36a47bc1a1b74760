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
