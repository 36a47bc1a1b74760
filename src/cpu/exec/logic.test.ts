import { describe, expect, test } from 'vitest';
import { ARITH, exec, FL, trap } from '../../../test/cpu/asm.js';

const flagsOf = (mode: 32 | 64, src: string): number =>
  Number(exec(mode, `${src}\npushf\npop ${mode === 64 ? 'rdx' : 'edx'}\nhlt`).get('rdx')) & ARITH;

describe('logic', () => {
  test('and/or/xor clear CF and OF, AF = 0, set SZP from the result', () => {
    expect(flagsOf(32, 'stc\nmov eax, 0x80000001\nand eax, 0x80000000')).toBe(FL.SF | FL.PF);
    expect(flagsOf(32, 'mov al, 0x0f\nxor al, 0x0f')).toBe(FL.ZF | FL.PF);
    expect(flagsOf(32, 'mov ax, 0x0100\nor ax, 0x0001')).toBe(0);
    expect(flagsOf(64, 'mov rax, 0x8000000000000000\nor rax, 1')).toBe(FL.SF);
  });
  test('test does not write, not writes without flags', () => {
    const t = exec(64, 'mov rax, 0xff00\ntest ax, 0x00ff\nsetz bl\nstc\nnot rax\nsetc cl\nmov dword [0x3000], 0x0f0f0f0f\nnot dword [0x3000]\nmov edx, [0x3000]\nhlt');
    expect(t.get('rbx') & 0xffn).toBe(1n);
    expect(t.get('rax')).toBe(0xffffffffffff00ffn);
    expect(t.get('rcx') & 0xffn).toBe(1n);
    expect(t.get('rdx')).toBe(0xf0f0f0f0n);
  });
  test('8-bit forms with AH..BH', () => {
    const t = exec(32, 'mov eax, 0x1234\nand ah, 0x0f\nor al, ah\nxor bh, bh\nhlt');
    expect(t.get('rax')).toBe(0x0236n);
  });
});

describe('segment registers in protected mode', () => {
  test('mov to a data segment register loads the GDT descriptor', () => {
    const t = exec(32, 'mov ax, 0x10\nmov ds, ax\nmov bx, ds\npush ds\npop es\nmov cx, es\nhlt');
    expect(t.get('rbx') & 0xffffn).toBe(0x10n);
    expect(t.get('rcx') & 0xffffn).toBe(0x10n);
  });
  test('a selector beyond the GDT limit is #GP(selector)', () => {
    const r = trap(32, 'mov ax, 0x1f8\nmov ds, ax\nhlt');
    expect(r.vector).toBe(13);
    expect(r.errorCode).toBe(0x1f8);
  });
  test('null selector into SS is #GP(0) outside 64-bit mode', () => {
    const r = trap(32, 'xor eax, eax\nmov ss, ax\nhlt');
    expect(r.vector).toBe(13);
    expect(r.errorCode).toBe(0);
  });
});
