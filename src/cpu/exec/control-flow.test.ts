import { describe, expect, test } from 'vitest';
import { exec, trap } from '../../../test/cpu/asm.js';

describe('control flow', () => {
  test('call/ret near, indirect through register and memory', () => {
    const t = exec(64, `lea rbx, [rel f]\ncall rbx\nmov [0x3000], rbx\ncall [0x3000]\nmov rcx, 1\ncall g\nhlt
      f: inc rax\nret
      g: add rcx, 10\nret 0`);
    expect(t.get('rax')).toBe(2n);
    expect(t.get('rcx')).toBe(11n);
  });
  test('call far through memory pushes CS:EIP and retf returns', () => {
    const t = exec(32, `mov esp, 0x8000\nmov dword [0x3000], f\nmov word [0x3004], 0x18\ncall far [0x3000]\nmov ebx, esp\nhlt
      f: mov eax, [esp + 4]\nmov ecx, [esp]\nretf`);
    expect(t.get('rax')).toBe(0x18n);
    expect(t.get('rcx')).toBe(0x1000n + 5n + 10n + 9n + 6n);
    expect(t.get('rbx')).toBe(0x8000n);
  });
  test('bound: inside the range completes, outside is #BR', () => {
    expect(exec(32, `mov dword [0x3000], -5\nmov dword [0x3004], 7\nmov eax, -5\nbound eax, [0x3000]\nmov ebx, 1\nhlt`).get('rbx')).toBe(1n);
    expect(trap(32, `mov dword [0x3000], -5\nmov dword [0x3004], 7\nmov eax, 8\nbound eax, [0x3000]\nhlt`).vector).toBe(5);
  });
  test('loop / loope / jecxz / jrcxz', () => {
    const t = exec(32, `mov ecx, 10\nxor eax, eax\nl: inc eax\nloop l\njecxz z\nmov eax, 99\nz: hlt`);
    expect(t.get('rax')).toBe(10n);
    const u = exec(64, `mov rcx, 0x100000000\njrcxz bad\nmov ecx, 0\njrcxz ok\nbad: mov eax, 1\nok: hlt`);
    expect(u.get('rax')).toBe(0n);
  });
  test('jcc for signed and unsigned comparisons', () => {
    const t = exec(32, `xor eax, eax\nmov ebx, -1\ncmp ebx, 1\njl s1\nor eax, 1\ns1: cmp ebx, 1\nja s2\nor eax, 2\ns2: hlt`);
    expect(t.get('rax')).toBe(0n);
  });
  test('int3 is delivered through the IDT with RIP after it', () => {
    const r = trap(64, 'int3\nhlt');
    expect(r.vector).toBe(3);
    expect(r.t.memory.read32(Number(r.t.get('rsp')))).toBe(0x1001);
  });
  test('int n then iretq returns', () => {
    // Point vector 0x40 at a handler that returns, then trap on vector 0x41's stub.
    const t = exec(64, `
      lea rax, [rel handler]
      sidt [0x3000]
      mov rbx, [0x3002]
      mov [rbx + 0x40*16], ax
      shr rax, 16
      mov [rbx + 0x40*16 + 6], ax
      mov rcx, 5
      int 0x40
      hlt
      handler: add rcx, 1
      iretq`);
    expect(t.get('rcx')).toBe(6n);
  });
  test('32-bit far jump reloads CS', () => {
    const t = exec(32, `jmp 0x18:next\nnext: mov ax, cs\nhlt`);
    expect(t.get('rax') & 0xffffn).toBe(0x18n);
  });
  test('#GP for a non-canonical jump target (fault at the jump)', () => {
    const r = trap(64, 'mov rax, 0x0000800000000000\njmp rax');
    expect(r.vector).toBe(13);
  });
});

describe('64-bit conditions', () => {
  test('signed and unsigned comparisons of 64-bit values (high halves decide)', () => {
    const t = exec(64, `xor eax, eax
      mov rbx, 0xffffffff00000000
      mov rcx, 0x0000000100000000
      cmp rbx, rcx
      jb bad1
      or eax, 1
    bad1: cmp rbx, rcx
      jl ok2
      or eax, 2
    ok2: cmp rcx, rcx
      jne bad3
      jle ok3
    bad3: or eax, 4
    ok3: mov rdx, 0x100000000
      cmp rdx, 1
      jbe bad4
      jg ok4
    bad4: or eax, 8
    ok4: hlt`);
    expect(t.get('rax')).toBe(1n);
  });
});

describe('exceptions from user mode (CPL 3)', () => {
  for (const mode of [32, 64] as const) {
    test(`${mode}-bit: #GP from CPL 3 switches to the ring-0 stack and pushes SS:RSP`, () => {
      const r = trap(mode, 'mov eax, 5\ncli', { paging: true, cpl: 3 });
      expect(r.vector).toBe(13);
      expect(r.errorCode).toBe(0);
      const sp = Number(r.t.get('rsp'));
      const w = mode === 64 ? 8 : 4;
      // Frame: error code, RIP, CS, RFLAGS, RSP, SS.
      expect(r.t.memory.read32(sp + w)).toBe(0x1005);
      expect(r.t.memory.read32(sp + 2 * w) & 3).toBe(3);
      expect(r.t.cpu.s.cpl).toBe(0);
      expect(r.t.get('rax')).toBe(5n);
    });
  }
});
