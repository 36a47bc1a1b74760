import { describe, expect, test } from 'vitest';
import { exec, FL, trap } from '../../../test/cpu/asm.js';

describe('BCD', () => {
  test('daa after 0x19 + 0x28 = 0x47', () => {
    expect(exec(32, 'mov al, 0x19\nadd al, 0x28\ndaa\nhlt').get('rax') & 0xffn).toBe(0x47n);
  });
  test('daa carries past 99', () => {
    const t = exec(32, 'mov al, 0x99\nadd al, 0x01\ndaa\npushf\npop ebx\nhlt');
    expect(t.get('rax') & 0xffn).toBe(0n);
    expect(Number(t.get('rbx')) & FL.CF).toBe(FL.CF);
  });
  test('das after 0x47 - 0x28 = 0x19', () => {
    expect(exec(32, 'mov al, 0x47\nsub al, 0x28\ndas\nhlt').get('rax') & 0xffn).toBe(0x19n);
  });
  test('aaa / aas', () => {
    expect(exec(32, 'mov ax, 0x0009\nadd al, 3\naaa\nhlt').get('rax') & 0xffffn).toBe(0x0102n);
    expect(exec(32, 'mov ax, 0x0102\nsub al, 3\naas\nhlt').get('rax') & 0xffffn).toBe(0x0009n);
  });
  test('aam / aad and #DE for aam 0', () => {
    expect(exec(32, 'mov al, 79\naam\nhlt').get('rax') & 0xffffn).toBe(0x0709n);
    expect(exec(32, 'mov ax, 0x0709\naad\nhlt').get('rax') & 0xffffn).toBe(79n);
    expect(trap(32, 'db 0xd4, 0x00\nhlt').vector).toBe(0);
  });
  test('#UD in 64-bit mode', () => {
    expect(trap(64, 'db 0x27\nhlt').vector).toBe(6);
  });
});
