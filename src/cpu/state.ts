/**
 * Architectural register state of one vCPU, laid out for V8.
 *
 * 64-bit general registers are kept as two Int32Array halves (`lo`, `hi`),
 * indexed by register number (RAX=0 ... R15=15). Why halves and not BigInt
 * or a Float64Array:
 *  - BigInt arithmetic allocates on every operation (measured ~20-50x slower
 *    than int32 ops in a dispatch micro-benchmark) and cannot live in the loop;
 *  - doubles hold only 53 bits exactly;
 *  - 32-bit and smaller operations (all of a 32-bit guest, and most of a
 *    64-bit one) touch only `lo` and stay in V8's int32 fast paths; writing
 *    a 32-bit result zeroes `hi` as the architecture requires.
 * Typed arrays also guarantee that no value is ever boxed as a HeapNumber.
 *
 * Linear addresses and RIP are JS numbers (doubles): in 64-bit mode they hold
 * the canonical address as a *signed* value in [-2^47, 2^47), which is exact;
 * in legacy modes they are unsigned 32-bit values. See README.md.
 */

export const Reg = {
  RAX: 0, RCX: 1, RDX: 2, RBX: 3, RSP: 4, RBP: 5, RSI: 6, RDI: 7,
  R8: 8, R9: 9, R10: 10, R11: 11, R12: 12, R13: 13, R14: 14, R15: 15,
} as const;

/** Segment register numbers, in the encoding order of the instruction set. */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5, LDTR: 6, TR: 7 } as const;

/** RFLAGS bits. */
export const F = {
  CF: 1 << 0, PF: 1 << 2, AF: 1 << 4, ZF: 1 << 6, SF: 1 << 7, TF: 1 << 8, IF: 1 << 9,
  DF: 1 << 10, OF: 1 << 11, IOPL: 3 << 12, NT: 1 << 14, RF: 1 << 16, VM: 1 << 17,
  AC: 1 << 18, VIF: 1 << 19, VIP: 1 << 20, ID: 1 << 21,
} as const;
/** The six arithmetic flags that are computed lazily. */
export const ARITH_FLAGS = F.CF | F.PF | F.AF | F.ZF | F.SF | F.OF;
/** Bits of RFLAGS that software can change at all (bit 1 is always 1). */
export const RFLAGS_WRITABLE = ARITH_FLAGS | F.TF | F.IF | F.DF | F.IOPL | F.NT | F.RF | F.VM | F.AC | F.VIF | F.VIP | F.ID;

/** Segment attribute bits as stored in CpuState.segAttr (the descriptor's bits 40-55 shifted down by 8). */
export const SegAttr = {
  TYPE: 0xf, S: 1 << 4, DPL_SHIFT: 5, P: 1 << 7, AVL: 1 << 12, L: 1 << 13, DB: 1 << 14, G: 1 << 15,
  /** Not part of the descriptor: the register holds no usable segment (KVM's `unusable`). */
  UNUSABLE: 1 << 16,
} as const;

/** Code size of the current CS: selects the decoder's defaults. */
export const CodeSize = { Bits16: 0, Bits32: 1, Bits64: 2 } as const;
export type CodeSize = (typeof CodeSize)[keyof typeof CodeSize];

export const CR0 = { PE: 1, MP: 2, EM: 4, TS: 8, ET: 16, NE: 32, WP: 1 << 16, AM: 1 << 18, NW: 1 << 29, CD: 1 << 30, PG: 1 << 31 } as const;
export const CR4 = { VME: 1, PVI: 2, TSD: 4, DE: 8, PSE: 16, PAE: 32, MCE: 64, PGE: 128, PCE: 256, OSFXSR: 512, OSXMMEXCPT: 1024, UMIP: 2048, FSGSBASE: 1 << 16, PCIDE: 1 << 17, OSXSAVE: 1 << 18, SMEP: 1 << 20, SMAP: 1 << 21 } as const;
export const EFER = { SCE: 1, LME: 1 << 8, LMA: 1 << 10, NXE: 1 << 11 } as const;

export class CpuState {
  /** Low and high 32 bits of RAX..R15. */
  readonly lo = new Int32Array(16);
  readonly hi = new Int32Array(16);

  /** Address of the next instruction to execute (see file comment for the representation). */
  rip = 0;
  /**
   * RFLAGS except the lazily computed arithmetic flags (those live in
   * LazyFlags until someone asks for them).
   */
  flags = 2;

  /** Selector, base, limit, attributes of ES CS SS DS FS GS LDTR TR. */
  readonly segSel = new Int32Array(8);
  readonly segBase = new Float64Array(8);
  readonly segLimit = new Float64Array(8);
  readonly segAttr = new Int32Array(8);
  /**
   * Derived, not architectural: 1 where an access through ES..GS needs the
   * limit/type/null checks of seg-limits.ts (0 for flat segments and in real
   * and 64-bit mode). Kept current by segment loads and Cpu.updateMode.
   */
  readonly segChk = new Uint8Array(8);

  gdtBase = 0;
  gdtLimit = 0;
  idtBase = 0;
  idtLimit = 0x3ff;

  cr0: number = CR0.ET;
  cr2 = 0;
  /** CR3 as a number (physical addresses stay below 2^52). */
  cr3 = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;

  /** Current privilege level (CS.RPL in protected mode, 3 in v8086, 0 in real mode). */
  cpl = 0;
  /** Decoder defaults, derived from CR0.PE, EFER.LMA and CS.L/CS.D. */
  codeSize: CodeSize = CodeSize.Bits16 as CodeSize;

  /** Model-specific registers we keep as plain numbers (64-bit ones as two halves). */
  star = 0; starHi = 0;
  lstar = 0; cstar = 0; sfmask = 0;
  kernelGsBase = 0;
  sysenterCs = 0; sysenterEsp = 0; sysenterEip = 0;
  tscAux = 0;
  pat = 0x07040600; patHi = 0x00070406;
  apicBase = 0xfee00900;
  miscEnable = 1;
  /** MISC_FEATURES_ENABLES: bit 0 = CPUID faulting (CPUID at CPL > 0 is #GP(0)). */
  miscFeatures = 0;
  /** MTRRdefType (MTRRs are not advertised; the register reads back what was written). */
  mtrrDefType = 0;

  /** Value of the time-stamp counter at instructionsRetired = 0 (the TSC counts retired instructions). */
  tscOffset = 0;
}

/** The segment-register fields as a plain object (slow path: state transfer, tests). */
export interface SegmentValue {
  selector: number;
  base: number;
  limit: number;
  attr: number;
}

/** Attribute word of a flat segment: present, S=1, given type and DPL, G=1 and D/B or L. */
export function flatSegAttr(type: number, dpl: number, size: 16 | 32 | 64): number {
  let a = type | SegAttr.S | (dpl << SegAttr.DPL_SHIFT) | SegAttr.P | SegAttr.G;
  if (size === 32) a |= SegAttr.DB;
  if (size === 64) a |= SegAttr.L;
  return a;
}
