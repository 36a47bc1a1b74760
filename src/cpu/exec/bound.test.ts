import { describe, expect, test } from 'vitest';
import { exec, trap } from '../../../test/cpu/asm.js';

describe('BOUND', () => {
  test('in range (signed, inclusive): no exception', () => {
    const t = exec(32, 'mov eax, -2\nbound eax, [b]\nmov eax, 5\nbound eax, [b]\nmov ebx, 1\nhlt\nb: dd -2, 5');
    expect(t.get('rbx')).toBe(1n);
  });
  test('out of range: #BR, a fault (EIP at the BOUND)', () => {
    const r = trap(32, 'mov eax, 6\nbound eax, [b]\nhlt\nb: dd -2, 5');
    expect(r.vector).toBe(5);
    const r16 = trap(32, 'mov eax, 0xffff\no16 bound ax, [b]\nhlt\nb: dw 0, 5');
    expect(r16.vector).toBe(5); // 0xffff is -1 as a 16-bit index
  });
});
