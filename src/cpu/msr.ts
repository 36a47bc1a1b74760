/** Model-specific registers (the slow path: bigint values). Unknown MSRs return undefined (RDMSR/WRMSR raise #GP). */
import type { Cpu } from './cpu.js';
import { addrToBig, bigToAddr } from './cpu.js';
import { CR0, EFER, Seg } from './state.js';

export const Msr = {
  TSC: 0x10, APIC_BASE: 0x1b, PLATFORM_INFO: 0xce, MTRRCAP: 0xfe, MISC_FEATURES_ENABLES: 0x140, MTRR_DEF_TYPE: 0x2ff, SYSENTER_CS: 0x174, SYSENTER_ESP: 0x175, SYSENTER_EIP: 0x176, MISC_ENABLE: 0x1a0,
  PAT: 0x277, EFER: 0xc0000080, STAR: 0xc0000081, LSTAR: 0xc0000082, CSTAR: 0xc0000083, SFMASK: 0xc0000084,
  FS_BASE: 0xc0000100, GS_BASE: 0xc0000101, KERNEL_GS_BASE: 0xc0000102, TSC_AUX: 0xc0000103,
} as const;

const u32 = (v: number): bigint => BigInt(v >>> 0);

export function readMsr(c: Cpu, index: number): bigint | undefined {
  const s = c.s;
  switch (index >>> 0) {
    case Msr.TSC: return BigInt(c.tsc());
    case Msr.APIC_BASE: return BigInt(s.apicBase);
    // Bit 31: CPUID faulting is supported (emu uses it to trap a guest's CPUID, as Xen does).
    case Msr.PLATFORM_INFO: return 1n << 31n;
    case Msr.MISC_FEATURES_ENABLES: return BigInt(s.miscFeatures);
    case Msr.MTRRCAP: return 0n; // no variable or fixed ranges, no write-combining
    case Msr.MTRR_DEF_TYPE: return BigInt(s.mtrrDefType);
    case Msr.SYSENTER_CS: return u32(s.sysenterCs);
    case Msr.SYSENTER_ESP: return addrToBig(s.sysenterEsp);
    case Msr.SYSENTER_EIP: return addrToBig(s.sysenterEip);
    case Msr.MISC_ENABLE: return BigInt(s.miscEnable);
    case Msr.PAT: return (u32(s.patHi) << 32n) | u32(s.pat);
    case Msr.EFER: return BigInt(s.efer);
    case Msr.STAR: return (u32(s.starHi) << 32n) | u32(s.star);
    case Msr.LSTAR: return addrToBig(s.lstar);
    case Msr.CSTAR: return addrToBig(s.cstar);
    case Msr.SFMASK: return u32(s.sfmask);
    case Msr.FS_BASE: return addrToBig(s.segBase[Seg.FS]!);
    case Msr.GS_BASE: return addrToBig(s.segBase[Seg.GS]!);
    case Msr.KERNEL_GS_BASE: return addrToBig(s.kernelGsBase);
    case Msr.TSC_AUX: return u32(s.tscAux);
  }
  return undefined;
}

function canonicalBig(v: bigint): boolean {
  const x = BigInt.asIntN(64, v);
  return x >= -(1n << 47n) && x < 1n << 47n;
}

export function writeMsr(c: Cpu, index: number, value: bigint): boolean {
  const s = c.s;
  const v = BigInt.asUintN(64, value);
  const lo = Number(v & 0xffffffffn) | 0, hi = Number(v >> 32n) | 0;
  switch (index >>> 0) {
    case Msr.TSC: s.tscOffset = Number(v) - c.instructionsRetired; return true;
    case Msr.APIC_BASE: s.apicBase = Number(v); return true;
    case Msr.MISC_FEATURES_ENABLES: if ((v & ~1n) !== 0n) return false; s.miscFeatures = lo; return true;
    // Type in bits 0-7 (UC 0, WC 1, WT 4, WP 5, WB 6), FE bit 10, E bit 11; everything else reserved.
    case Msr.MTRR_DEF_TYPE: if ((v & ~0xcffn) !== 0n || ![0, 1, 4, 5, 6].includes(lo & 0xff)) return false; s.mtrrDefType = lo; return true;
    case Msr.SYSENTER_CS: s.sysenterCs = lo & 0xffff; return true;
    case Msr.SYSENTER_ESP: if (!canonicalBig(v)) return false; s.sysenterEsp = bigToAddr(v); return true;
    case Msr.SYSENTER_EIP: if (!canonicalBig(v)) return false; s.sysenterEip = bigToAddr(v); return true;
    case Msr.MISC_ENABLE: s.miscEnable = Number(v); return true;
    case Msr.PAT: s.pat = lo; s.patHi = hi; return true;
    case Msr.EFER: {
      const allowed = EFER.SCE | EFER.LME | EFER.NXE;
      if ((Number(v) & ~(allowed | EFER.LMA)) !== 0 || hi !== 0) return false;
      // LME cannot change while paging is on; LMA is read-only.
      const lme = Number(v) & EFER.LME;
      if ((s.cr0 & CR0.PG) !== 0 && lme !== (s.efer & EFER.LME)) return false;
      s.efer = (Number(v) & allowed) | (s.efer & EFER.LMA);
      c.m.flushAll();
      return true;
    }
    case Msr.STAR: s.star = lo; s.starHi = hi; return true;
    case Msr.LSTAR: if (!canonicalBig(v)) return false; s.lstar = bigToAddr(v); return true;
    case Msr.CSTAR: if (!canonicalBig(v)) return false; s.cstar = bigToAddr(v); return true;
    case Msr.SFMASK: s.sfmask = lo; return true;
    case Msr.FS_BASE: if (!canonicalBig(v)) return false; s.segBase[Seg.FS] = bigToAddr(v); return true;
    case Msr.GS_BASE: if (!canonicalBig(v)) return false; s.segBase[Seg.GS] = bigToAddr(v); return true;
    case Msr.KERNEL_GS_BASE: if (!canonicalBig(v)) return false; s.kernelGsBase = bigToAddr(v); return true;
    case Msr.TSC_AUX: s.tscAux = lo; return true;
  }
  return false;
}
