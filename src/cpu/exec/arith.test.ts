import { describe, expect, test } from 'vitest';
import { ARITH, exec, FL } from '../../../test/cpu/asm.js';

const flags = (src: string, mode: 32 | 64 = 32): number =>
  Number(exec(mode, `${src}\npushf\n${mode === 64 ? "pop rax" : "pop eax"}\nhlt`).get("rax")) & ARITH;

describe('ADD/SUB/ADC/SBB/CMP flags', () => {
  test('add 32: carry, zero, parity, aux', () => {
    expect(flags('mov eax, 0xffffffff\nadd eax, 1')).toBe(FL.CF | FL.ZF | FL.PF | FL.AF);
  });
  test('add 32: signed overflow', () => {
    expect(flags('mov eax, 0x7fffffff\nadd eax, 1')).toBe(FL.OF | FL.SF | FL.AF | FL.PF);
  });
  test('add 8 / 16 wrap at their width', () => {
    const t = exec(32, 'mov eax, 0x12345680\nadd al, 0x80\nmov ebx, 0xffff\nadd bx, 2\nhlt');
    expect(t.get('rax')).toBe(0x12345600n);
    expect(t.get('rbx')).toBe(0x1n);
  });
  test('sub 32: borrow and sign', () => {
    expect(flags('mov eax, 1\nsub eax, 2')).toBe(FL.CF | FL.SF | FL.AF | FL.PF);
  });
  test('cmp 8: 0x80 - 1 overflows', () => {
    expect(flags('mov al, 0x80\ncmp al, 1')).toBe(FL.OF | FL.AF);
  });
  test('adc uses and produces the carry', () => {
    const t = exec(32, 'stc\nmov eax, 0xffffffff\nadc eax, 0\nmov ebx, 5\nadc ebx, 5\nhlt');
    expect(t.get('rax')).toBe(0n);
    expect(t.get('rbx')).toBe(11n);
  });
  test('sbb with borrow in: 0 - 0 - 1 sets CF', () => {
    expect(flags('stc\nmov eax, 0\nsbb eax, 0')).toBe(FL.CF | FL.SF | FL.AF | FL.PF);
  });
  test('64-bit add carries across the halves', () => {
    const t = exec(64, 'mov rax, 0x00000000ffffffff\nadd rax, 1\nmov rbx, -1\nadd rbx, rbx\nhlt');
    expect(t.get('rax')).toBe(0x100000000n);
    expect(t.get('rbx')).toBe(0xfffffffffffffffen);
  });
  test('64-bit sub borrow and overflow', () => {
    expect(flags('mov rax, 0x8000000000000000\nsub rax, 1', 64)).toBe(FL.OF | FL.AF | FL.PF);
    expect(flags('xor eax, eax\nsub rax, 1', 64)).toBe(FL.CF | FL.SF | FL.AF | FL.PF);
  });
  test('32-bit result zero-extends in 64-bit mode', () => {
    const t = exec(64, 'mov rax, -1\nadd eax, 1\nhlt');
    expect(t.get('rax')).toBe(0n);
  });
  test('memory destination', () => {
    const t = exec(32, 'mov dword [0x3000], 40\nadd dword [0x3000], 2\nmov eax, [0x3000]\nhlt');
    expect(t.get('rax')).toBe(42n);
  });
});

describe('INC/DEC/NEG', () => {
  test('inc keeps CF, sets OF at 0x7f', () => {
    expect(flags('stc\nmov al, 0x7f\ninc al')).toBe(FL.CF | FL.OF | FL.SF | FL.AF);
  });
  test('dec to zero', () => {
    expect(flags('clc\nmov ecx, 1\ndec ecx')).toBe(FL.ZF | FL.PF);
  });
  test('neg 0 clears CF, neg 0x80 overflows', () => {
    expect(flags('xor eax, eax\nneg eax')).toBe(FL.ZF | FL.PF);
    expect(flags('mov al, 0x80\nneg al')).toBe(FL.CF | FL.OF | FL.SF);
  });
  test('neg 64', () => {
    const t = exec(64, 'mov rax, 1\nneg rax\nhlt');
    expect(t.get('rax')).toBe(0xffffffffffffffffn);
  });
  test('inc 64 across the halves', () => {
    const t = exec(64, 'mov rax, 0xffffffff\ninc rax\nhlt');
    expect(t.get('rax')).toBe(0x100000000n);
  });
});

describe('XADD / CMPXCHG', () => {
  test('xadd exchanges and adds', () => {
    const t = exec(32, 'mov eax, 3\nmov ebx, 4\nxadd eax, ebx\nhlt');
    expect(t.get('rax')).toBe(7n);
    expect(t.get('rbx')).toBe(3n);
  });
  test('cmpxchg success and failure', () => {
    const t = exec(32, 'mov dword [0x3000], 5\nmov eax, 5\nmov ecx, 9\nlock cmpxchg [0x3000], ecx\nsetz bl\nmov eax, 1\ncmpxchg [0x3000], ecx\nsetz bh\nhlt');
    expect(t.get('rbx') & 0xffffn).toBe(0x0001n);
    expect(t.get('rax')).toBe(9n);
  });
  test('cmpxchg8b', () => {
    const t = exec(32, 'mov dword [0x3000], 1\nmov dword [0x3004], 2\nmov eax, 1\nmov edx, 2\nmov ebx, 0x33\nmov ecx, 0x44\ncmpxchg8b [0x3000]\nsetz al\nmov esi, [0x3000]\nmov edi, [0x3004]\nhlt');
    expect(t.get('rax') & 0xffn).toBe(1n);
    expect(t.get('rsi')).toBe(0x33n);
    expect(t.get('rdi')).toBe(0x44n);
  });
  test('cmpxchg16b needs 16-byte alignment', () => {
    const t = exec(64, 'mov qword [0x3000], 7\nmov qword [0x3008], 8\nmov rax, 7\nmov rdx, 8\nmov rbx, 1\nmov rcx, 2\ncmpxchg16b [0x3000]\nsetz sil\nmov rdi, [0x3008]\nhlt');
    expect(t.get('rsi') & 0xffn).toBe(1n);
    expect(t.get('rdi')).toBe(2n);
  });
});
