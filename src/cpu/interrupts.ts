/**
 * Exception and interrupt delivery (real mode IVT, 32-bit protected-mode IDT,
 * long-mode IDT with IST), the double- and triple-fault rules, and IRET.
 * Task gates, v8086 frames and the remaining checks are issue 4's; they exit
 * with an internal error rather than do something wrong.
 */
import type { Cpu } from './cpu.js';
import { ExitReason } from './contract.js';
import { FAULT, faultClass, Vec } from './exceptions.js';
import { getFlags, setArithFlags } from './flags.js';
import { readDescriptor, setFromDescriptor, loadCsReturn, loadSegment, nullInnerDataSegments } from './segments.js';
import { CodeSize, CR0, EFER, F, RFLAGS_WRITABLE, Seg, SegAttr } from './state.js';
import { EXIT } from './exceptions.js';
import { pushTaskErrorCode, switchTask, TaskSwitch, taskReturn } from './system/tasks.js';
import { checkStack, descriptorAttr, descriptorLimit, stackFits } from './seg-limits.js';

const TWO32 = 4294967296;

function fault(c: Cpu, v: number, err: number): never {
  c.exc.vector = v; c.exc.error = err; c.exc.hasError = err >= 0;
  throw FAULT;
}

/**
 * Deliver `vector`. `soft` marks INT n/INT3/INTO (gate DPL checked, RIP is
 * already after the instruction); `external` sets the EXT bit of error codes.
 * Returns ExitReason.Shutdown on a triple fault, else 0.
 */
export function deliverInterrupt(c: Cpu, vector: number, hasError: boolean, error: number, soft: boolean, external: boolean): ExitReason | 0 {
  let v = vector, he = hasError, e = error, sw = soft;
  for (;;) {
    try {
      deliverOnce(c, v, he, e, sw, external);
      c.halted = false;
      return 0;
    } catch (x) {
      if (x === EXIT) return c.exitReason as ExitReason;
      if (x !== FAULT) throw x;
      c.s.rip = c.curIp;
      if (v === Vec.DF) return ExitReason.Shutdown;
      const a = faultClass(v), b = faultClass(c.exc.vector);
      if ((a === 1 && b === 1) || (a === 2 && b !== 0)) { v = Vec.DF; he = true; e = 0; }
      else { v = c.exc.vector; he = c.exc.hasError; e = c.exc.error; }
      sw = false;
    }
  }
}

function supervisorRead32(c: Cpu, la: number): number {
  const u = c.m.user;
  c.m.user = 0;
  try { return c.m.read32(la); } finally { c.m.user = u; }
}

