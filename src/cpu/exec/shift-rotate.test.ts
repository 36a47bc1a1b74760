import { describe, expect, test } from 'vitest';
import { exec, FL } from '../../../test/cpu/asm.js';

const run = (src: string, mode: 32 | 64 = 32) => {
  const t = exec(mode, `${src}\npushf\npop ${mode === 64 ? 'rdx' : 'edx'}\nhlt`);
  return { rax: t.get('rax'), f: Number(t.get('rdx')) };
};

describe('shifts', () => {
  test('shl 1 sets CF from the top bit and OF = MSB ^ CF', () => {
    const r = run('mov eax, 0xc0000001\nshl eax, 1');
    expect(r.rax).toBe(0x80000002n);
    expect(r.f & (FL.CF | FL.OF | FL.SF | FL.ZF)).toBe(FL.CF | FL.SF);
  });
  test('shr by width-1 and sar keeps the sign', () => {
    expect(run('mov eax, 0x80000000\nshr eax, 31').rax).toBe(1n);
    const r = run('mov eax, 0x80000000\nsar eax, 31');
    expect(r.rax).toBe(0xffffffffn);
    expect(r.f & FL.CF).toBe(0);
  });
  test('count is masked to 5 bits; count 0 changes no flags', () => {
    const r = run('stc\nmov eax, 5\nmov cl, 32\nshl eax, cl');
    expect(r.rax).toBe(5n);
    expect(r.f & FL.CF).toBe(FL.CF);
  });
  test('8-bit shift by 9 clears the register and CF from beyond the width', () => {
    const r = run('mov eax, 0xff\nmov cl, 9\nshl al, cl');
    expect(r.rax & 0xffn).toBe(0n);
    expect(r.f & (FL.CF | FL.ZF)).toBe(FL.ZF);
  });
  test('64-bit shifts across the halves, count masked to 6 bits', () => {
    expect(run('mov rax, 1\nshl rax, 40', 64).rax).toBe(1n << 40n);
    expect(run('mov rax, 0x8000000000000000\nsar rax, 63', 64).rax).toBe(0xffffffffffffffffn);
    expect(run('mov rax, 0x100000000\nmov cl, 96\nshr rax, cl', 64).rax).toBe(1n);
  });
});

describe('rotates', () => {
  test('rol/ror 32', () => {
    expect(run('mov eax, 0x80000001\nrol eax, 4').rax).toBe(0x18n);
    const r = run('mov eax, 1\nror eax, 1');
    expect(r.rax).toBe(0x80000000n);
    expect(r.f & (FL.CF | FL.OF)).toBe(FL.CF | FL.OF);
  });
  test('rol 8 by 8 leaves the value, sets CF from bit 0', () => {
    const r = run('clc\nmov al, 0x81\nmov cl, 8\nrol al, cl');
    expect(r.rax & 0xffn).toBe(0x81n);
    expect(r.f & FL.CF).toBe(FL.CF);
  });
  test('rcl/rcr go through CF (9-bit rotate for bytes)', () => {
    expect(run('stc\nmov al, 0x80\nrcl al, 1').rax & 0xffn).toBe(1n);
    expect(run('stc\nmov al, 0\nmov cl, 9\nrcr al, cl').rax & 0xffn).toBe(0n);
    expect(run('stc\nmov eax, 0\nrcr eax, 1').rax).toBe(0x80000000n);
  });
  test('rol/rcl 64', () => {
    expect(run('mov rax, 0x8000000000000001\nrol rax, 1', 64).rax).toBe(3n);
    expect(run('xor eax, eax\nstc\nrcl rax, 33', 64).rax).toBe(1n << 32n);
  });
});

describe('SHLD/SHRD', () => {
  test('32-bit', () => {
    expect(run('mov eax, 0x12345678\nmov ebx, 0x9abcdef0\nshld eax, ebx, 8').rax).toBe(0x3456789an);
    expect(run('mov eax, 0x12345678\nmov ebx, 0x9abcdef0\nmov cl, 8\nshrd eax, ebx, cl').rax).toBe(0xf0123456n);
  });
  test('64-bit', () => {
    expect(run('mov rax, 1\nmov rbx, 0x8000000000000000\nshld rax, rbx, 1', 64).rax).toBe(3n);
    expect(run('mov rax, 0x100\nmov rbx, 0xff\nshrd rax, rbx, 8', 64).rax).toBe(0xff00000000000001n);
  });
  test('16-bit', () => {
    expect(run('mov ax, 0x1234\nmov bx, 0x5678\nshld ax, bx, 4').rax & 0xffffn).toBe(0x2345n);
  });
});

describe('64-bit register fast paths', () => {
  test('shl/shr/sar r64, imm and inc/dec r64 set the same flags as the generic forms', () => {
    const fast = run('mov rax, 0x8000000000000001\nshr rax, 1\nmov rbx, rax\nsar rbx, 62\nshl rax, 2\ndec rax\ninc rbx', 64);
    const slow = run('mov rax, 0x8000000000000001\nmov cl, 1\nshr rax, cl\nmov rbx, rax\nmov cl, 62\nsar rbx, cl\nmov cl, 2\nshl rax, cl\nsub rax, 1\nadd rbx, 1', 64);
    expect(fast.rax).toBe(slow.rax);
    expect(fast.rax).toBe(0xffffffffffffffffn);
    expect(fast.f & 0x8d4).toBe(slow.f & 0x8d4); // SF ZF AF PF OF (CF differs: INC keeps it, ADD sets it)
  });
});
