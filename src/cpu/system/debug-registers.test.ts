import { describe, expect, test } from 'vitest';
import { cpuWith } from '../../../test/cpu/asm.js';

describe('single stepping and debug registers', () => {
  test('TF set by POPF traps after the following instruction, with DR6.BS; RIP after it', () => {
    const t = cpuWith(32, 'pushfd\nor dword [esp], 0x100\npopfd\nnop\nmov eax, 1\nhlt');
    const r = t.run(100);
    expect(r.exception?.vector).toBe(1);
    expect(t.get('rax')).toBe(0n); // the trap came after the NOP, before MOV
    expect(t.cpu.dr[6]! & 0x4000).toBe(0x4000);
  });
  test('an instruction breakpoint is a fault before the instruction (DR6.B0)', () => {
    const t = cpuWith(32, 'mov eax, target\nmov dr0, eax\nmov eax, 0x401\nmov dr7, eax\nmov ecx, 5\ntarget: add ecx, 1\nhlt');
    const r = t.run(100);
    expect(r.exception?.vector).toBe(1);
    expect(t.get('rcx')).toBe(5n);
    expect(t.cpu.dr[6]! & 0xf).toBe(1);
  });
  test('a write breakpoint traps after the write, not on a read (DR6.B1)', () => {
    const t = cpuWith(32, `mov eax, w\nmov dr1, eax\nmov eax, 0x4 | (0xd << 20)\nmov dr7, eax
      mov ebx, [w]\nmov ecx, 1\nmov dword [w], 7\nmov edx, 2\nhlt\nalign 4\nw: dd 0`);
    const r = t.run(100);
    expect(r.exception?.vector).toBe(1);
    expect(t.get('rcx')).toBe(1n); // the read did not trap
    expect(t.get('rdx')).toBe(0n); // the trap came right after the write
    expect(t.cpu.dr[6]! & 0xf).toBe(2);
  });
  test('DR6 and DR7 read back with their fixed-one bits', () => {
    const t = cpuWith(32, 'xor eax, eax\nmov dr6, eax\nmov dr7, eax\nmov ebx, dr6\nmov ecx, dr7\nhlt');
    t.run(100);
    expect(t.get('rbx')).toBe(0xffff0ff0n);
    expect(t.get('rcx')).toBe(0x400n);
  });
});
