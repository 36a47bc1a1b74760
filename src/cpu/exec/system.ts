/**
 * System instructions needed by flat-model kernels: MOV to/from CRn and DRn,
 * LGDT/LIDT/SGDT/SIDT, LMSW/SMSW, INVLPG, CLTS, RDMSR/WRMSR, SWAPGS,
 * INVD/WBINVD, LTR/LLDT/STR/SLDT. The rest of issue 4 (SYSCALL/SYSENTER,
 * gates, task switches...) exits with an internal error until implemented.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { CodeSize, CR0, CR4, EFER, Seg } from '../state.js';
import { readDescriptor, setFromDescriptor } from '../segments.js';
import { ea, fault, readRm, SEG_CHECK_LATER, setReg, writeRm } from './operands.js';
import { verifySegment } from '../system/descriptor-queries.js';
import { debugRegistersChanged, DR6, DR7_RESERVED_ONES } from '../system/debug-registers.js';
import { Brk } from '../block-cache.js';

const TWO32 = 4294967296;

function cpl0(c: Cpu): void {
  if (c.s.cpl !== 0) fault(c, Vec.GP, 0);
}

/** Unimplemented system instruction: stop with a clear message rather than guess. */
export function notImplemented(c: Cpu, i: Insn): void {
  throw c.internal(`instruction not implemented yet: map ${i.map} opcode 0x${i.opc.toString(16)}${i.modrm >= 0 ? ` modrm 0x${i.modrm.toString(16)}` : ''}`);
}

/** MOV r, CRn (0F 20) and MOV CRn, r (0F 22): sub = 0 read, 1 write. */
export function movCr(c: Cpu, i: Insn): void {
  cpl0(c);
  const s = c.s;
  const long = s.codeSize === CodeSize.Bits64;
  const sz = long ? 3 : 2;
  if (i.sub === 0) {
    let v = 0, vh = 0;
    switch (i.reg) {
      case 0: v = s.cr0; break;
      case 2: v = s.cr2 >>> 0 | 0; vh = Math.floor(s.cr2 / TWO32) | 0; break;
      case 3: v = s.cr3 >>> 0 | 0; vh = Math.floor(s.cr3 / TWO32) | 0; break;
      case 4: v = s.cr4; break;
      case 8: v = s.cr8; break;
    }
    setReg(c, sz, i.rm, v, long ? vh : 0);
    return;
  }
  const v = c.lo[i.rm]!, vh = long ? c.hi[i.rm]! : 0;
  switch (i.reg) {
    case 0: {
      if (vh !== 0) fault(c, Vec.GP, 0);
      if ((v & CR0.PG) !== 0 && (v & CR0.PE) === 0) fault(c, Vec.GP, 0);
      if ((v & CR0.NW) !== 0 && (v & CR0.CD) === 0) fault(c, Vec.GP, 0);
      let efer = s.efer;
      if ((v & CR0.PG) !== 0 && (s.cr0 & CR0.PG) === 0 && (efer & EFER.LME) !== 0) {
        if ((s.cr4 & CR4.PAE) === 0) fault(c, Vec.GP, 0);
        efer |= EFER.LMA;
      }
      if ((v & CR0.PG) === 0 && (s.cr0 & CR0.PG) !== 0) {
        if (long) fault(c, Vec.GP, 0);
        efer &= ~EFER.LMA;
      }
      s.efer = efer;
      s.cr0 = v | CR0.ET;
      break;
    }
    case 2: s.cr2 = vh * TWO32 + (v >>> 0); return;
    case 3:
      // Bits above MAXPHYADDR (40) are reserved.
      if ((vh & ~0xff) !== 0) fault(c, Vec.GP, 0);
      s.cr3 = vh * TWO32 + (v >>> 0);
      // Global pages survive a CR3 write; with CR4.PGE clear there are none.
      if ((s.cr4 & CR4.PGE) !== 0) c.m.flushNonGlobal(); else c.m.flushAll();
      c.updateMode();
      return;
    case 4:
      if (vh !== 0 || (v & ~cr4Writable(c)) !== 0) fault(c, Vec.GP, 0);
      if (long && (v & CR4.PAE) === 0) fault(c, Vec.GP, 0);
      s.cr4 = v;
      break;
    case 8:
      if (vh !== 0 || (v & ~0xf) !== 0) fault(c, Vec.GP, 0);
      s.cr8 = v;
      return;
  }
  c.m.flushAll();
  c.updateMode();
}

