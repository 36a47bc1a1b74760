/**
 * Hardware task switching with 32-bit TSSes: through a task gate in the
 * IDT (how 32-bit kernels take #DF), a far CALL/JMP to a TSS or task gate,
 * and IRET with EFLAGS.NT (the return to the back-linked task). The SDM's
 * order: check the new TSS, save the current state into the old TSS, update
 * busy bits and the back link, load TR, CR3, the registers, LDTR and the
 * segment registers from the new TSS, and set CR0.TS.
 */
import type { Cpu } from '../cpu.js';
import { Vec } from '../exceptions.js';
import { fault } from '../exec/operands.js';
import { getFlags, setArithFlags } from '../flags.js';
import { loadSegment, readDescriptor, setFromDescriptor, supervisor } from '../segments.js';
import { CR0, F, RFLAGS_WRITABLE, Seg } from '../state.js';

export const TaskSwitch = { CALL: 0, JMP: 1, IRET: 2 } as const;
export type TaskSwitchKind = (typeof TaskSwitch)[keyof typeof TaskSwitch];

const BUSY = 0x200;
/** Segment registers in TSS order: ES CS SS DS FS GS at 0x48.. (Seg indices). */
const TSS_SEGS = [Seg.ES, Seg.CS, Seg.SS, Seg.DS, Seg.FS, Seg.GS];

function setBusy(c: Cpu, sel: number, busy: boolean): void {
  const at = c.s.gdtBase + (sel & 0xfff8) + 4;
  supervisor(c, () => {
    const hi = c.m.read32(at);
    c.m.write32(at, busy ? hi | BUSY : hi & ~BUSY);
  });
}

/** Switch to the task whose TSS selector is `sel` (CALL also covers interrupts and exceptions). */
export function switchTask(c: Cpu, sel: number, kind: TaskSwitchKind): void {
  const s = c.s;
  if ((sel & 4) !== 0) fault(c, Vec.GP, sel & 0xfffc);
  const lo = readDescriptor(c, sel, Vec.GP);
  const hi = c.m.hi;
  const type = (hi >> 8) & 0x1f;
  // IRET returns to a busy task; everything else needs an available one.
  if (type !== (kind === TaskSwitch.IRET ? 0x0b : 0x09)) {
    if (type === 0x01 || type === 0x03) throw c.internal('task switch to a 16-bit TSS (not implemented)');
    fault(c, kind === TaskSwitch.IRET ? Vec.TS : Vec.GP, sel & 0xfffc);
  }
  if ((hi & 0x8000) === 0) fault(c, Vec.NP, sel & 0xfffc);
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if ((hi & (1 << 23)) !== 0) limit = limit * 4096 + 0xfff;
  if (limit < 0x67) fault(c, Vec.TS, sel & 0xfffc);
  const newBase = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const oldSel = s.segSel[Seg.TR]!, oldBase = s.segBase[Seg.TR]!;
  const oldType = s.segAttr[Seg.TR]! & 0xf;
  if (oldType !== 0x0b && oldType !== 0x09) throw c.internal('task switch from a 16-bit TSS (not implemented)');

  // Save the outgoing task.
  let flags = getFlags(c);
  if (kind === TaskSwitch.IRET) flags &= ~F.NT;
  supervisor(c, () => {
    c.m.probeWrite(oldBase + 0x20, 0x48);
    c.m.write32(oldBase + 0x20, s.rip >>> 0);
    c.m.write32(oldBase + 0x24, flags);
    for (let r = 0; r < 8; r++) c.m.write32(oldBase + 0x28 + r * 4, c.lo[r]!);
    TSS_SEGS.forEach((seg, k) => c.m.write32(oldBase + 0x48 + k * 4, s.segSel[seg]!));
  });
  if (kind !== TaskSwitch.CALL) setBusy(c, oldSel, false);

  // Read the incoming task.
  const t = supervisor(c, () => {
    const cr3 = c.m.read32(newBase + 0x1c), eip = c.m.read32(newBase + 0x20), fl = c.m.read32(newBase + 0x24);
    const regs = Array.from({ length: 8 }, (_, r) => c.m.read32(newBase + 0x28 + r * 4));
    const segs = TSS_SEGS.map((_, k) => c.m.read16(newBase + 0x48 + k * 4));
    const ldt = c.m.read16(newBase + 0x60);
    return { cr3, eip, fl, regs, segs, ldt };
  });
  let newFlags = t.fl;
  if (kind === TaskSwitch.CALL) {
    supervisor(c, () => c.m.write16(newBase, oldSel));
    newFlags |= F.NT;
  }
  if (kind !== TaskSwitch.IRET) setBusy(c, sel, true);

  // Load TR and the new state.
  setFromDescriptor(c, Seg.TR, sel, lo, hi | BUSY);
  s.cr0 |= CR0.TS;
  if ((s.cr0 & CR0.PG) !== 0 && (t.cr3 >>> 0) !== (s.cr3 >>> 0)) { s.cr3 = t.cr3 >>> 0; c.m.flushAll(); }
  s.rip = t.eip >>> 0;
  s.flags = (newFlags & RFLAGS_WRITABLE) | 2;
  setArithFlags(c, newFlags);
  for (let r = 0; r < 8; r++) { c.lo[r] = t.regs[r]!; c.hi[r] = 0; }
  if ((newFlags & F.VM) !== 0) throw c.internal('task switch into virtual-8086 mode (not implemented)');
  // LDTR first (the segment selectors may point into it), then CS (it sets the CPL), then the rest.
  if ((t.ldt & 0xfffc) === 0) { s.segSel[Seg.LDTR] = t.ldt; s.segAttr[Seg.LDTR] = 1 << 16; }
  else {
    const l = readDescriptor(c, t.ldt, Vec.TS), lh = c.m.hi;
    if (((lh >> 8) & 0x1f) !== 2) fault(c, Vec.TS, t.ldt & 0xfffc);
    setFromDescriptor(c, Seg.LDTR, t.ldt, l, lh);
  }
  const cs = t.segs[1]!;
  const cl = readDescriptor(c, cs, Vec.TS), ch = c.m.hi;
  if ((ch & 0x1800) !== 0x1800) fault(c, Vec.TS, cs & 0xfffc);
  if ((ch & 0x8000) === 0) fault(c, Vec.NP, cs & 0xfffc);
  setFromDescriptor(c, Seg.CS, cs, cl, ch);
  c.setCpl(cs & 3);
  for (const k of [2, 0, 3, 4, 5]) loadSegment(c, TSS_SEGS[k]!, t.segs[k]!);
  c.updateMode();
}

/** Push an exception's error code on the new task's stack (32-bit TSS: a dword). */
export function pushTaskErrorCode(c: Cpu, error: number): void {
  const s = c.s;
  const big = (s.segAttr[Seg.SS]! & (1 << 14)) !== 0;
  const sp = big ? (c.lo[4]! - 4) >>> 0 : (c.lo[4]! - 4) & 0xffff;
  supervisor(c, () => c.m.write32((s.segBase[Seg.SS]! + sp) >>> 0, error));
  if (big) c.lo[4] = sp | 0; else c.lo[4] = (c.lo[4]! & ~0xffff) | sp;
}

/** IRET with EFLAGS.NT in protected mode: return to the task in the back link. */
export function taskReturn(c: Cpu): void {
  const link = supervisor(c, () => c.m.read16(c.s.segBase[Seg.TR]!));
  switchTask(c, link, TaskSwitch.IRET);
}
