import { describe, expect, test } from 'vitest';
import { cpuWith, trap } from '../../../test/cpu/asm.js';
import { cpuidProfile } from '../cpuid.js';
import { Sel } from '../testing.js';

const WRMSR = (msr: number, hi: string, lo: string): string => `mov ecx, ${msr}\nmov edx, ${hi}\nmov eax, ${lo}\nwrmsr`;
const SCE_ON = 'mov ecx, 0xc0000080\nrdmsr\nor eax, 1\nwrmsr';
// STAR: SYSCALL CS = CODE64 (SS = DATA); SYSRET base 0x20, Linux's layout
// (32-bit CS = 0x20|3 = CODE32_USER, SS = 0x28|3 = DATA_USER, 64-bit CS = 0x30|3 = CODE64_USER).
const STAR = WRMSR(0xc0000081, '0x00200008', '0');

describe('SYSCALL/SYSRET', () => {
  test('round trip in 64-bit mode: CS/SS from STAR, RCX/R11, SFMASK, sysret to 64-bit ring 3', () => {
    const t = cpuWith(64, `${SCE_ON}\n${STAR}\n${WRMSR(0xc0000082, '0', 'k')}\n${WRMSR(0xc0000084, '0', '0x600')}
      mov rsp, 0x200000
      sti
      std
      syscall
    back:
      mov r13d, cs
      mov r14d, ss
      pushfq
      pop r15
      hlt
    k:
      mov r8, rcx
      lea rdx, [rel back]
      mov r9, r11
      mov r10d, cs
      mov ebx, ss
      pushfq
      pop r12
      mov rsi, rsp
      o64 sysret`);
    const r = t.run(1000);
    expect(r.exception?.vector).toBe(13); // hlt in ring 3
    expect(t.get('r10')).toBe(BigInt(Sel.CODE64));
    expect(t.get('rbx')).toBe(BigInt(Sel.DATA));
    expect(t.get('r8')).toBe(t.get('rdx')); // RCX = the return address
    expect(t.get('r9') & 0x600n).toBe(0x600n); // R11 = RFLAGS with IF and DF
    expect(t.get('r12') & 0x600n).toBe(0n); // masked by SFMASK
    expect(t.get('rsi')).toBe(0x200000n); // RSP untouched
    expect(t.get('r13')).toBe(BigInt(Sel.CODE64_USER));
    expect(t.get('r14')).toBe(BigInt(Sel.DATA_USER));
    expect(t.get('r15') & 0x600n).toBe(0x600n); // RFLAGS back from R11
  });

  test('#UD with EFER.SCE clear; SYSRET from ring 3 is #GP(0)', () => {
    for (const insn of ['syscall', 'o64 sysret']) {
      const u = cpuWith(64, insn);
      u.cpu.s.efer &= ~1;
      expect(u.run(10).exception?.vector).toBe(6);
    }
    const t = cpuWith(64, 'o64 sysret', { cpl: 3 });
    t.cpu.s.efer |= 1;
    const r = t.run(10).exception;
    expect([r?.vector, r?.errorCode]).toEqual([13, 0]);
  });

  test('Intel: SYSCALL outside 64-bit mode is #UD', () => {
    expect(trap(32, `${SCE_ON}\nsyscall`).vector).toBe(6);
  });
});

describe('SYSENTER/SYSEXIT', () => {
  test('32-bit round trip: flat CS/SS from SYSENTER_CS, ESP/EIP from the MSRs, IF cleared; back with ECX/EDX', () => {
    const t = cpuWith(32, `${WRMSR(0x174, '0', String(Sel.CODE32))}\n${WRMSR(0x175, '0', '0x180000')}\n${WRMSR(0x176, '0', 'k')}
      sti
      sysenter
    k:
      mov esi, cs
      mov edi, ss
      mov ebp, esp
      pushfd
      pop ebx
      mov ecx, 0x170000
      mov edx, u
      sysexit
    u:
      mov eax, cs
      mov edx, ss
      mov ecx, esp
      hlt`);
    const r = t.run(1000);
    expect(r.exception?.vector).toBe(13); // hlt in ring 3
    expect(t.get('rsi')).toBe(BigInt(Sel.CODE32));
    expect(t.get('rdi')).toBe(BigInt(Sel.CODE32 + 8));
    expect(t.get('rbp')).toBe(0x180000n);
    expect(t.get('rbx') & 0x200n).toBe(0n);
    expect(t.get('rax')).toBe(BigInt((Sel.CODE32 + 16) | 3));
    expect(t.get('rdx')).toBe(BigInt((Sel.CODE32 + 24) | 3));
    expect(t.get('rcx')).toBe(0x170000n);
  });

  test('#GP(0) when SYSENTER_CS is null', () => {
    const r = trap(32, 'sysenter');
    expect([r.vector, r.errorCode]).toEqual([13, 0]);
  });

  test('AMD: SYSENTER in long mode is #UD', () => {
    const t = cpuWith(64, `${WRMSR(0x174, '0', String(Sel.CODE64))}\nsysenter`);
    t.cpu.setCpuid(cpuidProfile('amd'));
    expect(t.run(100).exception?.vector).toBe(6);
  });
});
