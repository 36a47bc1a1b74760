import { describe, expect, test } from 'vitest';
import { exec, FL, trap } from '../../../test/cpu/asm.js';

describe('MUL/IMUL', () => {
  test('mul 32 gives a 64-bit product in EDX:EAX and sets CF/OF', () => {
    const t = exec(32, 'mov eax, 0xffffffff\nmov ebx, 0xffffffff\nmul ebx\npushf\npop esi\nhlt');
    expect(t.get('rax')).toBe(1n);
    expect(t.get('rdx')).toBe(0xfffffffen);
    expect(Number(t.get('rsi')) & (FL.CF | FL.OF)).toBe(FL.CF | FL.OF);
  });
  test('mul 8 and 16', () => {
    expect(exec(32, 'mov al, 200\nmov bl, 3\nmul bl\nhlt').get('rax') & 0xffffn).toBe(600n);
    const t = exec(32, 'mov ax, 0x1234\nmov bx, 0x100\nmul bx\nhlt');
    expect(t.get('rax') & 0xffffn).toBe(0x3400n);
    expect(t.get('rdx') & 0xffffn).toBe(0x12n);
  });
  test('imul forms', () => {
    expect(exec(32, 'mov eax, -3\nmov ebx, 7\nimul ebx\nhlt').get('rdx')).toBe(0xffffffffn);
    expect(exec(32, 'mov ebx, -3\nimul ecx, ebx, 1000\nhlt').get('rcx')).toBe(BigInt.asUintN(32, -3000n));
    const t = exec(32, 'mov eax, 0x10000\nimul eax, eax\npushf\npop esi\nhlt');
    expect(t.get('rax')).toBe(0n);
    expect(Number(t.get('rsi')) & FL.CF).toBe(FL.CF);
  });
  test('128-bit products', () => {
    const t = exec(64, 'mov rax, -1\nmov rbx, -1\nmul rbx\nhlt');
    expect(t.get('rax')).toBe(1n);
    expect(t.get('rdx')).toBe(0xfffffffffffffffen);
    const s = exec(64, 'mov rax, -2\nmov rbx, 3\nimul rbx\nhlt');
    expect(s.get('rax')).toBe(BigInt.asUintN(64, -6n));
    expect(s.get('rdx')).toBe(0xffffffffffffffffn);
    const u = exec(64, 'mov rax, 0x123456789\nimul rax, rax, 0x10\nhlt');
    expect(u.get('rax')).toBe(0x1234567890n);
  });
});

describe('DIV/IDIV', () => {
  test('div 32 of a 64-bit dividend', () => {
    const t = exec(32, 'mov edx, 1\nmov eax, 0\nmov ebx, 3\ndiv ebx\nhlt');
    expect(t.get('rax')).toBe(0x55555555n);
    expect(t.get('rdx')).toBe(1n);
  });
  test('idiv truncates toward zero; remainder has the sign of the dividend', () => {
    const t = exec(32, 'mov eax, -7\ncdq\nmov ebx, 2\nidiv ebx\nhlt');
    expect(t.get('rax')).toBe(BigInt.asUintN(32, -3n));
    expect(t.get('rdx')).toBe(BigInt.asUintN(32, -1n));
  });
  test('div 8 and 128/64', () => {
    expect(exec(32, 'mov ax, 1000\nmov bl, 7\ndiv bl\nhlt').get('rax') & 0xffffn).toBe((6n << 8n) | 142n);
    const t = exec(64, 'mov rdx, 1\nxor eax, eax\nmov rbx, 2\ndiv rbx\nhlt');
    expect(t.get('rax')).toBe(1n << 63n);
  });
  test('#DE on divide by zero and on quotient overflow, state untouched', () => {
    expect(trap(32, 'mov eax, 5\nxor ebx, ebx\ndiv ebx\nhlt').vector).toBe(0);
    const r = trap(32, 'mov edx, 5\nmov eax, 0\nmov ebx, 2\ndiv ebx\nhlt');
    expect(r.vector).toBe(0);
    expect(r.t.get('rdx')).toBe(5n);
    expect(trap(32, 'mov eax, 0x80000000\ncdq\nmov ebx, -1\nidiv ebx\nhlt').vector).toBe(0);
  });
});
