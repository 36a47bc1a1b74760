import { describe, expect, test } from 'vitest';
import type { TestCpu } from '../../src/cpu/testing.js';
import { cpuWith, exec, FL } from './asm.js';

/**
 * The x87 FPU (src/cpu/fpu): hand-computed results of loads, stores,
 * arithmetic, compares, the control and status words, exceptions (#NM,
 * #MF, masked responses) and the state images. Hardware-recorded cases are
 * in test/cpu/fixtures/x87.json.gz.
 */
const D = 0x3000; // data
const q = (t: TestCpu, a: number): bigint => (BigInt(t.memory.read32(a + 4) >>> 0) << 32n) | BigInt(t.memory.read32(a) >>> 0);
const f64 = (t: TestCpu, a: number): number => { const b = new DataView(new ArrayBuffer(8)); b.setBigUint64(0, q(t, a), true); return b.getFloat64(0, true); };
const bytes = (t: TestCpu, a: number, n: number): string => Array.from(t.memory.readBytes(a, n), (b) => b.toString(16).padStart(2, '0')).join('');
const hexBytes = (h: string): string => `db ${h.match(/../g)!.map((b) => `0x${b}`).join(', ')}`;
const sw = (t: TestCpu): number => Number(t.get('rax') & 0xffffn);
const IE = 1, ZE = 4, SF = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;

function x87(source: string, data = ''): TestCpu {
  return exec(32, `${source}\nhlt\nalign 16\ndata: ${data}\n`);
}
/** Run and expect an exception vector. */
function x87trap(source: string): number {
  const t = cpuWith(32, `${source}\nhlt`);
  return t.run(10_000).exception?.vector ?? -1;
}

describe('loads, stores, constants', () => {
  test('FLD1 + FLDPI, FSTP m64; TOP back to 0', () => {
    const t = x87(`fninit\nfld1\nfldpi\nfaddp\nfstp qword [${D}]\nfnstsw ax`);
    expect(f64(t, D)).toBe(1 + Math.PI);
    expect((sw(t) >> 11) & 7).toBe(0);
  });
  test('the constants are the 64-bit-significand values (FSTP m80), adjusted by the rounding control', () => {
    const t = x87(`fninit\nfldpi\nfstp tword [${D}]\nfldl2e\nfstp tword [${D + 16}]\nfldcw [data]\nfldpi\nfstp tword [${D + 32}]\nfldl2t\nfstp tword [${D + 48}]`, 'dw 0x0f7f');
    expect(bytes(t, D, 10)).toBe('35c26821a2da0fc90040');
    expect(bytes(t, D + 16, 10)).toBe('bcf0175c293baab8ff3f');
    expect(bytes(t, D + 32, 10)).toBe('34c26821a2da0fc90040'); // chop: one ulp down
    expect(bytes(t, D + 48, 10)).toBe('fe8a1bcd4b789ad40040'); // log2(10) is not adjusted when chopping
  });
  test('an m80 value with a 64-bit significand round-trips exactly through FLD/FSTP, FXCH and FLD ST(i)', () => {
    const v = 'efcdab8967452301ff3f'; // 1.0000...000123456789abcdef (more than a double holds)
    const t = x87(`fninit\nfld tword [data]\nfldz\nfxch\nfld st0\nfstp tword [${D}]\nfstp tword [${D + 16}]`, hexBytes(v));
    expect(bytes(t, D, 10)).toBe(v);
    expect(bytes(t, D + 16, 10)).toBe(v);
  });
  test('FST m32 rounds to nearest; FST m64 of an m80 value rounds once', () => {
    const t = x87(`fninit\nfld qword [data]\nfst dword [${D}]\nfld tword [data + 8]\nfstp qword [${D + 8}]`, `dq 0.1\n${hexBytes('0108000000000080ff3f')}`);
    expect(t.memory.read32(D) >>> 0).toBe(0x3dcccccd);
    expect(q(t, D + 8)).toBe(0x3ff0000000000001n); // 1 + 2^-52 + 2^-63: rounds to 1 + 2^-52
  });
  test('FILD/FISTP m16, m32, m64 and the rounding control', () => {
    const t = x87(`fninit\nfild qword [data]\nfistp qword [${D}]\nfild word [data + 8]\nfistp dword [${D + 8}]\n` +
      `fld qword [data + 16]\nfistp dword [${D + 12}]\nfldcw [data + 24]\nfld qword [data + 16]\nfistp dword [${D + 16}]\n` +
      `fldcw [data + 26]\nfld qword [data + 16]\nfistp word [${D + 20}]`,
      'dq 0x7fffffffffffff01\ndw -1234, 0, 0, 0\ndq -2.5\ndw 0x077f, 0x0b7f');
    expect(q(t, D)).toBe(0x7fffffffffffff01n);
    expect(t.memory.read32(D + 8) | 0).toBe(-1234);
    expect(t.memory.read32(D + 12) | 0).toBe(-2); // nearest even
    expect(t.memory.read32(D + 16) | 0).toBe(-3); // down
    expect(t.memory.read16(D + 20)).toBe(0xfffe); // up: -2
  });
  test('FIST out of range: IE, the integer indefinite', () => {
    const t = x87(`fninit\nfld qword [data]\nfistp word [${D}]\nfnstsw ax`, 'dq 40000.0');
    expect(t.memory.read16(D)).toBe(0x8000);
    expect(sw(t) & IE).toBe(IE);
  });
  test('FBSTP/FBLD packed BCD round trip', () => {
    const t = x87(`fninit\nfild dword [data]\nfbstp [${D}]\nfbld [${D}]\nfistp dword [${D + 16}]`, 'dd -987654321');
    expect(bytes(t, D, 10)).toBe('21436587090000000080');
    expect(t.memory.read32(D + 16) | 0).toBe(-987654321);
  });
});

