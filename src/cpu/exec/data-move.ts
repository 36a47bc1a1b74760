/**
 * Data movement: MOV (all forms), MOVZX/MOVSX/MOVSXD, XCHG, BSWAP, CMOVcc,
 * PUSH/POP (incl. segment registers), PUSHA/POPA, ENTER/LEAVE, LEA, XLAT,
 * LAHF/SAHF, CBW/CWDE/CDQE, CWD/CDQ/CQO, MOVBE.
 */
import type { Cpu } from '../cpu.js';
import { Brk } from '../block-cache.js';
import type { Insn } from '../decoder/insn.js';
import { Ea } from '../decoder/insn.js';
import { cond, getFlags, setArithFlags } from '../flags.js';
import { Seg } from '../state.js';
import { loadSegment } from '../segments.js';
import {
  addSp, ea, ea32, getReg, offset64, pop, push, readMem, readRm, segCheck, setReg, stackLa, stackSize, writeMem, writeRm,
} from './operands.js';

/** MOV r/m, reg (88/89). */
export function movRmReg(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const v = getReg(c, sz, i.reg);
  writeRm(c, i, sz, v, sz === 3 ? c.hi[i.reg]! : 0);
}

/** MOV reg, r/m (8A/8B). */
export function movRegRm(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const v = readRm(c, i, sz);
  setReg(c, sz, i.reg, v, c.m.hi);
}

/** MOV r32, r32 and MOV r32, [mem] without the size switch. */
export function mov32RegReg(c: Cpu, i: Insn): void {
  c.lo[i.reg] = c.lo[i.rm]!; c.hi[i.reg] = 0;
}
/** MOV r32, m32 / MOV m32, r32 with 32-bit addressing outside 64-bit mode. */
export function mov32RegMem(c: Cpu, i: Insn): void {
  const v = c.m.read32(ea32(c, i, 4, 0));
  c.lo[i.reg] = v; c.hi[i.reg] = 0;
}
export function mov32MemReg(c: Cpu, i: Insn): void {
  c.m.write32(ea32(c, i, 4, 1), c.lo[i.reg]!);
}

/** MOV r64, r64 (89/8B with a register; bind puts the source in rm). */
export function mov64RegReg(c: Cpu, i: Insn): void {
  c.lo[i.reg] = c.lo[i.rm]!; c.hi[i.reg] = c.hi[i.rm]!;
}
/** MOV r64, m64 / MOV m64, r64 with 64-bit addressing. */
export function mov64RegMem(c: Cpu, i: Insn): void {
  const v = c.m.read64(ea(c, i, 8, 0));
  c.lo[i.reg] = v; c.hi[i.reg] = c.m.hi;
}
export function mov64MemReg(c: Cpu, i: Insn): void {
  c.m.write64(ea(c, i, 8, 1), c.lo[i.reg]!, c.hi[i.reg]!);
}

/** MOV reg, imm (B0-BF): rm holds the register. */
export function movRegImm(c: Cpu, i: Insn): void {
  setReg(c, i.osz, i.rm, i.imm, i.imm2);
}

/** MOV r/m, imm (C6/C7 /0). */
export function movRmImm(c: Cpu, i: Insn): void {
  writeRm(c, i, i.osz, i.imm, i.imm >> 31);
}

/** MOV AL/eAX, moffs (A0/A1) and MOV moffs, AL/eAX (A2/A3): the decoder made moffs a memory operand. */
export function movAccMoffs(c: Cpu, i: Insn): void {
  const sz = i.osz;
  if (i.opc <= 0xa1) { const v = readMem(c, ea(c, i, 1 << sz, 0), sz); setReg(c, sz, 0, v, c.m.hi); }
  else writeMem(c, ea(c, i, 1 << sz, 1), sz, getReg(c, sz, 0), c.hi[0]!);
}

/** MOVZX (0F B6/B7); sub = source size. */
export function movzx(c: Cpu, i: Insn): void {
  const v = readRm(c, i, i.sub);
  setReg(c, i.osz, i.reg, v, 0);
}

/** MOVSX (0F BE/BF) and MOVSXD (63 in 64-bit mode); sub = source size. */
export function movsx(c: Cpu, i: Insn): void {
  let v = readRm(c, i, i.sub);
  if (i.sub === 0) v = (v << 24) >> 24;
  else if (i.sub === 1) v = (v << 16) >> 16;
  setReg(c, i.osz, i.reg, v, v >> 31);
}

