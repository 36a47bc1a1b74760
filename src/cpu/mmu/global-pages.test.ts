import { describe, expect, test } from 'vitest';
import { exec, trap, PT64 } from '../../../test/cpu/asm.js';

// Page 0x50000 maps frame 0x60000 (global or not); frames 0x60000/0x61000 hold 0xaa/0xbb.
const SETUP = (g: boolean): string => `${PT64}
  mov byte [0x60000], 0xaa
  mov byte [0x61000], 0xbb
  mov rax, cr4
  or rax, 0x80
  mov cr4, rax
  mov qword [0x103000 + 0x50*8], 0x60007 | ${g ? 0x100 : 0}
  invlpg [0x50000]
  mov al, [0x50000]
  mov qword [0x103000 + 0x50*8], 0x61007 | ${g ? 0x100 : 0}
  mov rcx, cr3
  mov cr3, rcx
  movzx ebx, byte [0x50000]`;

describe('global pages (CR4.PGE)', () => {
  test('a global translation survives a CR3 write (the stale frame is still seen)', () => {
    expect(exec(64, `${SETUP(true)}\nhlt`).get('rbx')).toBe(0xaan);
  });
  test('a non-global one does not', () => {
    expect(exec(64, `${SETUP(false)}\nhlt`).get('rbx')).toBe(0xbbn);
  });
  test('INVLPG and toggling CR4.PGE drop global translations', () => {
    expect(exec(64, `${SETUP(true)}\ninvlpg [0x50000]\nmovzx ebx, byte [0x50000]\nhlt`).get('rbx')).toBe(0xbbn);
    expect(exec(64, `${SETUP(true)}\nmov rax, cr4\nbtr rax, 7\nmov cr4, rax\nmovzx ebx, byte [0x50000]\nhlt`).get('rbx')).toBe(0xbbn);
  });
});

describe('control-register write checks', () => {
  test('CR4 bits the CPU does not implement or advertise (VME, SMEP, PCIDE) are #GP(0)', () => {
    for (const bit of [0, 20, 17]) {
      const r = trap(64, `mov rax, cr4\nbts rax, ${bit}\nmov cr4, rax\nhlt`);
      expect([r.vector, r.errorCode]).toEqual([13, 0]);
    }
  });
  test('CR3 bits above MAXPHYADDR and CR8 bits above 3 are #GP(0)', () => {
    expect(trap(64, 'mov rax, cr3\nbts rax, 45\nmov cr3, rax\nhlt').vector).toBe(13);
    expect(trap(64, 'mov eax, 16\nmov cr8, rax\nhlt').vector).toBe(13);
  });
});
