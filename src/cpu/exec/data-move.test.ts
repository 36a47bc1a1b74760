import { describe, expect, test } from 'vitest';
import { exec, FL } from '../../../test/cpu/asm.js';

describe('MOV forms', () => {
  test('movzx/movsx/movsxd', () => {
    const t = exec(64, 'mov rbx, 0x80\nmovzx eax, bl\nmovsx rcx, bl\nmov edx, 0x80000000\nmovsxd rsi, edx\nmovsx di, bl\nhlt');
    expect(t.get('rax')).toBe(0x80n);
    expect(t.get('rcx')).toBe(0xffffffffffffff80n);
    expect(t.get('rsi')).toBe(0xffffffff80000000n);
    expect(t.get('rdi') & 0xffffn).toBe(0xff80n);
  });
  test('byte registers AH..BH and, with REX, SPL..DIL', () => {
    const t = exec(64, 'mov eax, 0x1234\nmov bh, ah\nmov sil, 0x55\nhlt');
    expect(t.get('rbx') & 0xff00n).toBe(0x1200n);
    expect(t.get('rsi') & 0xffn).toBe(0x55n);
  });
  test('mov r64, imm64 and moffs', () => {
    const t = exec(64, 'mov rax, 0x123456789abcdef0\nmov [0x3000], rax\nmov rbx, [abs 0x3000]\nmov ecx, 0xffffffff\nhlt');
    expect(t.get('rbx')).toBe(0x123456789abcdef0n);
    expect(t.get('rcx')).toBe(0xffffffffn);
  });
  test('RIP-relative addressing', () => {
    const t = exec(64, 'mov rax, [rel data]\nhlt\ndata: dq 0x1122334455667788');
    expect(t.get('rax')).toBe(0x1122334455667788n);
  });
  test('16-bit writes keep the upper bits; 32-bit writes clear them in 64-bit mode', () => {
    const t = exec(64, 'mov rax, -1\nmov ax, 0\nmov rbx, -1\nmov ebx, 1\nhlt');
    expect(t.get('rax')).toBe(0xffffffffffff0000n);
    expect(t.get('rbx')).toBe(1n);
  });
  test('xchg, bswap, movbe', () => {
    const t = exec(32, 'mov eax, 1\nmov ebx, 2\nxchg eax, ebx\nmov ecx, 0x11223344\nbswap ecx\nmov dword [0x3000], 0x11223344\nmovbe edx, [0x3000]\nhlt');
    expect(t.get('rax')).toBe(2n);
    expect(t.get('rbx')).toBe(1n);
    expect(t.get('rcx')).toBe(0x44332211n);
    expect(t.get('rdx')).toBe(0x44332211n);
  });
  test('cmov moves on condition; 32-bit form always zero-extends', () => {
    const t = exec(64, 'mov rax, -1\nmov ebx, 7\ncmp ebx, 7\ncmovne eax, ebx\nmov rcx, -1\ncmove rcx, rbx\nhlt');
    expect(t.get('rax')).toBe(0xffffffffn);
    expect(t.get('rcx')).toBe(7n);
  });
  test('lea with scaled index and 32-bit truncation', () => {
    const t = exec(64, 'mov rbx, 0x100000000\nmov rcx, 3\nlea rax, [rbx + rcx*8 + 4]\nlea edx, [rbx + rcx*8 + 4]\nhlt');
    expect(t.get('rax')).toBe(0x10000001cn);
    expect(t.get('rdx')).toBe(0x1cn);
  });
});

describe('stack', () => {
  test('push/pop in 64-bit mode are 8 bytes', () => {
    const t = exec(64, 'mov rbx, rsp\npush 0x12\npop rax\npush word 0x34\npop cx\nsub rbx, rsp\nhlt');
    expect(t.get('rax')).toBe(0x12n);
    expect(t.get('rcx') & 0xffffn).toBe(0x34n);
    expect(t.get('rbx')).toBe(0n);
  });
  test('pusha/popa restore all but ESP', () => {
    const t = exec(32, 'mov eax, 1\nmov ebx, 2\npushad\nxor eax, eax\nxor ebx, ebx\npopad\nhlt');
    expect(t.get('rax')).toBe(1n);
    expect(t.get('rbx')).toBe(2n);
  });
  test('enter/leave', () => {
    const t = exec(32, 'mov ebp, 0x1111\nmov ebx, esp\nenter 16, 0\nmov ecx, ebx\nsub ecx, esp\nleave\nsub ebx, esp\nhlt');
    expect(t.get('rcx')).toBe(20n);
    expect(t.get('rbx')).toBe(0n);
    expect(t.get('rbp')).toBe(0x1111n);
  });
  test('pop [esp] uses the incremented ESP', () => {
    const t = exec(32, 'push 0x77\npush 0x99\npop dword [esp]\npop eax\nhlt');
    expect(t.get('rax')).toBe(0x99n);
  });
});

describe('conversions and flag moves', () => {
  test('cbw/cwde/cdqe/cwd/cdq/cqo', () => {
    const t = exec(64, 'mov al, 0x80\ncbw\nmov bx, ax\ncwde\nmov ecx, eax\ncdqe\ncqo\nhlt');
    expect(t.get('rbx') & 0xffffn).toBe(0xff80n);
    expect(t.get('rcx')).toBe(0xffffff80n);
    expect(t.get('rax')).toBe(0xffffffffffffff80n);
    expect(t.get('rdx')).toBe(0xffffffffffffffffn);
  });
  test('lahf/sahf', () => {
    const t = exec(32, 'stc\nlahf\nmov bl, ah\nmov ah, 0xd5\nsahf\npushf\npop ecx\nhlt');
    expect(Number(t.get('rbx')) & 0xd7).toBe(0x03);
    expect(Number(t.get('rcx')) & 0xd5).toBe(0xd5);
  });
  test('xlat', () => {
    const t = exec(32, 'mov dword [0x3000], 0x44332211\nmov ebx, 0x3000\nmov al, 2\nxlatb\nhlt');
    expect(t.get('rax') & 0xffn).toBe(0x33n);
  });
  test('flags instructions', () => {
    const t = exec(32, 'stc\ncmc\nstd\npushf\npop eax\ncld\nhlt');
    expect(Number(t.get('rax')) & (FL.CF | FL.DF)).toBe(FL.DF);
  });
});

describe('LEA', () => {
  test('computes non-canonical offsets without faulting', () => {
    const t = exec(64, 'mov rax, 0x5a5a5a5a5a5a5a5a\nmov rcx, 3\nlea rdx, [rax + rcx*4]\nlea esi, [rax + 1]\nhlt');
    expect(t.get('rdx')).toBe(0x5a5a5a5a5a5a5a66n);
    expect(t.get('rsi')).toBe(0x5a5a5a5bn);
  });
});

describe('far pointer loads', () => {
  test('lss/lfs load offset and selector', () => {
    const t = exec(32, 'mov dword [0x3000], 0x12345678\nmov word [0x3004], 0x10\nlfs eax, [0x3000]\nmov bx, fs\nlss esp, [0x3000]\nhlt');
    expect(t.get('rax')).toBe(0x12345678n);
    expect(t.get('rbx') & 0xffffn).toBe(0x10n);
    expect(t.get('rsp')).toBe(0x12345678n);
  });
});