/** LEA (8D): the offset only — no segment base, no canonical check — truncated to the operand size. */
export function lea(c: Cpu, i: Insn): void {
  const sz = i.osz;
  if (i.ea === Ea.A64 || i.ea === Ea.RIP) {
    const lo = offset64(c, i);
    setReg(c, sz, i.reg, lo, c.rh);
    return;
  }
  let o = i.disp;
  if (i.ea === Ea.A16) {
    if (i.base >= 0) o += c.lo[i.base]!;
    if (i.index >= 0) o += c.lo[i.index]!;
    o &= 0xffff;
  } else {
    if (i.base >= 0) o = (o + c.lo[i.base]!) | 0;
    if (i.index >= 0) o = (o + (c.lo[i.index]! << i.scale)) | 0;
  }
  setReg(c, sz, i.reg, o, 0);
}

/** XCHG r/m, reg (86/87) and XCHG eAX, reg (91-97: rm = register, reg = 0). */
export function xchg(c: Cpu, i: Insn): void {
  const sz = i.osz;
  if (i.mod === 3) {
    const a = getReg(c, sz, i.rm), ah = c.hi[i.rm]!;
    const b = getReg(c, sz, i.reg), bh = c.hi[i.reg]!;
    setReg(c, sz, i.rm, b, bh);
    setReg(c, sz, i.reg, a, ah);
    return;
  }
  const la = ea(c, i, 1 << sz, 1);
  const a = readMem(c, la, sz), ah = c.m.hi;
  writeMem(c, la, sz, getReg(c, sz, i.reg), c.hi[i.reg]!);
  setReg(c, sz, i.reg, a, ah);
}

/** BSWAP r (0F C8-CF): rm = register. With a 16-bit operand the result is undefined; we give 0 (as Intel CPUs do). */
export function bswap(c: Cpu, i: Insn): void {
  const r = i.rm;
  const sw = (v: number): number => ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  if (i.osz === 3) { const l = c.lo[r]!; c.lo[r] = sw(c.hi[r]!); c.hi[r] = sw(l); }
  else if (i.osz === 2) setReg(c, 2, r, sw(c.lo[r]!), 0);
  else setReg(c, 1, r, 0, 0);
}

/** MOVBE (0F 38 F0/F1): byte-swapping load or store. */
export function movbe(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const sw = (v: number): number => ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  const la = ea(c, i, 1 << sz, i.opc === 0xf0 ? 0 : 1);
  if (i.opc === 0xf0) {
    const v = readMem(c, la, sz), h = c.m.hi;
    if (sz === 1) setReg(c, 1, i.reg, ((v & 0xff) << 8) | ((v >> 8) & 0xff), 0);
    else if (sz === 2) setReg(c, 2, i.reg, sw(v), 0);
    else setReg(c, 3, i.reg, sw(h), sw(v));
  } else {
    const v = getReg(c, sz, i.reg);
    if (sz === 1) writeMem(c, la, 1, ((v & 0xff) << 8) | ((v >> 8) & 0xff), 0);
    else if (sz === 2) writeMem(c, la, 2, sw(v), 0);
    else writeMem(c, la, 3, sw(c.hi[i.reg]!), sw(v));
  }
}

/** CMOVcc (0F 40-4F): the source is read (and may fault) whatever the condition; a 32-bit destination is zero-extended even when not moved. */
export function cmov(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const v = readRm(c, i, sz);
  const h = c.m.hi;
  if (cond(c, i.sub)) setReg(c, sz, i.reg, v, h);
  else if (sz === 2) c.hi[i.reg] = 0;
}

// ---- stack ----------------------------------------------------------------

/** PUSH reg (50-57): rm = register. */
export function pushReg(c: Cpu, i: Insn): void {
  push(c, i.osz, c.lo[i.rm]!, c.hi[i.rm]!);
}

/** POP reg (58-5F). */
export function popReg(c: Cpu, i: Insn): void {
  const v = pop(c, i.osz);
  setReg(c, i.osz, i.rm, v, c.m.hi);
}