function deliverOnce(c: Cpu, v: number, he: boolean, err: number, soft: boolean, external: boolean): void {
  const s = c.s;
  const ext = external ? 1 : 0;
  if ((s.cr0 & CR0.PE) === 0) return deliverReal(c, v);
  const long = (s.efer & EFER.LMA) !== 0;
  const entry = long ? 16 : 8;
  if (v * entry + entry - 1 > s.idtLimit) fault(c, Vec.GP, v * 8 + 2 + ext);
  const gate = s.idtBase + v * entry;
  const w0 = supervisorRead32(c, gate), w1 = supervisorRead32(c, gate + 4);
  const type = (w1 >> 8) & 0x1f;
  const gdpl = (w1 >> 13) & 3;
  if (soft && gdpl < s.cpl) fault(c, Vec.GP, v * 8 + 2);
  if ((w1 & 0x8000) === 0) fault(c, Vec.NP, v * 8 + 2 + ext);
  const sel = w0 >>> 16;
  const interruptGate = (type & 1) === 0;
  if ((sel & 0xfffc) === 0) fault(c, Vec.GP, ext);
  const dlo = readDescriptor(c, sel), dhi = c.m.hi;
  const dpl = (dhi >> 13) & 3;
  const oldFlags = getFlags(c);
  const oldCpl = s.cpl;
  const oldCs = s.segSel[Seg.CS]!;
  const oldSs = s.segSel[Seg.SS]!;
  const ripLo = s.rip >>> 0 | 0, ripHi = Math.floor(s.rip / TWO32) | 0;
  const fromVm86 = (oldFlags & F.VM) !== 0;
  // INT n/INT3/INTO in virtual-8086 mode need IOPL 3 (no VME).
  if (fromVm86 && soft && ((oldFlags >> 12) & 3) < 3) fault(c, Vec.GP, 0);

  if (long) {
    if (type !== 0x0e && type !== 0x0f) fault(c, Vec.GP, v * 8 + 2 + ext);
    const w2 = supervisorRead32(c, gate + 8);
    const ist = w1 & 7;
    let spLo: number, spHi: number;
    const tr = s.segBase[Seg.TR]!;
    if (ist !== 0) { spLo = supervisorRead32(c, tr + 0x24 + (ist - 1) * 8); spHi = supervisorRead32(c, tr + 0x28 + (ist - 1) * 8); }
    else if (dpl < oldCpl) { spLo = supervisorRead32(c, tr + 4 + dpl * 8); spHi = supervisorRead32(c, tr + 8 + dpl * 8); }
    else { spLo = c.lo[4]!; spHi = c.hi[4]!; }
    spLo &= ~0xf;
    const oldSpLo = c.lo[4]!, oldSpHi = c.hi[4]!;
    let sp = spHi * TWO32 + (spLo >>> 0);
    if (sp >= 0x800000000000 && sp < 0xffff800000000000) fault(c, Vec.SS, 0);
    if (sp >= 0x800000000000) sp -= 0x10000000000000000;
    const frame = he ? 6 : 5;
    const userBefore = c.m.user;
    c.setCpl(dpl);
    try {
      const base = sp - frame * 8;
      c.m.probeWrite(base, frame * 8);
      let p = sp;
      const put = (lo: number, hi: number): void => { p -= 8; c.m.write64(p, lo, hi); };
      put(oldSs, 0); put(oldSpLo, oldSpHi); put(oldFlags, 0); put(oldCs, 0); put(ripLo, ripHi);
      if (he) put(err, 0);
      sp = p;
    } catch (x) {
      c.setCpl(oldCpl); c.m.user = userBefore;
      throw x;
    }
    setFromDescriptor(c, Seg.CS, (sel & 0xfffc) | dpl, dlo, dhi);
    if (dpl !== oldCpl) { s.segSel[Seg.SS] = dpl; s.segBase[Seg.SS] = 0; s.segAttr[Seg.SS] = (s.segAttr[Seg.SS]! & ~0x60) | (dpl << 5); }
    c.lo[4] = sp >>> 0 | 0; c.hi[4] = Math.floor(sp / TWO32) | 0;
    // Gate offset bits 63-32 are w2 (signed: the result is the canonical address as a signed number).
    s.rip = w2 * TWO32 + ((w1 & 0xffff0000) >>> 0) + (w0 & 0xffff);
  } else {
    if (type === 0x05) {
      if ((w1 & 0x8000) === 0) fault(c, Vec.NP, v * 8 + 2 + ext);
      switchTask(c, sel, TaskSwitch.CALL);
      if (he) pushTaskErrorCode(c, err);
      return;
    }
    if (type !== 0x0e && type !== 0x0f && type !== 0x06 && type !== 0x07) fault(c, Vec.GP, v * 8 + 2 + ext);
    const is32 = (type & 8) !== 0;
    const n = is32 ? 4 : 2;
    let newSs = oldSs, spBase = s.segBase[Seg.SS]!, sp = c.lo[4]!;
    let ssLo = 0, ssHi = 0;
    // From virtual-8086 mode only a 32-bit gate to ring 0 code is allowed.
    if (fromVm86 && (dpl !== 0 || !is32)) fault(c, Vec.GP, sel & 0xfffc);
    const stackSwitch = dpl < oldCpl;
    if (stackSwitch) {
      const tr = s.segBase[Seg.TR]!;
      sp = supervisorRead32(c, tr + 4 + dpl * 8);
      newSs = supervisorRead32(c, tr + 8 + dpl * 8) & 0xffff;
      ssLo = readDescriptor(c, newSs, Vec.TS); ssHi = c.m.hi;
      spBase = ((ssLo >>> 16) | ((ssHi & 0xff) << 16) | (ssHi & 0xff000000)) >>> 0;
    }
    const frame = (fromVm86 ? 4 : 0) + (stackSwitch ? 2 : 0) + 3 + (he ? 1 : 0);
    const oldSp = c.lo[4]!;
    const userBefore = c.m.user;
    c.setCpl(dpl);
    const bigStack = stackSwitch ? (ssHi & (1 << 22)) !== 0 : (s.segAttr[Seg.SS]! & (1 << 14)) !== 0;
    const at = (off: number): number => (spBase + (bigStack ? off >>> 0 : off & 0xffff)) >>> 0;
    // The frame must fit the stack segment: #SS(new SS) on a stack switch, #SS(0) on the current stack (EXT for events).
    const frameOff = bigStack ? (sp - frame * n) >>> 0 : (sp - frame * n) & 0xffff;
    const fits = stackSwitch ? stackFits(descriptorLimit(ssLo, ssHi), descriptorAttr(ssHi), frameOff, frame * n)
      : stackFits(s.segLimit[Seg.SS]!, s.segAttr[Seg.SS]!, frameOff, frame * n);
    if (!fits) fault(c, Vec.SS, (stackSwitch ? newSs & 0xfffc : 0) | ext);
    try {
      c.m.probeWrite(at(sp - frame * n), frame * n);
      let p = sp;
      const put = (val: number): void => { p -= n; if (n === 4) c.m.write32(at(p), val); else c.m.write16(at(p), val); };
      if (fromVm86) { put(s.segSel[Seg.GS]!); put(s.segSel[Seg.FS]!); put(s.segSel[Seg.DS]!); put(s.segSel[Seg.ES]!); }
      if (stackSwitch) { put(oldSs); put(oldSp); }
      put(oldFlags); put(oldCs); put(ripLo);
      if (he) put(err);
      sp = p;
    } catch (x) {
      c.setCpl(oldCpl); c.m.user = userBefore;
      throw x;
    }
    if (stackSwitch) setFromDescriptor(c, Seg.SS, newSs, ssLo, ssHi);
    if (fromVm86) {
      // The handler starts with null data segments: the 8086 ones are in the frame.
      for (const k of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) { s.segSel[k] = 0; s.segBase[k] = 0; s.segAttr[k] = SegAttr.UNUSABLE; }
    }
    setFromDescriptor(c, Seg.CS, (sel & 0xfffc) | dpl, dlo, dhi);
    if (bigStack) c.lo[4] = sp; else c.lo[4] = (c.lo[4]! & ~0xffff) | (sp & 0xffff);
    s.rip = is32 ? ((w1 & 0xffff0000) | (w0 & 0xffff)) >>> 0 : w0 & 0xffff;
  }
  let nf = s.flags & ~(F.TF | F.NT | F.RF | F.VM);
  if (interruptGate) nf &= ~F.IF;
  s.flags = nf;
  c.updateMode();
}

