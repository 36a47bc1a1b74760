import { describe, expect, test } from 'vitest';
import type { TestCpu } from '../../src/cpu/testing.js';
import { cpuWith, exec } from './asm.js';

/**
 * SSE/SSE2 data movement (src/cpu/sse/sse-move.ts): hand-computed results,
 * the CR0/CR4 checks and alignment faults. Hardware-recorded cases are in
 * test/cpu/fixtures/sse.json.gz.
 */
const D = 0x3000;
const OSFXSR = 'mov eax, cr4\nor eax, 0x600\nmov cr4, eax';
const hex = (t: TestCpu, a: number, n: number): string => Array.from(t.memory.readBytes(a, n), (b) => b.toString(16).padStart(2, '0')).join('');
const pattern = Array.from({ length: 32 }, (_, k) => `0x${(k * 17 + 3).toString(16)}`).join(', ');

function sse(bits: 32 | 64, body: string): TestCpu {
  const osfxsr = bits === 64 ? OSFXSR.replace(/eax/g, 'rax') : OSFXSR;
  return exec(bits, `${osfxsr}\n${body}\nhlt\nalign 16\ndata: db ${pattern}`);
}
const src = (k: number): string => Array.from({ length: 16 }, (_, j) => ((k + j) * 17 + 3) & 0xff).map((b) => b.toString(16).padStart(2, '0')).join('');

describe('moves', () => {
  test('MOVDQA/MOVDQU/MOVAPS/MOVUPS load and store 16 bytes', () => {
    const t = sse(32, `movdqa xmm1, [data]\nmovdqu [${D}], xmm1\nmovups xmm2, [data + 3]\nmovaps [${D + 16}], xmm2\nmovdqu xmm7, [data + 16]\nmovdqa xmm3, xmm7\nmovdqu [${D + 32}], xmm3`);
    expect(hex(t, D, 16)).toBe(src(0));
    expect(hex(t, D + 16, 16)).toBe(src(3));
    expect(hex(t, D + 32, 16)).toBe(src(16));
  });
  test('MOVSS/MOVSD: a load zeroes the rest, a register move keeps it', () => {
    const t = sse(32, `movdqu xmm0, [data]\nmovdqu xmm1, [data]\nmovss xmm0, [data + 16]\nmovsd xmm1, xmm0\nmovdqu [${D}], xmm0\nmovdqu [${D + 16}], xmm1`);
    expect(hex(t, D, 16)).toBe(src(16).slice(0, 8) + '0'.repeat(24));
    expect(hex(t, D + 16, 16)).toBe(src(16).slice(0, 8) + '00000000' + src(0).slice(16));
  });
  test('MOVD/MOVQ between general registers and XMM (64-bit with REX.W)', () => {
    const t = sse(64, `mov rax, 0x1122334455667788\nmovq xmm4, rax\nmovd ecx, xmm4\nmovq xmm9, xmm4\nmovq rdx, xmm9\nmovdqu [${D}], xmm9`);
    expect(t.get('rcx')).toBe(0x55667788n);
    expect(t.get('rdx')).toBe(0x1122334455667788n);
    expect(hex(t, D, 16)).toBe('8877665544332211' + '0'.repeat(16));
  });
  test('MOVHPS/MOVLPS/MOVHLPS/MOVLHPS move halves', () => {
    const t = sse(32, `pxor xmm0, xmm0\nmovhps xmm0, [data]\nmovdqu [${D}], xmm0\nmovhlps xmm1, xmm0\nmovlps [${D + 16}], xmm1`);
    expect(hex(t, D, 16)).toBe('0'.repeat(16) + src(0).slice(0, 16));
    expect(hex(t, D + 16, 8)).toBe(src(0).slice(0, 16));
  });
});

describe('bitwise, compares, shuffles', () => {
  test('PXOR of a register with itself clears it; PCMPEQB and PMOVMSKB find equal bytes', () => {
    const t = sse(32, `movdqu xmm0, [data]\npxor xmm1, xmm1\nmovdqu xmm2, [data]\nmov byte [data + 5], 0\nmovdqu xmm3, [data]\npcmpeqb xmm2, xmm3\npmovmskb eax, xmm2\npmovmskb ebx, xmm1`);
    expect(t.get('rax')).toBe(0xffdfn);
    expect(t.get('rbx')).toBe(0n);
  });
  test('PSHUFD reverses dwords; PUNPCKLBW interleaves; PSRLDQ shifts bytes', () => {
    const t = sse(32, `movdqu xmm0, [data]\npshufd xmm1, xmm0, 0x1b\nmovdqu [${D}], xmm1\npxor xmm2, xmm2\nmovdqa xmm3, xmm0\npunpcklbw xmm3, xmm2\nmovdqu [${D + 16}], xmm3\npsrldq xmm0, 15\nmovdqu [${D + 32}], xmm0`);
    const s = src(0);
    expect(hex(t, D, 16)).toBe(s.slice(24, 32) + s.slice(16, 24) + s.slice(8, 16) + s.slice(0, 8));
    expect(hex(t, D + 16, 4)).toBe(s.slice(0, 2) + '00' + s.slice(2, 4) + '00');
    expect(hex(t, D + 32, 16)).toBe(s.slice(30, 32) + '0'.repeat(30));
  });
});