/** PUSH r32 / POP r32 specialised for 32-bit flat stacks. */
export function push32(c: Cpu, i: Insn): void {
  const sp = (c.lo[4]! - 4) | 0;
  if (stackSize(c) !== 1 || c.sc[Seg.SS] !== 0) { pushReg(c, i); return; }
  c.m.write32((c.s.segBase[Seg.SS]! + (sp >>> 0)) >>> 0, c.lo[i.rm]!);
  c.lo[4] = sp;
}
export function pop32(c: Cpu, i: Insn): void {
  if (stackSize(c) !== 1 || c.sc[Seg.SS] !== 0) { popReg(c, i); return; }
  const v = c.m.read32((c.s.segBase[Seg.SS]! + (c.lo[4]! >>> 0)) >>> 0);
  c.lo[4] = (c.lo[4]! + 4) | 0;
  c.lo[i.rm] = v; c.hi[i.rm] = 0;
}

/** PUSH imm (68/6A). */
export function pushImm(c: Cpu, i: Insn): void {
  push(c, i.osz, i.imm, i.imm >> 31);
}

/** PUSH r/m (FF /6). */
export function pushRm(c: Cpu, i: Insn): void {
  const v = readRm(c, i, i.osz);
  push(c, i.osz, v, c.m.hi);
}

/** POP r/m (8F /0): RSP is incremented before the destination address is computed. */
export function popRm(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const v = readMem(c, stackLa(c, 0, 1 << sz), sz), h = c.m.hi;
  if (i.mod === 3) { addSp(c, 1 << sz); setReg(c, sz, i.rm, v, h); return; }
  const n = 1 << sz;
  addSp(c, n);
  try {
    writeMem(c, ea(c, i, n, 1), sz, v, h);
  } catch (e) {
    addSp(c, -n);
    throw e;
  }
}

/**
 * PUSH segment register (06 0E 16 1E, 0F A0 0F A8); sub = segment. With a
 * 32-bit operand size the CPU moves ESP by 4 but stores only the 16-bit
 * selector, leaving the upper two bytes of the slot as they were (recorded on
 * Intel hardware; the SDM allows it); a 64-bit push stores it zero-extended.
 */
export function pushSeg(c: Cpu, i: Insn): void {
  const sel = c.s.segSel[i.sub]!;
  if (i.osz !== 2) { push(c, i.osz, sel, 0); return; }
  writeMem(c, stackLa(c, -4, 4), 1, sel, 0);
  addSp(c, -4);
}

/** POP segment register (07 17 1F, 0F A1 0F A9). */
export function popSeg(c: Cpu, i: Insn): void {
  const v = readMem(c, stackLa(c, 0, 1 << i.osz), i.osz) & 0xffff;
  loadSegment(c, i.sub, v);
  addSp(c, 1 << i.osz);
  if (i.sub === Seg.SS) c.intShadow = true;
}

/** MOV r/m, Sreg (8C). */
export function movRmSeg(c: Cpu, i: Insn): void {
  const v = c.s.segSel[i.reg & 7]!;
  if (i.mod === 3) setReg(c, i.osz === 1 ? 1 : i.osz, i.rm, v, 0);
  else writeMem(c, ea(c, i, 2, 1), 1, v, 0);
}

/** MOV Sreg, r/m (8E). */
export function movSegRm(c: Cpu, i: Insn): void {
  const v = readRm(c, i, 1);
  loadSegment(c, i.reg & 7, v);
  if ((i.reg & 7) === Seg.SS) { c.intShadow = true; c.brk = Brk.STOP; }
}

/** PUSHA/PUSHAD (60). */
export function pusha(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz;
  c.m.probeWrite(stackLa(c, -8 * n, 8 * n), 8 * n);
  const sp = c.lo[4]!;
  for (let r = 0; r < 8; r++) push(c, sz, r === 4 ? sp : c.lo[r]!, 0);
}

/** POPA/POPAD (61): SP's slot is skipped. */
export function popa(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz;
  const vals = POPA_TMP;
  for (let r = 7; r >= 0; r--) vals[r] = readMem(c, stackLa(c, (7 - r) * n, n), sz);
  for (let r = 7; r >= 0; r--) if (r !== 4) setReg(c, sz, r, vals[r]!, 0);
  addSp(c, 8 * n);
}
const POPA_TMP = new Int32Array(8);