function deliverReal(c: Cpu, v: number): void {
  const s = c.s;
  if (v * 4 + 3 > s.idtLimit) fault(c, Vec.GP, v * 8 + 2);
  const off = c.m.read16(s.idtBase + v * 4);
  const seg = c.m.read16(s.idtBase + v * 4 + 2);
  const sp = c.lo[4]! & 0xffff;
  const at = (o: number): number => (s.segBase[Seg.SS]! + (o & 0xffff)) >>> 0;
  c.m.write16(at(sp - 2), getFlags(c));
  c.m.write16(at(sp - 4), s.segSel[Seg.CS]!);
  c.m.write16(at(sp - 6), s.rip);
  c.lo[4] = (c.lo[4]! & ~0xffff) | ((sp - 6) & 0xffff);
  s.flags &= ~(F.IF | F.TF | F.AC);
  c.loadSegReal(Seg.CS, seg);
  s.rip = off;
}

/** IRET with operand size `sz` (1 = 16, 2 = 32, 3 = 64 bits). */
export function iret(c: Cpu, sz: number): void {
  const s = c.s;
  const n = 1 << sz;
  c.nmiBlocked = false;
  const long = s.codeSize === CodeSize.Bits64;
  const ssBase = long ? 0 : s.segBase[Seg.SS]!;
  const big = long || (s.segAttr[Seg.SS]! & (1 << 14)) !== 0;
  const spLo = c.lo[4]!, spHi = c.hi[4]!;
  const at = (k: number): number => long ? spHi * TWO32 + (spLo >>> 0) + k * n : (ssBase + (big ? (spLo + k * n) >>> 0 : (spLo + k * n) & 0xffff)) >>> 0;
  const rd = (k: number): number => sz === 3 ? c.m.read64(at(k)) : sz === 2 ? c.m.read32(at(k)) : c.m.read16(at(k));
  const spOff = big ? spLo >>> 0 : spLo & 0xffff;
  if (!long && (s.cr0 & CR0.PE) !== 0) checkStack(c, spOff, 3 * n, 0); // EIP, CS, EFLAGS within SS
  const ipLo = rd(0), ipHi = sz === 3 ? c.m.hi : 0;
  const cs = rd(1) & 0xffff;
  const fl = rd(2);
  if ((s.flags & F.VM) !== 0 && ((s.flags >> 12) & 3) < 3) fault(c, Vec.GP, 0); // IRET in v8086 mode needs IOPL 3
  if ((s.cr0 & CR0.PE) === 0 || (s.flags & F.VM) !== 0) {
    c.loadSegReal(Seg.CS, cs);
    setFlagsFromIret(c, fl, sz);
    c.lo[4] = (c.lo[4]! & ~0xffff) | ((spLo + 3 * n) & 0xffff);
    s.rip = sz === 2 ? ipLo >>> 0 : ipLo & 0xffff;
    return;
  }
  if ((s.flags & F.NT) !== 0 && !long) { taskReturn(c); return; }
  if ((fl & F.VM) !== 0 && s.cpl === 0 && sz === 2) { checkStack(c, spOff, 9 * n, 0); iretToVm86(c, ipLo, cs, fl, rd); return; }
  const rpl = cs & 3;
  if (rpl < s.cpl) fault(c, Vec.GP, cs & 0xfffc);
  const outer = rpl > s.cpl || long;
  let newSpLo = 0, newSpHi = 0, newSs = 0;
  if (outer) {
    if (!long) checkStack(c, spOff, 5 * n, 0); // and ESP, SS
    newSpLo = rd(3); newSpHi = sz === 3 ? c.m.hi : 0;
    newSs = rd(4) & 0xffff;
  }
  const oldCpl = s.cpl;
  loadCsReturn(c, cs);
  setFlagsFromIret(c, fl, sz, oldCpl);
  if (outer) {
    if ((newSs & 0xfffc) === 0 && long && rpl < 3) { s.segSel[Seg.SS] = newSs; s.segAttr[Seg.SS] = (rpl << 5) | (1 << 7) | (1 << 4) | 3; }
    else loadSegment(c, Seg.SS, newSs);
    if (sz === 3) { c.lo[4] = newSpLo; c.hi[4] = newSpHi; }
    else if (sz === 2) { c.lo[4] = newSpLo; c.hi[4] = 0; }
    else c.lo[4] = (c.lo[4]! & ~0xffff) | (newSpLo & 0xffff);
    if (rpl > oldCpl) nullInnerDataSegments(c);
  } else {
    if (big) c.lo[4] = (spLo + 3 * n) | 0; else c.lo[4] = (spLo & ~0xffff) | ((spLo + 3 * n) & 0xffff);
  }
  s.rip = sz === 3 ? ipHi * TWO32 + (ipLo >>> 0) : sz === 2 ? ipLo >>> 0 : ipLo & 0xffff;
  c.updateMode();
}

