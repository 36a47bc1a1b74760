import { describe, expect, test } from 'vitest';
import { cpuWith, exec, trap } from '../../../test/cpu/asm.js';
import { cpuidProfile } from '../cpuid.js';

describe('CPUID faulting, MTRR reads, VMX/SVM instructions', () => {
  test('PLATFORM_INFO advertises CPUID faulting; with MISC_FEATURES_ENABLES.0 set CPUID at ring 3 is #GP(0)', () => {
    const t = exec(64, 'mov ecx, 0xce\nrdmsr\nmov r8d, eax\nmov ecx, 0x140\nmov eax, 1\nxor edx, edx\nwrmsr\nxor eax, eax\ncpuid\nmov esi, ebx\nhlt');
    expect(t.get('r8') >> 31n).toBe(1n);
    expect(t.get('rsi')).not.toBe(0n); // ring 0 still gets CPUID
    const u = cpuWith(64, 'xor eax, eax\ncpuid\nhlt', { cpl: 3 });
    u.cpu.s.miscFeatures = 1;
    const r = u.run(10).exception;
    expect([r?.vector, r?.errorCode]).toEqual([13, 0]);
    expect(u.get('rax')).toBe(0n);
  });
  test('MISC_FEATURES_ENABLES reserved bits are #GP', () => {
    expect(trap(64, 'mov ecx, 0x140\nmov eax, 2\nxor edx, edx\nwrmsr').vector).toBe(13);
  });
  test('MTRRcap reads 0; MTRRdefType reads back a valid write and refuses a bad type', () => {
    const t = exec(64, 'mov ecx, 0xfe\nrdmsr\nmov ebx, eax\nmov ecx, 0x2ff\nmov eax, 0xc06\nxor edx, edx\nwrmsr\nrdmsr\nhlt');
    expect(t.get('rbx')).toBe(0n);
    expect(t.get('rax')).toBe(0xc06n);
    expect(trap(64, 'mov ecx, 0x2ff\nmov eax, 2\nxor edx, edx\nwrmsr').vector).toBe(13);
  });
  test('VMCALL and VMMCALL are #UD on both profiles (no VMX operation, no SVME)', () => {
    for (const profile of ['intel', 'amd'] as const) {
      for (const insn of ['vmcall', 'vmmcall']) {
        const t = cpuWith(64, insn);
        t.cpu.setCpuid(cpuidProfile(profile));
        expect(t.run(10).exception?.vector).toBe(6);
      }
    }
  });
});