/**
 * CR4 bits this CPU implements and the CPUID profile advertises; setting any
 * other bit is #GP(0). (VME, PVI, DE, PCIDE, SMEP and SMAP are not implemented.)
 */
function cr4Writable(c: Cpu): number {
  let m = CR4.TSD | CR4.PSE | CR4.PAE | CR4.MCE | CR4.PGE | CR4.PCE | CR4.OSFXSR | CR4.OSXMMEXCPT;
  if (c.hasFeature(7, 2, 2)) m |= CR4.UMIP;
  if (c.hasFeature(7, 1, 0)) m |= CR4.FSGSBASE;
  if (c.hasFeature(1, 2, 26)) m |= CR4.OSXSAVE;
  return m;
}

/**
 * MOV r, DRn / MOV DRn, r (0F 21/23). DR4/DR5 alias DR6/DR7 (CR4.DE is not
 * advertised); DR6 and DR7 read back with their fixed-one bits. A write to
 * DR0-DR3 or DR7 re-arms the breakpoints and ends the block, so the next
 * instruction already runs under the new debug state.
 */
export function movDr(c: Cpu, i: Insn): void {
  cpl0(c);
  const long = c.s.codeSize === CodeSize.Bits64;
  let n = i.reg & 7;
  if (n === 4 || n === 5) n += 2;
  if (i.sub === 0) {
    const v = n === 6 ? c.dr[6]! | DR6.RESERVED_ONES : n === 7 ? c.dr[7]! | DR7_RESERVED_ONES : c.dr[n]!;
    setReg(c, long ? 3 : 2, i.rm, v, 0);
    return;
  }
  c.dr[n] = c.lo[i.rm]!;
  if (n !== 6) { debugRegistersChanged(c); c.brk = Brk.STOP; }
}

/** Group 7 memory forms (0F 01 /0-/3 /4 /6 /7). */
export function group7(c: Cpu, i: Insn): void {
  const s = c.s;
  const r = (i.modrm >> 3) & 7;
  const long = s.codeSize === CodeSize.Bits64;
  if (i.mod === 3) {
    switch (i.modrm) {
      case 0xf8: { // SWAPGS
        cpl0(c);
        const t = s.segBase[Seg.GS]!; s.segBase[Seg.GS] = s.kernelGsBase; s.kernelGsBase = t;
        return;
      }
      // VMX and SVM instructions (VMCALL, VMLAUNCH.., VMMCALL, VMRUN..): neither is
      // advertised and the CPU is never in VMX operation or with EFER.SVME, so
      // both vendors' hypercall instructions are #UD, as on bare hardware.
      case 0xc1: case 0xc2: case 0xc3: case 0xc4:
      case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
        return fault(c, Vec.UD);
      case 0xd0: { // XGETBV: XCR0 = x87 only
        if (c.lo[1] !== 0) fault(c, Vec.GP, 0);
        if ((s.cr4 & CR4.OSXSAVE) === 0) fault(c, Vec.UD);
        setReg(c, 2, 0, 1, 0); setReg(c, 2, 2, 0, 0);
        return;
      }
    }
    if (r === 4) {
      if ((s.cr4 & CR4.UMIP) !== 0 && s.cpl > 0) fault(c, Vec.GP, 0);
      setReg(c, i.osz, i.rm, s.cr0 & 0xffff | (i.osz > 1 ? s.cr0 & ~0xffff : 0), 0);
      return;
    }
    if (r === 6) { cpl0(c); lmsw(c, c.lo[i.rm]! & 0xffff); return; }
    notImplemented(c, i);
    return;
  }
  // Bytes touched: the 6/10-byte table register, the machine status word; INVLPG checks no segment.
  const la = ea(c, i, r <= 3 ? (long ? 10 : 6) : r === 7 ? SEG_CHECK_LATER : 2, r <= 1 || r === 4 ? 1 : 0);
  switch (r) {
    case 0: case 1: { // SGDT SIDT
      if ((s.cr4 & CR4.UMIP) !== 0 && s.cpl > 0) fault(c, Vec.GP, 0);
      const base = r === 0 ? s.gdtBase : s.idtBase, limit = r === 0 ? s.gdtLimit : s.idtLimit;
      c.m.probeWrite(la, long ? 10 : 6);
      c.m.write16(la, limit);
      if (long) c.m.write64(la + 2, base >>> 0 | 0, Math.floor(base / TWO32) | 0);
      else c.m.write32(la + 2, base);
      return;
    }
    case 2: case 3: { // LGDT LIDT
      cpl0(c);
      const limit = c.m.read16(la);
      let base: number;
      if (long) { const lo = c.m.read64(la + 2); base = c.m.hi * TWO32 + (lo >>> 0); }
      else { base = c.m.read32(la + 2) >>> 0; if (i.osz === 1) base &= 0xffffff; }
      if (r === 2) { s.gdtBase = base; s.gdtLimit = limit; } else { s.idtBase = base; s.idtLimit = limit; }
      return;
    }
    case 4: // SMSW m16
      if ((s.cr4 & CR4.UMIP) !== 0 && s.cpl > 0) fault(c, Vec.GP, 0);
      c.m.write16(la, s.cr0);
      return;
    case 6: cpl0(c); lmsw(c, c.m.read16(la)); return;
    case 7: cpl0(c); c.m.flushPage(la); return; // INVLPG
  }
  notImplemented(c, i);
}