/** ENTER imm16, imm8 (C8). */
export function enter(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz;
  const size = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const ss = stackSize(c);
  // Probe the whole frame and read the outer frame pointers first, so a fault leaves nothing half done.
  c.m.probeWrite(stackLa(c, -n * (level + 1) - size, n * (level + 1) + size), n * (level + 1) + size);
  const bpLo = c.lo[5]!, bpHi = c.hi[5]!;
  for (let k = 1; k < level; k++) {
    const off = -k * n;
    let bpAddr: number;
    if (ss === 2) bpAddr = bpHi * 4294967296 + (bpLo >>> 0) + off;
    else {
      const o = ss === 1 ? (bpLo + off) >>> 0 : (bpLo + off) & 0xffff;
      segCheck(c, Seg.SS, o, n, 0);
      bpAddr = (c.s.segBase[Seg.SS]! + o) >>> 0;
    }
    ENTER_LO[k] = readMem(c, bpAddr, sz); ENTER_HI[k] = c.m.hi;
  }
  push(c, sz, bpLo, bpHi);
  const frameLo = c.lo[4]!, frameHi = c.hi[4]!;
  if (level > 0) {
    for (let k = 1; k < level; k++) push(c, sz, ENTER_LO[k]!, ENTER_HI[k]!);
    push(c, sz, frameLo, frameHi);
  }
  setReg(c, sz, 5, frameLo, frameHi);
  addSp(c, -size);
}
const ENTER_LO = new Int32Array(32), ENTER_HI = new Int32Array(32);

/** LEAVE (C9): RSP = RBP, then POP RBP. */
export function leave(c: Cpu, i: Insn): void {
  const ss = stackSize(c);
  const oldLo = c.lo[4]!, oldHi = c.hi[4]!;
  if (ss === 2) { c.lo[4] = c.lo[5]!; c.hi[4] = c.hi[5]!; }
  else if (ss === 1) c.lo[4] = c.lo[5]!;
  else c.lo[4] = (c.lo[4]! & ~0xffff) | (c.lo[5]! & 0xffff);
  try {
    const v = pop(c, i.osz);
    setReg(c, i.osz, 5, v, c.m.hi);
  } catch (e) {
    c.lo[4] = oldLo; c.hi[4] = oldHi;
    throw e;
  }
}

// ---- accumulator conversions, XLAT, LAHF/SAHF -----------------------------

/** CBW/CWDE/CDQE (98). */
export function cbw(c: Cpu, i: Insn): void {
  const v = c.lo[0]!;
  if (i.osz === 1) setReg(c, 1, 0, (v << 24) >> 24, 0);
  else if (i.osz === 2) setReg(c, 2, 0, (v << 16) >> 16, 0);
  else c.hi[0] = v >> 31;
}

/** CWD/CDQ/CQO (99). */
export function cwd(c: Cpu, i: Insn): void {
  if (i.osz === 1) setReg(c, 1, 2, (c.lo[0]! << 16) >> 31, 0);
  else if (i.osz === 2) setReg(c, 2, 2, c.lo[0]! >> 31, 0);
  else { const s = c.hi[0]! >> 31; c.lo[2] = s; c.hi[2] = s; }
}

/** XLAT (D7): AL = [seg:rBX + AL]. */
export function xlat(c: Cpu, i: Insn): void {
  const al = c.lo[0]! & 0xff;
  let la: number;
  if (i.asz === 2) {
    const a = c.hi[3]! * 4294967296 + (c.lo[3]! >>> 0) + al;
    la = (i.seg >= Seg.FS ? c.s.segBase[i.seg]! : 0) + a;
  } else {
    const off = i.asz === 1 ? (c.lo[3]! + al) >>> 0 : (c.lo[3]! + al) & 0xffff;
    segCheck(c, i.seg, off, 1, 0);
    la = (c.s.segBase[i.seg]! + off) >>> 0;
  }
  setReg(c, 0, 0, c.m.read8(la), 0);
}

/** LAHF (9F). */
export function lahf(c: Cpu): void {
  setReg(c, 0, 16, getFlags(c) & 0xd7 | 2, 0);
}

/** SAHF (9E). */
export function sahf(c: Cpu): void {
  const f = getFlags(c);
  setArithFlags(c, (f & ~0xd5) | ((c.lo[0]! >> 8) & 0xd5));
}


/** LDS/LES (C5/C4, not in 64-bit mode), LSS/LFS/LGS (0F B2/B4/B5): sub = segment. Offset first, then the selector. */
export function loadFarPointer(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const la = ea(c, i, (1 << sz) + 2, 0);
  const off = readMem(c, la, sz), offHi = c.m.hi;
  const sel = c.m.read16(la + (1 << sz));
  loadSegment(c, i.sub, sel);
  setReg(c, sz, i.reg, off, offHi);
  if (i.sub === Seg.SS) { c.intShadow = true; c.brk = Brk.STOP; }
}
