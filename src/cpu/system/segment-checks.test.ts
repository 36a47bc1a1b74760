import { describe, expect, test } from 'vitest';
import { exec, trap } from '../../../test/cpu/asm.js';
import { Sel } from '../testing.js';

const fault = (r: { vector: number; errorCode?: number }): [number, number | undefined] => [r.vector, r.errorCode];

describe('segment loads: privilege, type and present checks with their error codes', () => {
  test('ring 3 loading a DPL 0 data segment into DS: #GP(sel)', () => {
    expect(fault(trap(32, `mov ax, ${Sel.DATA}\nmov ds, ax`, { cpl: 3 }))).toEqual([13, Sel.DATA]);
  });
  test('ring 3 loading its own data segment works; RPL 3 selector', () => {
    const r = trap(32, `mov ax, ${Sel.DATA_USER}\nmov ds, ax\nmov ss, ax\nmov ebx, 1\nint3`, { cpl: 3 });
    expect(r.vector).toBe(3);
    expect(r.t.get('rbx')).toBe(1n);
  });
  test('SS: RPL != CPL, a code segment, a null selector: #GP', () => {
    expect(fault(trap(32, `mov ax, ${Sel.DATA | 3}\nmov ss, ax`))).toEqual([13, Sel.DATA]);
    expect(fault(trap(32, `mov ax, ${Sel.CODE32}\nmov ss, ax`))).toEqual([13, Sel.CODE32]);
    expect(fault(trap(32, 'xor eax, eax\nmov ss, ax'))).toEqual([13, 0]);
  });
  test('a selector beyond the GDT limit: #GP(sel)', () => {
    expect(fault(trap(32, 'mov ax, 0x200\nmov es, ax'))).toEqual([13, 0x200]);
  });
  test('a system descriptor (the TSS) into DS: #GP(sel)', () => {
    expect(fault(trap(32, `mov ax, ${Sel.TSS}\nmov ds, ax`))).toEqual([13, Sel.TSS]);
  });
  test('far jump from ring 3 to ring 0 code: #GP(sel)', () => {
    expect(fault(trap(32, `jmp ${Sel.CODE32}:0x1000`, { cpl: 3 }))).toEqual([13, Sel.CODE32]);
  });
  test('iret from ring 3 to ring 0: #GP(sel)', () => {
    expect(fault(trap(32, `push ${Sel.DATA}\npush esp\npushfd\npush ${Sel.CODE32}\npush 0x1000\niretd`, { cpl: 3 }))).toEqual([13, Sel.CODE32]);
  });
  test('LTR of a data segment, LLDT of a code segment: #GP(sel)', () => {
    expect(fault(trap(32, `mov ax, ${Sel.DATA}\nltr ax`))).toEqual([13, Sel.DATA]);
    expect(fault(trap(32, `mov ax, ${Sel.CODE32}\nlldt ax`))).toEqual([13, Sel.CODE32]);
  });
});

describe('LAR, LSL, VERR, VERW, ARPL', () => {
  test('ring 0: LAR gives the access rights, LSL the expanded limit, ZF set', () => {
    const t = exec(32, `mov ecx, ${Sel.CODE32}\nlar eax, ecx\nsetz bl\nlsl edx, ecx\nsetz bh\nhlt`);
    expect(t.get('rax')).toBe(0x00c09b00n);
    expect(t.get('rdx')).toBe(0xffffffffn);
    expect(t.get('rbx') & 0xffffn).toBe(0x0101n);
  });
  test('VERW of a code segment fails, of a data segment succeeds; VERR of readable code succeeds', () => {
    const t = exec(32, `mov ecx, ${Sel.CODE32}\nverw cx\nsetz al\nmov ecx, ${Sel.DATA}\nverw cx\nsetz ah\nmov ecx, ${Sel.CODE32}\nverr cx\nsetz bl\nhlt`);
    expect(t.get('rax') & 0xffffn).toBe(0x0100n);
    expect(t.get('rbx') & 0xffn).toBe(1n);
  });
  test('ring 3: LAR of a DPL 0 segment fails (ZF clear, destination unchanged), of a DPL 3 one succeeds', () => {
    const { vector, t } = trap(32, `mov eax, 7\nmov ecx, ${Sel.DATA}\nlar eax, ecx\nsetz bl\nmov ecx, ${Sel.DATA_USER}\nlar edx, ecx\nsetz bh\nint3`, { cpl: 3 });
    expect(vector).toBe(3);
    expect(t.get('rax')).toBe(7n);
    expect(t.get('rbx') & 0xffffn).toBe(0x0100n);
  });
  test('a null or out-of-table selector: ZF clear, no fault', () => {
    const t = exec(32, 'xor ecx, ecx\nlsl eax, ecx\nsetz bl\nmov ecx, 0x200\nlar eax, ecx\nsetz bh\nhlt');
    expect(t.get('rbx') & 0xffffn).toBe(0n);
  });
  test('ARPL raises the RPL and sets ZF; otherwise ZF clear', () => {
    const t = exec(32, 'mov eax, 0x10\nmov ecx, 3\narpl ax, cx\nsetz bl\narpl ax, cx\nsetz bh\nhlt');
    expect(t.get('rax')).toBe(0x13n);
    expect(t.get('rbx') & 0xffffn).toBe(0x0001n);
  });
});
