/**
 * String instructions: MOVS CMPS SCAS LODS STOS INS OUTS, with REP/REPE/REPNE,
 * in 16-, 32- and 64-bit address sizes. Each element updates RSI/RDI/RCX as
 * it completes, so a fault in the middle leaves the registers describing the
 * remaining work and the restarted instruction finishes it (as hardware).
 * Long repeats stop after CHUNK elements and restart (letting interrupts and
 * the budget in). REP MOVS/STOS forward copy whole page runs of RAM at once.
 */
import type { Cpu } from '../cpu.js';
import { Brk } from '../block-cache.js';
import type { Insn } from '../decoder/insn.js';
import { Rep } from '../decoder/insn.js';
import { K, setLazy, setLazy64, SIZE_MASK } from '../flags.js';
import { Access } from '../mmu/mmu.js';
import { CodeSize, F, Seg } from '../state.js';
import { canonical, getReg, readMem, setReg, writeMem } from './operands.js';
import { checkSegAccess } from '../seg-limits.js';
import { checkIoPermission } from '../system/io-permission.js';

const TWO32 = 4294967296;
const CHUNK = 65536;

/** Linear address of seg:rSI or ES:rDI for an access of `len` bytes (segment checks outside 64-bit mode). */
function regAddr(c: Cpu, r: number, seg: number, asz: number, len: number, write: number): number {
  if (asz === 2) {
    const a = c.hi[r]! * TWO32 + (c.lo[r]! >>> 0) + (seg >= Seg.FS ? c.s.segBase[seg]! : 0);
    return canonical(c, seg, a);
  }
  const off = asz === 1 ? c.lo[r]! >>> 0 : c.lo[r]! & 0xffff;
  if (c.sc[seg] !== 0) checkSegAccess(c, seg, off, len, write);
  const base = c.s.codeSize === CodeSize.Bits64 && seg < Seg.FS ? 0 : c.s.segBase[seg]!;
  return c.s.codeSize === CodeSize.Bits64 ? base + off : (base + off) >>> 0;
}

function addReg(c: Cpu, r: number, asz: number, d: number): void {
  if (asz === 2) {
    const t = (c.lo[r]! >>> 0) + d;
    c.lo[r] = t | 0;
    if (t >= TWO32) c.hi[r] = (c.hi[r]! + 1) | 0; else if (t < 0) c.hi[r] = (c.hi[r]! - 1) | 0;
  } else if (asz === 1) { c.lo[r] = (c.lo[r]! + d) | 0; c.hi[r] = c.s.codeSize === CodeSize.Bits64 ? 0 : c.hi[r]!; }
  else c.lo[r] = (c.lo[r]! & ~0xffff) | ((c.lo[r]! + d) & 0xffff);
}

function getCount(c: Cpu, asz: number): number {
  if (asz === 2) return (c.hi[1]! >>> 0) * TWO32 + (c.lo[1]! >>> 0);
  return asz === 1 ? c.lo[1]! >>> 0 : c.lo[1]! & 0xffff;
}

function countZero(c: Cpu, asz: number): boolean {
  if (asz === 2) return (c.lo[1]! | c.hi[1]!) === 0;
  return asz === 1 ? c.lo[1] === 0 : (c.lo[1]! & 0xffff) === 0;
}

/** Source segment of MOVS/CMPS/LODS/OUTS: DS unless overridden. */
function srcSeg(i: Insn): number {
  return i.segOvr >= 0 ? i.segOvr : Seg.DS;
}

/**
 * For REP-prefixed forms: true when nothing is left to do. With a 32-bit
 * address size in 64-bit code the CPU zero-extends ECX even when it is
 * already zero and nothing repeats (recorded on hardware; QEMU does not).
 */
function repDone(c: Cpu, i: Insn): boolean {
  if (i.rep === Rep.NONE) return false;
  if (i.asz === 1 && c.s.codeSize === CodeSize.Bits64) c.hi[1] = 0;
  return countZero(c, i.asz);
}

/**
 * REP MOVS/STOS with a 32-bit address size in 64-bit code zero-extend ECX and
 * the pointers they step (ESI/EDI for MOVS, EDI for STOS) even for a zero
 * count, as the hardware does; LODS/CMPS/SCAS leave their pointers then.
 */
function zeroExtendRep32(c: Cpu, asz: number, withSi: boolean): void {
  if (asz !== 1 || c.s.codeSize !== CodeSize.Bits64) return;
  c.hi[1] = 0; c.hi[7] = 0;
  if (withSi) c.hi[6] = 0;
}

/** Restart the instruction later (chunking). */
function again(c: Cpu, i: Insn): void {
  c.s.rip -= i.len;
  c.brk = Brk.STOP;
}

