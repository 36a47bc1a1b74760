import { describe, expect, test } from 'vitest';
import { cpuWith } from '../../../test/cpu/asm.js';
import { ExitReason } from '../contract.js';

/**
 * The harness TSS (testing.ts) is a 32-bit TSS; these tests give it an I/O
 * bitmap by writing the bitmap base and bits, and run at CPL 3 with IOPL 0.
 */
function ring3Io(source: string, bitmap: (tss: number, write32: (a: number, v: number) => void) => void) {
  const t = cpuWith(32, source, { cpl: 3 });
  const tss = t.cpu.s.segBase[7]!; // Seg.TR
  t.cpu.s.segLimit[7] = 0x68 + 0x2000;
  bitmap(tss, (a, v) => t.memory.write32(a, v));
  return t;
}

describe('TSS I/O permission bitmap', () => {
  test('a clear bit lets ring 3 use the port; a set bit is #GP(0)', () => {
    const t = ring3Io('in al, 0x80\nhlt', (tss, w) => {
      w(tss + 0x64, 0x68 << 16);
      for (let k = 0; k < 0x2000; k += 4) w(tss + 0x68 + k, -1);
      w(tss + 0x68 + 0x10, 0xfffffffe); // port 0x80 clear
    });
    const r = t.run(10);
    expect(r.reason).toBe(ExitReason.Io);
    const u = ring3Io('in al, 0x81\nhlt', (tss, w) => {
      w(tss + 0x64, 0x68 << 16);
      for (let k = 0; k < 0x2000; k += 4) w(tss + 0x68 + k, -1);
      w(tss + 0x68 + 0x10, 0xfffffffe);
    });
    const f = u.run(10).exception;
    expect([f?.vector, f?.errorCode]).toEqual([13, 0]);
  });
  test('a word access needs both ports clear', () => {
    const t = ring3Io('mov dx, 0x87\nin ax, dx\nhlt', (tss, w) => {
      w(tss + 0x64, 0x68 << 16);
      for (let k = 0; k < 0x2000; k += 4) w(tss + 0x68 + k, -1);
      w(tss + 0x68 + 0x10, 0xffffff7f); // 0x87 clear, 0x88 set
    });
    expect(t.run(10).exception?.vector).toBe(13);
  });
  test('a bitmap beyond the TSS limit denies; OUTS faults before touching ESI', () => {
    const t = ring3Io('mov esi, 0x2000\nmov dx, 0x80\noutsb\nhlt', (tss, w) => { w(tss + 0x64, 0x3000 << 16); });
    const r = t.run(10);
    expect(r.exception?.vector).toBe(13);
    expect(t.get('rsi')).toBe(0x2000n);
  });
});
