/**
 * I/O permission for IN/OUT/INS/OUTS: in protected mode with CPL > IOPL,
 * and always in virtual-8086 mode, every port the access touches must be
 * clear in the TSS I/O permission bitmap (the bitmap base is the word at
 * TSS+0x66; the two bytes holding the port's bits must lie within the TSS
 * limit). Anything else is #GP(0). Checked before the instruction changes
 * anything, so the fault is precise.
 */
import type { Cpu } from '../cpu.js';
import { Vec } from '../exceptions.js';
import { fault } from '../exec/operands.js';
import { supervisor } from '../segments.js';
import { CR0, F, Seg } from '../state.js';

export function checkIoPermission(c: Cpu, port: number, size: number): void {
  const s = c.s;
  if ((s.cr0 & CR0.PE) === 0) return;
  const vm = (s.flags & F.VM) !== 0;
  if (!vm && s.cpl <= ((s.flags >> 12) & 3)) return;
  // Only a 32-bit (or 64-bit) TSS has a bitmap: available or busy type 9/11.
  const type = s.segAttr[Seg.TR]! & 0xf;
  if (type !== 9 && type !== 11) fault(c, Vec.GP, 0);
  const tss = s.segBase[Seg.TR]!, limit = s.segLimit[Seg.TR]!;
  if (limit < 0x67) fault(c, Vec.GP, 0);
  const bits = supervisor(c, () => {
    const off = c.m.read16(tss + 0x66) + (port >>> 3);
    if (off + 1 > limit) fault(c, Vec.GP, 0);
    return c.m.read16(tss + off);
  });
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) fault(c, Vec.GP, 0);
}
