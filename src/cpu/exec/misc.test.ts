import { describe, expect, test } from 'vitest';
import { exec, trap } from '../../../test/cpu/asm.js';

describe('misc', () => {
  test('cpuid leaf 0: vendor and max leaf', () => {
    const t = exec(32, 'xor eax, eax\ncpuid\nhlt');
    const s = [t.get('rbx'), t.get('rdx'), t.get('rcx')].map((v) => Buffer.from(new Uint32Array([Number(v)]).buffer).toString('latin1')).join('');
    expect(s).toBe('GenuineIntel');
    expect(t.get('rax')).toBeGreaterThan(0n);
  });
  test('cpuid 0x80000001 advertises long mode', () => {
    const t = exec(64, 'mov eax, 0x80000001\ncpuid\nhlt');
    expect((t.get('rdx') >> 29n) & 1n).toBe(1n);
  });
  test('rdtsc counts up; rdtscp returns TSC_AUX', () => {
    const t = exec(64, 'rdtsc\nmov rbx, rax\nnop\nnop\nrdtscp\nsub rax, rbx\nhlt');
    expect(t.get('rax')).toBe(4n); // the TSC counts retired instructions
    expect(t.get('rcx')).toBe(0n);
  });
  test('crc32 (CRC-32C) of "123456789" is 0xe3069283', () => {
    const t = exec(32, `mov esi, msg\nmov ecx, 9\nmov eax, -1\nl: crc32 eax, byte [esi]\ninc esi\nloop l\nnot eax\nhlt\nmsg: db "123456789"`);
    expect(t.get('rax')).toBe(0xe3069283n);
  });
  test('nop forms, pause, fences, prefetch, clflush', () => {
    const t = exec(64, 'nop\npause\nnop dword [rax+rax]\nlfence\nmfence\nsfence\nprefetcht0 [0x3000]\nclflush [0x3000]\nmov eax, 1\nhlt');
    expect(t.get('rax')).toBe(1n);
  });
  test('HLT at CPL 3 is #GP', () => {
    expect(trap(64, 'hlt', { cpl: 3 }).vector).toBe(13);
  });
  test('rdmsr of an unknown MSR is #GP; EFER reads back', () => {
    expect(trap(64, 'mov ecx, 0x12345\nrdmsr').vector).toBe(13);
    const t = exec(64, 'mov ecx, 0xc0000080\nrdmsr\nhlt');
    expect((t.get('rax') >> 10n) & 1n).toBe(1n); // LMA
  });
});