describe('arithmetic', () => {
  test('every FSUB/FSUBR/FDIV/FDIVR form, with the DC/DE register encodings', () => {
    const t = x87(`fninit\nfld qword [data]\nfld qword [data + 8]\n` + // st0 = 3, st1 = 12
      `fld st1\nfsub st0, st1\nfstp qword [${D}]\n` + // 12 - 3 = 9
      `fld st1\nfsubr st0, st1\nfstp qword [${D + 8}]\n` + // 3 - 12 = -9
      `fld st0\nfsub st2, st0\nfstp qword [${D + 16}]\nfld st1\nfstp qword [${D + 16}]\n` + // DC E8+i: st2 = 12 - 3 = 9
      `fdivr qword [data]\nfst qword [${D + 24}]\n` + // 12 / 3 = 4
      `fidiv dword [data + 16]\nfst qword [${D + 32}]\n` + // 4 / 2 = 2
      `fld1\nfdivp st1, st0\nfstp qword [${D + 40}]\n` + // DE F8+i: 2 / 1
      `fld1\nfsubrp st1, st0\nfstp qword [${D + 48}]`, // DE E0+i: ST(1) = ST(0) - ST(1) = 1 - 9
      'dq 12.0, 3.0\ndd 2');
    expect([f64(t, D), f64(t, D + 8), f64(t, D + 16), f64(t, D + 24), f64(t, D + 32), f64(t, D + 40)]).toEqual([9, -9, 9, 4, 2, 2]);
    expect(f64(t, D + 48)).toBe(-8);
  });
  test('masked invalid and divide-by-zero: the indefinite and infinity, with the flags', () => {
    const t = x87(`fninit\nfldz\nfldz\nfdivp\nfstp qword [${D}]\nfld1\nfldz\nfdivp\nfstp qword [${D + 8}]\nfnstsw ax`);
    expect(q(t, D)).toBe(0xfff8000000000000n);
    expect(f64(t, D + 8)).toBe(Infinity);
    expect(sw(t) & (IE | ZE)).toBe(IE | ZE);
  });
  test('stack overflow (masked): the indefinite, IE|SF|C1; underflow: IE|SF, C1 clear', () => {
    const t = x87(`fninit\n${'fld1\n'.repeat(9)}fnstsw ax\nmov ebx, eax\nfstp qword [${D}]\nfninit\nfadd st0, st1\nfnstsw ax`);
    expect(Number(t.get('rbx')) & (IE | SF | C1)).toBe(IE | SF | C1);
    expect(q(t, D)).toBe(0xfff8000000000000n);
    expect(sw(t) & (IE | SF | C1)).toBe(IE | SF);
  });
  test('FSQRT, FABS, FCHS, FRNDINT, FSCALE, FXTRACT, FPREM, FPREM1', () => {
    const t = x87(`fninit\nfld qword [data]\nfsqrt\nfstp qword [${D}]\n` +
      `fld qword [data + 8]\nfabs\nfchs\nfstp qword [${D + 8}]\n` +
      `fld qword [data + 8]\nfrndint\nfstp qword [${D + 16}]\n` +
      `fild dword [data + 16]\nfld1\nfscale\nfstp qword [${D + 24}]\nfstp st0\n` +
      `fld qword [data]\nfxtract\nfstp qword [${D + 32}]\nfstp qword [${D + 40}]\n` +
      `fld qword [data + 24]\nfld qword [data + 32]\nfprem\nfnstsw ax\nmov ebx, eax\nfstp qword [${D + 48}]\n` +
      `fld qword [data + 32]\nfprem1\nfstp qword [${D + 56}]`,
      'dq 2.0, -2.5\ndd 10, 0\ndq 3.0, 11.0');
    expect(f64(t, D)).toBe(Math.SQRT2);
    expect(f64(t, D + 8)).toBe(-2.5);
    expect(f64(t, D + 16)).toBe(-2);
    expect(f64(t, D + 24)).toBe(1024);
    expect([f64(t, D + 32), f64(t, D + 40)]).toEqual([1, 1]); // 2 = 1.0 * 2^1
    expect(f64(t, D + 48)).toBe(2); // 11 mod 3, quotient 3 = 011b: C3 = 1 (Q1), C1 = 1 (Q0)
    expect(Number(t.get('rbx')) & (C0 | C1 | C2 | C3)).toBe(C3 | C1);
    expect(f64(t, D + 56)).toBe(-1); // 11 - 4 * 3
  });
});

