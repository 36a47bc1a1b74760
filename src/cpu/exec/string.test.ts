import { describe, expect, test } from 'vitest';
import { exec, FL } from '../../../test/cpu/asm.js';

describe('string instructions', () => {
  test('rep movsb copies and leaves RCX = 0, RSI/RDI advanced', () => {
    const t = exec(32, `mov edi, 0x3000\nmov ecx, 5000\nmov al, 0x5a\nrep stosb
      mov esi, 0x3000\nmov edi, 0x6000\nmov ecx, 5000\nrep movsb\nmov eax, [0x6000 + 4996]\nhlt`);
    expect(t.get('rcx')).toBe(0n);
    expect(t.get('rsi')).toBe(0x3000n + 5000n);
    expect(t.get('rdi')).toBe(0x6000n + 5000n);
    expect(t.get('rax')).toBe(0x5a5a5a5an);
  });
  test('overlapping forward rep movsb replicates the pattern', () => {
    const t = exec(32, `mov dword [0x3000], 0x04030201\nmov esi, 0x3000\nmov edi, 0x3001\nmov ecx, 8\nrep movsb\nmov eax, [0x3004]\nhlt`);
    expect(t.get('rax')).toBe(0x01010101n);
  });
  test('DF = 1 goes backwards', () => {
    const t = exec(32, `mov dword [0x3000], 0x11223344\nstd\nmov esi, 0x3003\nmov edi, 0x4003\nmov ecx, 4\nrep movsb\ncld\nmov eax, [0x4000]\nhlt`);
    expect(t.get('rax')).toBe(0x11223344n);
    expect(t.get('rsi')).toBe(0x2fffn);
  });
  test('repe cmpsb stops at the first difference', () => {
    const t = exec(32, `mov dword [0x3000], 0x44332211\nmov dword [0x4000], 0x44FF2211
      mov esi, 0x3000\nmov edi, 0x4000\nmov ecx, 4\nrepe cmpsb\npushf\npop eax\nhlt`);
    expect(t.get('rcx')).toBe(1n);
    expect(t.get('rsi')).toBe(0x3003n);
    expect(Number(t.get('rax')) & FL.ZF).toBe(0);
  });
  test('repne scasb finds a byte', () => {
    const t = exec(64, `mov dword [0x3000], 0x00636261\nmov rdi, 0x3000\nxor eax, eax\nmov rcx, -1\nrepne scasb\nnot rcx\ndec rcx\nhlt`);
    expect(t.get('rcx')).toBe(3n);
  });
  test('lodsd, stosq, 16-bit addressing wraps SI', () => {
    const t = exec(64, `mov dword [0x3000], 0x12345678\nmov rsi, 0x3000\nlodsd\nmov rdi, 0x3008\nstosq\nmov rbx, [0x3008]\nhlt`);
    expect(t.get('rbx')).toBe(0x12345678n);
    const u = exec(16, `mov si, 0xffff\nmov byte [0xffff], 7\nlodsb\nhlt`);
    expect(u.get('rsi') & 0xffffn).toBe(0n);
    expect(u.get('rax') & 0xffn).toBe(7n);
  });
  test('rep with RCX = 0 does nothing', () => {
    const t = exec(32, `mov esi, 0x3000\nmov edi, 0x4000\nxor ecx, ecx\nrep movsd\nhlt`);
    expect(t.get('rsi')).toBe(0x3000n);
  });
});

describe('bulk REP STOS of every size', () => {
  test('rep stosd / stosq fill across pages', () => {
    const t = exec(64, `mov rdi, 0x3ff0\nmov eax, 0x11223344\nmov ecx, 1030\nrep stosd\nmov rdi, 0x8000\nmov rax, 0x5566778899aabbcc\nmov ecx, 600\nrep stosq\nhlt`);
    expect(t.memory.read32(0x3ff0)).toBe(0x11223344);
    expect(t.memory.read32(0x3ff0 + 4 * 1029)).toBe(0x11223344);
    expect(t.memory.read32(0x3ff0 + 4 * 1030)).toBe(0);
    expect(t.memory.read64(0x8000 + 8 * 599)).toBe(0x5566778899aabbccn);
    expect(t.memory.read64(0x8000 + 8 * 600)).toBe(0n);
    expect(t.get('rdi')).toBe(0x8000n + 8n * 600n);
  });
});
