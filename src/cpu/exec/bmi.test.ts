import { describe, expect, test } from 'vitest';
import { exec, FL, trap } from '../../../test/cpu/asm.js';

describe('BMI1/BMI2', () => {
  test('adcx carries through CF only, adox through OF only (64-bit and zero-extended 32-bit)', () => {
    // CF=1 (stc), OF=0; ZF stays set from xor: neither instruction touches it.
    const t = exec(64, `xor eax, eax\nstc\nmov rbx, -1\nmov rcx, 0\nadcx rcx, rbx\nsetc r8b\nsetz r9b
      mov rdx, 0xffffffff00000001\nmov esi, 1\nadox edx, esi\nseto r10b\nhlt`);
    expect(t.get('rcx')).toBe(0n); // -1 + 0 + 1 wraps
    expect(t.get('r8') & 0xffn).toBe(1n);
    expect(t.get('r9') & 0xffn).toBe(1n);
    expect(t.get('rdx')).toBe(2n);
    expect(t.get('r10') & 0xffn).toBe(0n);
  });
  test('andn, bextr, bzhi (32 and 64)', () => {
    const t = exec(64, `mov eax, 0xf0f0f0f0\nmov ecx, 0xffff0000\nandn edx, eax, ecx
      mov rbx, 0x123456789abcdef0\nmov esi, 0x0c04\nbextr rdi, rbx, rsi
      mov r8d, 36\nbzhi r9, rbx, r8
      mov r10d, 8\nbzhi r11d, ebx, r10d\nhlt`);
    expect(t.get('rdx')).toBe(0x0f0f0000n);
    expect(t.get('rdi')).toBe(0xdefn);
    expect(t.get('r9')).toBe(0x89abcdef0n);
    expect(t.get('r11') ).toBe(0xf0n);
  });
  test('blsi / blsmsk / blsr and their CF', () => {
    const t = exec(64, `mov eax, 0b101000\nblsi ebx, eax\nblsmsk ecx, eax\nblsr edx, eax
      xor esi, esi\nblsr edi, esi\npushf\npop r8\nhlt`);
    expect(t.get('rbx')).toBe(0b1000n);
    expect(t.get('rcx')).toBe(0b1111n);
    expect(t.get('rdx')).toBe(0b100000n);
    expect(Number(t.get('r8')) & (FL.CF | FL.ZF)).toBe(FL.CF | FL.ZF);
  });
  test('pdep / pext', () => {
    const t = exec(64, `mov eax, 0b1011\nmov ecx, 0xf0f0\npdep edx, eax, ecx\npext ebx, edx, ecx
      mov rsi, -1\nmov rdi, 0x8000000000000001\npext r8, rsi, rdi\nhlt`);
    expect(t.get('rdx')).toBe(0xb0n);
    expect(t.get('rbx')).toBe(0b1011n);
    expect(t.get('r8')).toBe(3n);
  });
  test('mulx, rorx, shlx/sarx/shrx leave the flags alone', () => {
    const t = exec(64, `stc\nmov rdx, -1\nmov rcx, 2\nmulx rbx, rax, rcx
      mov esi, 0x80000001\nrorx edi, esi, 4
      mov r8, -16\nmov r9d, 2\nsarx r10, r8, r9\nshrx r11, r8, r9\nshlx r12d, esi, r9d
      pushf\npop r13\nhlt`);
    expect(t.get('rbx')).toBe(1n);
    expect(t.get('rax')).toBe(0xfffffffffffffffen);
    expect(t.get('rdi')).toBe(0x18000000n);
    expect(t.get('r10')).toBe(BigInt.asUintN(64, -4n));
    expect(t.get('r11')).toBe(0x3ffffffffffffffcn);
    expect(t.get('r12')).toBe(4n);
    expect(Number(t.get('r13')) & FL.CF).toBe(FL.CF);
  });
  test('32-bit mode', () => {
    const t = exec(32, 'mov eax, 0xff\nmov ecx, 0x0404\nbextr edx, eax, ecx\nhlt');
    expect(t.get('rdx')).toBe(0xfn);
  });
  test('other VEX instructions and VEX.L = 1 are #UD', () => {
    expect(trap(64, 'vzeroupper').vector).toBe(6);
    expect(trap(64, 'db 0xc4, 0xe2, 0x7c, 0xf2, 0xc1').vector).toBe(6);
  });
});