describe('compares and classification', () => {
  test('FCOM: C3/C2/C0; FCOMPP pops both', () => {
    const t = x87(`fninit\nfld1\nfldz\nfcom st1\nfnstsw ax\nmov ebx, eax\nfcompp\nfnstsw ax`);
    expect(Number(t.get('rbx')) & (C0 | C2 | C3)).toBe(C0); // 0 < 1
    expect(sw(t) & (7 << 11)).toBe(0);
  });
  test('FCOMI/FUCOMI set ZF PF CF; a QNaN is unordered, IE only for FCOMI', () => {
    const t = x87(`fninit\nfld qword [data]\nfld1\nfucomi st0, st1\npushfd\npop ebx\nfnstsw ax\nmov ecx, eax\nfcomi st0, st1\nfnstsw ax`, 'dq __QNaN__');
    expect(Number(t.get('rbx')) & (FL.ZF | FL.PF | FL.CF)).toBe(FL.ZF | FL.PF | FL.CF);
    expect(Number(t.get('rcx')) & IE).toBe(0);
    expect(sw(t) & IE).toBe(IE);
  });
  test('FXAM classes', () => {
    const t = x87(`fninit\nfxam\nfnstsw ax\nmov ebx, eax\nfld qword [data]\nfxam\nfnstsw ax\nmov ecx, eax\nfldz\nfchs\nfxam\nfnstsw ax`, 'dq __Infinity__');
    expect(Number(t.get('rbx')) & (C0 | C2 | C3)).toBe(C3 | C0); // empty
    expect(Number(t.get('rcx')) & (C0 | C2 | C3)).toBe(C2 | C0); // infinity
    expect(sw(t) & (C0 | C1 | C2 | C3)).toBe(C3 | C1); // -0
  });
  test('FCMOVcc', () => {
    const t = x87(`fninit\nfld1\nfldz\nstc\nfcmovb st0, st1\nfstp qword [${D}]\nfldz\nclc\nfcmovb st0, st1\nfstp qword [${D + 8}]`);
    expect([f64(t, D), f64(t, D + 8)]).toEqual([1, 0]);
  });
});

describe('CR0 and pending exceptions', () => {
  const cr0 = (or: number, and = -1): string => `mov eax, cr0\nor eax, ${or}\nand eax, ${and}\nmov cr0, eax`;
  test('CR0.TS or CR0.EM: #NM; FWAIT faults only with MP and TS', () => {
    expect(x87trap(`${cr0(8)}\nfninit`)).toBe(7);
    expect(x87trap(`${cr0(4)}\nfld1`)).toBe(7);
    expect(x87trap(`${cr0(8, ~2)}\nfwait\nint3`)).toBe(3);
    expect(x87trap(`${cr0(10)}\nfwait`)).toBe(7);
  });
  test('an unmasked exception: ES and B set, #MF at the next waiting instruction, not at FNSTSW', () => {
    const t = cpuWith(32, `fninit\nfldcw [cw]\nfld1\nfldz\nfdivp\nfnstsw ax\nfwait\nhlt\ncw: dw 0x37b`);
    expect(t.run(1000).exception?.vector).toBe(16);
    expect(sw(t) & (ZE | ES | 0x8000)).toBe(ZE | ES | 0x8000);
  });
  test('FNCLEX clears the pending exception', () => {
    const t = x87(`fninit\nfldcw [data]\nfld1\nfldz\nfdivp\nfnclex\nfwait\nfnstsw ax`, 'dw 0x37b');
    expect(sw(t) & (ZE | ES)).toBe(0);
  });
});