function lmsw(c: Cpu, v: number): void {
  const s = c.s;
  // LMSW changes PE (only to set it), MP, EM, TS.
  s.cr0 = (s.cr0 & ~0xe) | (v & 0xf) | (s.cr0 & 1);
  c.updateMode();
}

/** Group 6 (0F 00): SLDT STR LLDT LTR; VERR/VERW are issue 4. */
export function group6(c: Cpu, i: Insn): void {
  const s = c.s;
  const r = (i.modrm >> 3) & 7;
  if ((s.cr0 & CR0.PE) === 0) fault(c, Vec.UD);
  switch (r) {
    case 0: case 1:
      if ((s.cr4 & CR4.UMIP) !== 0 && s.cpl > 0) fault(c, Vec.GP, 0);
      writeRm(c, i, i.mod === 3 ? i.osz : 1, s.segSel[r === 0 ? Seg.LDTR : Seg.TR]!, 0);
      return;
    case 4: case 5: verifySegment(c, i, r === 5); return;
    case 2: case 3: {
      cpl0(c);
      const sel = readRm(c, i, 1) & 0xffff;
      const seg = r === 2 ? Seg.LDTR : Seg.TR;
      if ((sel & 0xfffc) === 0) {
        if (r === 3) fault(c, Vec.GP, 0);
        s.segSel[seg] = sel; s.segAttr[seg] = 1 << 16; return;
      }
      if ((sel & 4) !== 0) fault(c, Vec.GP, sel & 0xfffc);
      const lo = readDescriptor(c, sel), hi = c.m.hi;
      // LLDT needs an LDT descriptor (type 2); LTR an available TSS (9; 1 = 16-bit TSS outside long mode).
      const type = (hi >> 8) & 0x1f;
      const lm = (s.efer & EFER.LMA) !== 0;
      const ok = r === 2 ? type === 2 : type === 9 || (type === 1 && !lm);
      if (!ok) fault(c, Vec.GP, sel & 0xfffc);
      if ((hi & 0x8000) === 0) fault(c, Vec.NP, sel & 0xfffc);
      let baseHigh = 0;
      if (s.codeSize === CodeSize.Bits64 || (s.efer & EFER.LMA) !== 0) baseHigh = c.m.read32(s.gdtBase + (sel & 0xfff8) + 8);
      setFromDescriptor(c, seg, sel, lo, hi, baseHigh);
      if (r === 3) {
        // Mark the TSS busy.
        c.m.write32(s.gdtBase + (sel & 0xfff8) + 4, hi | 0x200);
        s.segAttr[seg] = s.segAttr[seg]! | 2;
      }
      return;
    }
  }
  notImplemented(c, i);
}

export function clts(c: Cpu): void {
  cpl0(c);
  c.s.cr0 &= ~CR0.TS;
}

export function invd(c: Cpu): void {
  cpl0(c);
}

export function rdmsr(c: Cpu): void {
  cpl0(c);
  const v = c.msrRead(c.lo[1]! >>> 0);
  if (v === undefined) fault(c, Vec.GP, 0);
  setReg(c, 2, 0, Number(v & 0xffffffffn) | 0, 0);
  setReg(c, 2, 2, Number(v >> 32n) | 0, 0);
}

export function wrmsr(c: Cpu): void {
  cpl0(c);
  const v = (BigInt(c.lo[2]! >>> 0) << 32n) | BigInt(c.lo[0]! >>> 0);
  if (!c.msrWrite(c.lo[1]! >>> 0, v)) fault(c, Vec.GP, 0);
  c.updateMode();
}