/**
 * IRET from ring 0 with EFLAGS.VM in the popped image: the 32-bit frame also
 * holds ESP, SS, ES, DS, FS, GS; every segment is then loaded 8086-style.
 */
function iretToVm86(c: Cpu, ip: number, cs: number, fl: number, rd: (k: number) => number): void {
  const s = c.s;
  const sp = rd(3), ss = rd(4) & 0xffff, es = rd(5) & 0xffff, ds = rd(6) & 0xffff, fs = rd(7) & 0xffff, gs = rd(8) & 0xffff;
  s.flags = (fl & RFLAGS_WRITABLE) | 2;
  setArithFlags(c, fl);
  const sels = [es, cs, ss, ds, fs, gs];
  for (let k = 0; k < 6; k++) {
    s.segSel[k] = sels[k]!; s.segBase[k] = sels[k]! * 16; s.segLimit[k] = 0xffff;
    // 8086 segments: present, DPL 3, read/write (CS: code), 16-bit.
    s.segAttr[k] = (k === Seg.CS ? 0xb : 0x3) | SegAttr.S | (3 << SegAttr.DPL_SHIFT) | SegAttr.P;
  }
  c.lo[4] = sp; c.hi[4] = 0;
  s.rip = ip & 0xffff;
  c.setCpl(3);
  c.updateMode();
}

function setFlagsFromIret(c: Cpu, v: number, sz: number, cpl = c.s.cpl): void {
  const s = c.s;
  let mask = F.CF | F.PF | F.AF | F.ZF | F.SF | F.TF | F.DF | F.OF | F.NT | F.RF | F.AC | F.ID;
  if (cpl === 0) mask |= F.IOPL | F.VIF | F.VIP;
  if (cpl <= ((s.flags >> 12) & 3)) mask |= F.IF;
  if (sz === 1) mask &= 0xffff;
  s.flags = (s.flags & ~mask) | (v & mask) | 2;
  setArithFlags(c, v);
}