export function movs(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz, asz = i.asz;
  const d = (c.s.flags & F.DF) !== 0 ? -n : n;
  const seg = srcSeg(i);
  if (i.rep === Rep.NONE) {
    const v = readMem(c, regAddr(c, 6, seg, asz, n, 0), sz), h = c.m.hi;
    writeMem(c, regAddr(c, 7, Seg.ES, asz, n, 1), sz, v, h);
    addReg(c, 6, asz, d); addReg(c, 7, asz, d);
    return;
  }
  zeroExtendRep32(c, asz, true);
  let budget = CHUNK;
  while (!countZero(c, asz)) {
    if (budget-- === 0) { again(c, i); return; }
    if (d > 0 && bulkMovs(c, seg, sz, asz)) continue;
    const v = readMem(c, regAddr(c, 6, seg, asz, n, 0), sz), h = c.m.hi;
    writeMem(c, regAddr(c, 7, Seg.ES, asz, n, 1), sz, v, h);
    addReg(c, 6, asz, d); addReg(c, 7, asz, d); addReg(c, 1, asz, -1);
  }
}

/** Forward REP MOVS within one source page and one destination page of plain RAM. Returns false to fall back. */
function bulkMovs(c: Cpu, seg: number, sz: number, asz: number): boolean {
  // Segments that are not flat take the element-by-element path, which checks every access.
  if (c.sc[seg] !== 0 || c.sc[Seg.ES] !== 0) return false;
  const n = 1 << sz;
  const sa = regAddr(c, 6, seg, asz, n, 0), da = regAddr(c, 7, Seg.ES, asz, n, 1);
  const sOff = sa & 0xfff, dOff = da & 0xfff;
  let elems = Math.min(Math.floor((0x1000 - sOff) / n), Math.floor((0x1000 - dOff) / n), getCount(c, asz));
  if (asz === 0) elems = Math.min(elems, Math.floor((0x10000 - (c.lo[6]! & 0xffff)) / n), Math.floor((0x10000 - (c.lo[7]! & 0xffff)) / n));
  if (elems < 2) return false;
  const m = c.m;
  const ps = m.translate(sa, Access.READ);
  const pd = m.translate(da, Access.WRITE);
  const bytes = elems * n;
  if (ps + bytes > m.ramSize || pd + bytes > m.ramSize || m.codePages[Math.floor(pd / 4096)] !== 0) return false;
  // Overlapping forward copies replicate the pattern, element by element, like the hardware.
  if (pd > ps && pd < ps + bytes) {
    for (let k = 0; k < bytes; k++) m.u8[pd + k] = m.u8[ps + k]!;
  } else m.u8.copyWithin(pd, ps, ps + bytes);
  addReg(c, 6, asz, bytes); addReg(c, 7, asz, bytes); addReg(c, 1, asz, -elems);
  return true;
}

export function stos(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz, asz = i.asz;
  const d = (c.s.flags & F.DF) !== 0 ? -n : n;
  const v = getReg(c, sz, 0), h = c.hi[0]!;
  if (i.rep === Rep.NONE) {
    writeMem(c, regAddr(c, 7, Seg.ES, asz, n, 1), sz, v, h);
    addReg(c, 7, asz, d);
    return;
  }
  zeroExtendRep32(c, asz, false);
  let budget = CHUNK;
  while (!countZero(c, asz)) {
    if (budget-- === 0) { again(c, i); return; }
    if (d > 0 && bulkStos(c, sz, v, h, asz)) continue;
    writeMem(c, regAddr(c, 7, Seg.ES, asz, n, 1), sz, v, h);
    addReg(c, 7, asz, d); addReg(c, 1, asz, -1);
  }
}

/** Forward REP STOS within one destination page of plain RAM. Returns false to fall back. */
function bulkStos(c: Cpu, sz: number, v: number, h: number, asz: number): boolean {
  if (c.sc[Seg.ES] !== 0) return false;
  const n = 1 << sz;
  const da = regAddr(c, 7, Seg.ES, asz, n, 1);
  let elems = Math.min(Math.floor((0x1000 - (da & 0xfff)) / n), getCount(c, asz));
  if (asz === 0) elems = Math.min(elems, Math.floor((0x10000 - (c.lo[7]! & 0xffff)) / n));
  if (elems < 2) return false;
  const m = c.m;
  const pd = m.translate(da, Access.WRITE);
  const bytes = elems * n;
  if (pd + bytes > m.ramSize || m.codePages[Math.floor(pd / 4096)] !== 0) return false;
  const u8 = m.u8;
  if (sz === 0) u8.fill(v & 0xff, pd, pd + bytes);
  else {
    // Write one element, then replicate it by doubling copies.
    for (let k = 0; k < n; k++) u8[pd + k] = k < 4 ? v >>> (8 * k) : h >>> (8 * (k - 4));
    let done = n;
    while (done < bytes) {
      const chunk = Math.min(done, bytes - done);
      u8.copyWithin(pd + done, pd, pd + chunk);
      done += chunk;
    }
  }
  addReg(c, 7, asz, bytes); addReg(c, 1, asz, -elems);
  return true;
}

