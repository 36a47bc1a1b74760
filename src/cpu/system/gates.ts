/**
 * Far CALL/JMP through system descriptors: call gates (16- and 32-bit,
 * with the inner-privilege stack switch through the TSS and the parameter
 * copy), and task switches to a TSS or through a task gate. Plain code
 * segments stay with control-flow.ts; this is its slow path.
 */
import type { Cpu } from '../cpu.js';
import { Vec } from '../exceptions.js';
import { fault } from '../exec/operands.js';
import { D_CODE, D_CONF, D_P, D_S, readDescriptor, setFromDescriptor, supervisor } from '../segments.js';
import { CodeSize, CR0, F, Seg } from '../state.js';
import { switchTask, TaskSwitch } from './tasks.js';
import { checkStack, descriptorAttr, descriptorLimit, stackFits } from '../seg-limits.js';


/**
 * If `sel` names a system descriptor, perform the far CALL/JMP through it
 * and return true; return false for a code segment (the caller loads it).
 * `retIp` is the return address.
 */
export function farThroughSystemDescriptor(c: Cpu, sel: number, call: boolean, retIp: number): boolean {
  const s = c.s;
  if ((s.cr0 & CR0.PE) === 0 || (s.flags & F.VM) !== 0 || (sel & 0xfffc) === 0) return false;
  const glo = readDescriptor(c, sel);
  const ghi = c.m.hi;
  if ((ghi & D_S) !== 0) return false;
  if (s.codeSize === CodeSize.Bits64) throw c.internal('far transfer through a 64-bit call gate (not implemented yet)');
  const type = (ghi >> 8) & 0x1f;
  const gdpl = (ghi >> 13) & 3;
  const err = sel & 0xfffc;
  if (gdpl < s.cpl || gdpl < (sel & 3)) fault(c, Vec.GP, err);
  if ((ghi & D_P) === 0) fault(c, Vec.NP, err);
  const kind = call ? TaskSwitch.CALL : TaskSwitch.JMP;
  if (type === 0x09) { switchTask(c, sel, kind); return true; }
  if (type === 0x05) { switchTask(c, glo >>> 16, kind); return true; }
  if (type !== 0x04 && type !== 0x0c) fault(c, Vec.GP, err);
  callGate(c, glo, ghi, call, retIp, type === 0x0c);
  return true;
}

function callGate(c: Cpu, glo: number, ghi: number, call: boolean, retIp: number, gate32: boolean): void {
  const s = c.s;
  const csSel = glo >>> 16;
  if ((csSel & 0xfffc) === 0) fault(c, Vec.GP, 0);
  const lo = readDescriptor(c, csSel);
  const hi = c.m.hi;
  const dpl = (hi >> 13) & 3;
  const cerr = csSel & 0xfffc;
  if ((hi & (D_S | D_CODE)) !== (D_S | D_CODE) || dpl > s.cpl) fault(c, Vec.GP, cerr);
  const conforming = (hi & D_CONF) !== 0;
  if (!call && !conforming && dpl !== s.cpl) fault(c, Vec.GP, cerr);
  if ((hi & D_P) === 0) fault(c, Vec.NP, cerr);
  const target = gate32 ? ((ghi & 0xffff0000) | (glo & 0xffff)) >>> 0 : glo & 0xffff;
  const n = gate32 ? 4 : 2;
  const oldCs = s.segSel[Seg.CS]!, oldSs = s.segSel[Seg.SS]!, oldSp = c.lo[4]!;
  const oldSsBase = s.segBase[Seg.SS]!, oldBig = (s.segAttr[Seg.SS]! & (1 << 14)) !== 0;
  const write = (base: number, big: boolean, sp: number, v: number): void => {
    const la = (base + (big ? sp >>> 0 : sp & 0xffff)) >>> 0;
    if (n === 4) c.m.write32(la, v); else c.m.write16(la, v);
  };

  if (call && !conforming && dpl < s.cpl) {
    // Inner privilege: the new stack from the TSS, then SS, ESP, the parameters, CS, EIP.
    const tr = s.segBase[Seg.TR]!;
    let newSp = supervisor(c, () => c.m.read32(tr + 4 + dpl * 8));
    const newSs = supervisor(c, () => c.m.read16(tr + 8 + dpl * 8));
    const serr = newSs & 0xfffc;
    if (serr === 0) fault(c, Vec.TS, 0);
    const sl = readDescriptor(c, newSs, Vec.TS), sh = c.m.hi;
    if ((newSs & 3) !== dpl || ((sh >> 13) & 3) !== dpl || (sh & (D_S | D_CODE | 0x200)) !== (D_S | 0x200)) fault(c, Vec.TS, serr);
    if ((sh & D_P) === 0) fault(c, Vec.SS, serr);
    const count = ghi & 0x1f;
    const params: number[] = [];
    for (let k = count - 1; k >= 0; k--) {
      const la = (oldSsBase + (oldBig ? (oldSp + k * n) >>> 0 : (oldSp + k * n) & 0xffff)) >>> 0;
      params.push(n === 4 ? c.m.read32(la) : c.m.read16(la));
    }
    const newBase = ((sl >>> 16) | ((sh & 0xff) << 16) | (sh & 0xff000000)) >>> 0;
    const newBig = (sh & (1 << 22)) !== 0;
    const frame = (4 + count) * n;
    if (!stackFits(descriptorLimit(sl, sh), descriptorAttr(sh), newBig ? (newSp - frame) >>> 0 : (newSp - frame) & 0xffff, frame)) fault(c, Vec.SS, serr);
    const oldCpl = s.cpl;
    c.setCpl(dpl);
    try {
      c.m.probeWrite((newBase + (newBig ? (newSp - frame) >>> 0 : (newSp - frame) & 0xffff)) >>> 0, frame);
      let sp = newSp;
      const push = (v: number): void => { sp -= n; write(newBase, newBig, sp, v); };
      push(oldSs); push(oldSp);
      for (const p of params) push(p);
      push(oldCs); push(retIp);
      newSp = sp;
    } catch (x) {
      c.setCpl(oldCpl);
      throw x;
    }
    setFromDescriptor(c, Seg.SS, newSs, sl, sh);
    c.lo[4] = newBig ? newSp | 0 : (c.lo[4]! & ~0xffff) | (newSp & 0xffff);
    setFromDescriptor(c, Seg.CS, (csSel & 0xfffc) | dpl, lo, hi);
  } else {
    if (call) {
      const frame = 2 * n;
      checkStack(c, oldBig ? (oldSp - frame) >>> 0 : (oldSp - frame) & 0xffff, frame, 0);
      c.m.probeWrite((oldSsBase + (oldBig ? (oldSp - frame) >>> 0 : (oldSp - frame) & 0xffff)) >>> 0, frame);
      write(oldSsBase, oldBig, oldSp - n, oldCs);
      write(oldSsBase, oldBig, oldSp - 2 * n, retIp);
      c.lo[4] = oldBig ? (oldSp - frame) | 0 : (oldSp & ~0xffff) | ((oldSp - frame) & 0xffff);
    }
    setFromDescriptor(c, Seg.CS, (csSel & 0xfffc) | s.cpl, lo, hi);
  }
  s.rip = target;
  c.updateMode();
}
