import { describe, expect, test } from 'vitest';
import { exec, FL } from '../../../test/cpu/asm.js';

describe('bit operations', () => {
  test('bt/bts/btr/btc on registers (offset masked)', () => {
    const t = exec(32, 'mov eax, 0b1010\nbt eax, 33\nsetc bl\nbts eax, 0\nbtr eax, 3\nbtc eax, 4\nhlt');
    expect(t.get('rbx') & 0xffn).toBe(1n);
    expect(t.get('rax')).toBe(0b10011n);
  });
  test('register bit offsets reach outside the memory operand, also negative', () => {
    const t = exec(32, 'mov dword [0x3004], 0\nmov ecx, 37\nbts dword [0x3000], ecx\nmov eax, [0x3004]\nmov ecx, -1\nbts dword [0x3004], ecx\nmov ebx, [0x3000]\nhlt');
    expect(t.get('rax')).toBe(0x20n);
    expect(t.get('rbx') >> 31n).toBe(1n);
  });
  test('bsf/bsr, zero source sets ZF and leaves the destination', () => {
    const t = exec(32, 'mov ebx, 0x00f0\nbsf eax, ebx\nbsr ecx, ebx\nmov edx, 99\nxor esi, esi\nbsf edx, esi\npushf\npop edi\nhlt');
    expect(t.get('rax')).toBe(4n);
    expect(t.get('rcx')).toBe(7n);
    expect(t.get('rdx')).toBe(99n);
    expect(Number(t.get('rdi')) & FL.ZF).toBe(FL.ZF);
  });
  test('tzcnt/lzcnt/popcnt', () => {
    const t = exec(64, 'xor ebx, ebx\ntzcnt eax, ebx\nlzcnt rcx, rbx\nmov rbx, 0xff00000000\npopcnt rdx, rbx\nlzcnt rsi, rbx\nhlt');
    expect(t.get('rax')).toBe(32n);
    expect(t.get('rcx')).toBe(64n);
    expect(t.get('rdx')).toBe(8n);
    expect(t.get('rsi')).toBe(24n);
  });
  test('setcc for every condition after cmp 1, 2', () => {
    const t = exec(32, `mov eax, 1\ncmp eax, 2\nsetb bl\nsetl bh\nsetg cl\nseta ch\nsetne dl\nsets dh\nhlt`);
    expect(t.get('rbx') & 0xffffn).toBe(0x0101n);
    expect(t.get('rcx') & 0xffffn).toBe(0n);
    expect(t.get('rdx') & 0xffffn).toBe(0x0101n);
  });
});
