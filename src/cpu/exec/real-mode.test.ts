import { describe, expect, test } from 'vitest';
import { cpuWith, exec } from '../../../test/cpu/asm.js';
import { ExitReason } from '../contract.js';

describe('16-bit real mode', () => {
  test('16-bit addressing forms: [bx+si+disp], [bp+di] uses SS', () => {
    const t = exec(16, `mov ax, 0x200\nmov ss, ax\nmov bx, 0x100\nmov si, 0x20\nmov word [bx+si+4], 0x1234
      mov bp, 0x10\nmov di, 0x2\nmov word [bp+di], 0x5678\nmov cx, [bx+si+4]\nmov ax, 0\nmov ds, ax\nmov dx, [0x2000 + 0x12]\nhlt`);
    expect(t.get('rcx') & 0xffffn).toBe(0x1234n);
    expect(t.get('rdx') & 0xffffn).toBe(0x5678n);
  });
  test('segment override and 32-bit operands with 66/67 prefixes', () => {
    const t = exec(16, `mov ax, 0x300\nmov es, ax\nmov dword [es:0x10], 0x11223344\nmov eax, [es:0x10]\nmov ebx, 0x3000\nmov ecx, [ebx + 0x10]\nhlt`);
    expect(t.get('rax')).toBe(0x11223344n);
    expect(t.get('rcx')).toBe(0x11223344n);
  });
  test('push/pop/call/ret use 16-bit SP', () => {
    const t = exec(16, `mov sp, 0x8000\ncall f\nmov bx, sp\nhlt\nf: push word 0x42\npop ax\nret`);
    expect(t.get('rax') & 0xffffn).toBe(0x42n);
    expect(t.get('rbx') & 0xffffn).toBe(0x8000n);
  });
  test('INT n through the IVT and IRET back', () => {
    const t = cpuWith(16, `mov sp, 0x8000\nmov word [0x80*4], handler\nmov word [0x80*4+2], 0\nmov ax, 1\nint 0x80\nhlt\nhandler: add ax, 41\niret`);
    expect(t.run(100).reason).toBe(ExitReason.Hlt);
    expect(t.get('rax') & 0xffffn).toBe(42n);
    expect(t.get('rsp') & 0xffffn).toBe(0x8000n);
  });
  test('far jump reloads CS as selector * 16', () => {
    const t = exec(16, `jmp 0x0100:(next - 0x1000)\nnext: mov ax, cs\nhlt`);
    expect(t.get('rax') & 0xffffn).toBe(0x100n);
  });
});