describe('state images', () => {
  test('FNSTENV (32-bit protected mode) layout, then every exception masked', () => {
    const t = x87(`fninit\nfldcw [data]\nfld1\nfnstenv [${D}]\nfnstcw [${D + 32}]`, 'dw 0x0372');
    expect(t.memory.read32(D) >>> 0).toBe(0xffff0372);
    expect(t.memory.read32(D + 4) >>> 0).toBe((0xffff0000 | (7 << 11)) >>> 0);
    expect(t.memory.read32(D + 8) >>> 0).toBe(0xffff3fff); // R7 valid, the rest empty
    expect(t.memory.read32(D + 12)).toBe(0x1000 + 8); // FIP: FLD1 after FNINIT (DB E3) and FLDCW (D9 2D disp32)
    expect(t.memory.read32(D + 16)).toBe(0); // FCS deprecated; FOP kept only for unmasked exceptions
    expect(t.memory.read16(D + 32)).toBe(0x037f);
  });
  test('FNSTENV in real mode (16-bit layout: FIP as a linear address split 16/4 bits); FLDENV loads it back', () => {
    const t = exec(16, `fninit\nfld1\nfnstenv [${D}]\nfninit\nfldenv [${D}]\nfnstsw ax\nfnstcw [${D + 32}]\nhlt`);
    expect([t.memory.read16(D), t.memory.read16(D + 2), t.memory.read16(D + 4)]).toEqual([0x037f, 7 << 11, 0x3fff]);
    expect([t.memory.read16(D + 6), t.memory.read16(D + 8)]).toEqual([0x1002, 0]); // FIP 0x01002: bits 19-16 in 8[15:12]
    expect(sw(t) >> 11).toBe(7); // TOP restored
    expect(t.memory.read16(D + 32)).toBe(0x037f);
  });
  test('FNSAVE / FRSTOR round-trip registers, tags and TOP; FNSAVE reinitialises', () => {
    const v = 'efcdab8967452301ff3f';
    const t = x87(`fninit\nfld tword [data]\nfldpi\nfnsave [${D}]\nfnstsw ax\nmov ebx, eax\nfrstor [${D}]\nfstp qword [${D + 200}]\nfstp tword [${D + 208}]\nfnstsw ax`, hexBytes(v));
    expect(Number(t.get('rbx')) & 0xffff).toBe(0);
    expect(bytes(t, D + 28 + 10, 10)).toBe(v); // ST(1) in the image
    expect(f64(t, D + 200)).toBe(Math.PI);
    expect(bytes(t, D + 208, 10)).toBe(v);
    expect((sw(t) >> 11) & 7).toBe(0);
  });
  test('FXSAVE / FXRSTOR: layout, abridged tags, MXCSR, round trip; #GP when not 16-byte aligned', () => {
    const t = x87(`fninit\nfld1\nfldz\nfxsave [${D}]\nfninit\nfxrstor [${D}]\nfstp qword [${D + 512}]\nfstp qword [${D + 520}]`);
    expect(t.memory.read16(D)).toBe(0x37f);
    expect(t.memory.read16(D + 2)).toBe(6 << 11);
    expect(t.memory.read8(D + 4)).toBe(0xc0);
    expect(t.memory.read32(D + 24)).toBe(0x1f80);
    expect(bytes(t, D + 32, 16)).toBe('00000000000000000000000000000000'); // ST(0) = +0
    expect(bytes(t, D + 48, 10)).toBe('0000000000000080ff3f'); // ST(1) = 1
    expect([f64(t, D + 512), f64(t, D + 520)]).toEqual([0, 1]);
    expect(x87trap(`fxsave [${D + 8}]`)).toBe(13);
  });
  test('FXSAVE64 stores 64-bit pointers; FOP and FDP are those of the last instruction with an unmasked exception', () => {
    const t = exec(64, `fninit\nfldcw [rel cw]\nfld qword [rel data]\nfld qword [rel data]\nfdiv qword [rel zero]\nfnclex\nfld1\nfxsave64 [${D}]\nhlt\ncw: dw 0x37b\ndata: dq 1.0\nzero: dq 0.0`);
    expect(q(t, D + 8)).toBe(0x101cn); // FIP: the FLD1
    expect(t.memory.read16(D + 6)).toBe(0x435); // FOP of FDIV m64fp (DC /6, ModRM 0x35)
    expect(q(t, D + 16)).toBe(0x1032n); // FDP: `zero`
  });
});

describe('CPUID', () => {
  test('FPU and FXSR are advertised', () => {
    const t = exec(32, 'mov eax, 1\ncpuid\nhlt');
    expect(Number(t.get('rdx')) & 1).toBe(1);
    expect((Number(t.get('rdx')) >> 24) & 1).toBe(1);
  });
});