export function lods(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz, asz = i.asz;
  const d = (c.s.flags & F.DF) !== 0 ? -n : n;
  const seg = srcSeg(i);
  let budget = CHUNK;
  do {
    if (repDone(c, i)) return;
    if (budget-- === 0) { again(c, i); return; }
    const v = readMem(c, regAddr(c, 6, seg, asz, n, 0), sz);
    setReg(c, sz, 0, v, c.m.hi);
    addReg(c, 6, asz, d);
    if (i.rep !== Rep.NONE) addReg(c, 1, asz, -1);
  } while (i.rep !== Rep.NONE);
}

function cmpFlags(c: Cpu, sz: number, a: number, ah: number, b: number, bh: number): boolean {
  if (sz === 3) {
    const r = (a >>> 0) - (b >>> 0);
    setLazy64(c, K.SUB, a, ah, b, bh, r | 0, (ah - bh - (r < 0 ? 1 : 0)) | 0);
    return a === b && ah === bh;
  }
  const mask = SIZE_MASK[sz]!;
  setLazy(c, K.SUB, sz, a & mask, b & mask, (a - b) & mask);
  return (a & mask) === (b & mask);
}

export function cmps(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz, asz = i.asz;
  const d = (c.s.flags & F.DF) !== 0 ? -n : n;
  const seg = srcSeg(i);
  let budget = CHUNK;
  do {
    if (repDone(c, i)) return;
    if (budget-- === 0) { again(c, i); return; }
    const a = readMem(c, regAddr(c, 6, seg, asz, n, 0), sz), ah = c.m.hi;
    const b = readMem(c, regAddr(c, 7, Seg.ES, asz, n, 0), sz), bh = c.m.hi;
    const eq = cmpFlags(c, sz, a, ah, b, bh);
    addReg(c, 6, asz, d); addReg(c, 7, asz, d);
    if (i.rep === Rep.NONE) return;
    addReg(c, 1, asz, -1);
    if (eq !== (i.rep === Rep.REP)) return;
  } while (true);
}

export function scas(c: Cpu, i: Insn): void {
  const sz = i.osz, n = 1 << sz, asz = i.asz;
  const d = (c.s.flags & F.DF) !== 0 ? -n : n;
  let budget = CHUNK;
  do {
    if (repDone(c, i)) return;
    if (budget-- === 0) { again(c, i); return; }
    const b = readMem(c, regAddr(c, 7, Seg.ES, asz, n, 0), sz), bh = c.m.hi;
    const eq = cmpFlags(c, sz, getReg(c, sz, 0), c.hi[0]!, b, bh);
    addReg(c, 7, asz, d);
    if (i.rep === Rep.NONE) return;
    addReg(c, 1, asz, -1);
    if (eq !== (i.rep === Rep.REP)) return;
  } while (true);
}

/** INS: one element per exit (the VMM supplies it); REP repeats through restarts. */
export function ins(c: Cpu, i: Insn): void {
  const sz = i.osz === 3 ? 2 : i.osz, n = 1 << sz, asz = i.asz;
  if (repDone(c, i)) return;
  checkIoPermission(c, c.lo[2]! & 0xffff, n);
  const d = (c.s.flags & F.DF) !== 0 ? -n : n;
  const la = regAddr(c, 7, Seg.ES, asz, n, 1);
  c.m.probeWrite(la, n);
  const v = c.ioIn(c.lo[2]! & 0xffff, n);
  writeMem(c, la, sz, v, 0);
  addReg(c, 7, asz, d);
  if (i.rep !== Rep.NONE) { addReg(c, 1, asz, -1); if (!countZero(c, asz)) again(c, i); }
}

/** OUTS: one element per exit. */
export function outs(c: Cpu, i: Insn): void {
  const sz = i.osz === 3 ? 2 : i.osz, n = 1 << sz, asz = i.asz;
  if (repDone(c, i)) return;
  checkIoPermission(c, c.lo[2]! & 0xffff, n);
  const d = (c.s.flags & F.DF) !== 0 ? -n : n;
  const v = readMem(c, regAddr(c, 6, srcSeg(i), asz, n, 0), sz);
  addReg(c, 6, asz, d);
  if (i.rep !== Rep.NONE) { addReg(c, 1, asz, -1); if (!countZero(c, asz)) c.s.rip -= i.len; }
  c.ioOut(c.lo[2]! & 0xffff, n, v);
}