describe('SSE2 packed integers', () => {
  test('PADDUSB saturates, PADDB wraps, PSUBSW saturates signed', () => {
    const t = sse(32, `mov dword [data], 0x01ff80f0\nmov dword [data + 16], 0x01011020\nmovdqu xmm0, [data]\nmovdqu xmm1, [data + 16]\nmovdqa xmm2, xmm0\n` +
      `paddusb xmm0, xmm1\npaddb xmm2, xmm1\nmovd eax, xmm0\nmovd ebx, xmm2\nmov dword [data], 0x80007fff\nmov dword [data + 16], 0x0001ffff\n` +
      `movdqu xmm3, [data]\nmovdqu xmm4, [data + 16]\npsubsw xmm3, xmm4\nmovd ecx, xmm3`);
    expect(t.get('rax')).toBe(0x02ff90ffn);
    expect(t.get('rbx')).toBe(0x02009010n);
    expect(t.get('rcx')).toBe(0x80007fffn); // 0x8000 - 1 stays 0x8000; 0x7fff - (-1) stays 0x7fff
  });
  test('PMULUDQ, PMADDWD, PSADBW; shifts by an immediate and by a register count', () => {
    const t = sse(64, `mov rax, 0xffffffff\nmovq xmm0, rax\nmovdqa xmm1, xmm0\npmuludq xmm0, xmm1\nmovq rbx, xmm0\n` +
      `mov eax, 0x00030002\nmovd xmm2, eax\nmov eax, 0x00050004\nmovd xmm3, eax\npmaddwd xmm2, xmm3\nmovd ecx, xmm2\n` +
      `mov rax, 0x0102030405060708\nmovq xmm4, rax\npxor xmm5, xmm5\npsadbw xmm4, xmm5\nmovq rdx, xmm4\n` +
      `mov eax, 0x80000001\nmovd xmm6, eax\npsrad xmm6, 4\nmovd esi, xmm6\nmov eax, 33\nmovd xmm7, eax\nmovd xmm8, esi\npsllq xmm8, xmm7\nmovq rdi, xmm8`);
    expect(t.get('rbx')).toBe(0xfffffffe00000001n);
    expect(t.get('rcx')).toBe(2n * 4n + 3n * 5n);
    expect(t.get('rdx')).toBe(36n);
    expect(t.get('rsi')).toBe(0xf8000000n);
    expect(t.get('rdi')).toBe((0xf8000000n << 33n) & 0xffffffffffffffffn);
  });
});

describe('checks', () => {
  const run = (bits: 32 | 64, body: string): number => cpuWith(bits, `${body}\nhlt\nalign 16\ndata: times 32 db 0`).run(1000).exception?.vector ?? -1;
  test('without CR4.OSFXSR: #UD; with CR0.TS: #NM; with CR0.EM: #UD', () => {
    expect(run(32, 'movdqu xmm0, [data]')).toBe(6);
    expect(run(32, `${OSFXSR}\nmov eax, cr0\nor eax, 8\nmov cr0, eax\nmovdqu xmm0, [data]`)).toBe(7);
    expect(run(32, `${OSFXSR}\nmov eax, cr0\nor eax, 4\nmov cr0, eax\npxor xmm0, xmm0`)).toBe(6);
  });
  test('MOVDQA/MOVAPS of an unaligned operand: #GP(0); MOVDQU is fine', () => {
    expect(run(32, `${OSFXSR}\nmovdqa xmm0, [data + 1]`)).toBe(13);
    expect(run(32, `${OSFXSR}\nmovaps [data + 8], xmm0`)).toBe(13);
    expect(run(32, `${OSFXSR}\nmovdqu xmm0, [data + 1]\nint3`)).toBe(3);
  });
  test('LDMXCSR with a reserved bit: #GP(0); STMXCSR reads it back', () => {
    expect(run(32, `${OSFXSR}\nmov dword [data], 0x10000\nldmxcsr [data]`)).toBe(13);
    const t = sse(32, `mov dword [data], 0x1fc0\nldmxcsr [data]\nstmxcsr [${D}]`);
    expect(t.memory.read32(D)).toBe(0x1fc0);
  });
  test('MMX forms (no prefix) stay #UD: MMX is not implemented', () => {
    expect(run(32, `${OSFXSR}\npxor mm0, mm0`)).toBe(6);
  });
});
