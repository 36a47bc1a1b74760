/**
 * What a family generator produces: a snippet in NASM syntax and the state it
 * starts from. Register operands are set by name at any width ("al", "ah",
 * "r9w", "esi"); the rest of each register keeps its background value, so a
 * write that touches the wrong bits is visible.
 */
import { backgroundRegs, FLAG, type Gpr, GPRS, type Mode, RFLAGS_FIXED, STATUS_FLAGS } from './layout.js';

export interface CaseSpec {
  name: string;
  asm: string;
  /** Full-width registers that differ from the background */
  regs: Partial<Record<Gpr, bigint>>;
  rflags: number;
  mem: { addr: number; bytes: Uint8Array }[];
  undef: number;
  undefRegs: Gpr[];
  /** Memory bits not compared (the 1 bits of `bytes` at addr) */
  undefMem?: { addr: number; bytes: Uint8Array }[];
  /** 80-bit results compared within 2^bits ulps */
  approx?: { addr: number; bits: number }[];
  /** The undefined registers' values change from run to run (rdtsc, rdrand): do not record them */
  volatile?: boolean;
}

export type Width = 8 | 16 | 32 | 64;

export function widthsOf(mode: Mode): Width[] {
  return mode === 64 ? [8, 16, 32, 64] : [8, 16, 32];
}

export function mask(w: Width): bigint {
  return (1n << BigInt(w)) - 1n;
}

const NAMES: Record<Width, readonly string[]> = {
  64: GPRS,
  32: ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'],
  16: ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'],
  8: ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'],
};
const HIGH8 = ['ah', 'ch', 'dh', 'bh'];

export interface RegRef {
  gpr: Gpr;
  shift: bigint;
  width: Width;
}

export function regRef(name: string): RegRef {
  const h = HIGH8.indexOf(name);
  if (h >= 0) return { gpr: GPRS[h]!, shift: 8n, width: 8 };
  for (const w of [64, 32, 16, 8] as Width[]) {
    const i = NAMES[w].indexOf(name);
    if (i >= 0) return { gpr: GPRS[i]!, shift: 0n, width: w };
  }
  throw new Error(`unknown register ${name}`);
}

/** Register `index` (0-15, encoding order) at a width; index 4-7 at width 8 without REX means ah..bh. */
export function reg(w: Width, index: number): string {
  return NAMES[w][index]!;
}

/**
 * Operand registers usable in a mode, avoiding the stack pointer. In 32-bit
 * mode the 8-bit set includes ah..bh; in 64-bit mode it uses the REX set.
 */
export function operandRegs(mode: Mode, w: Width): string[] {
  if (mode !== 64) return w === 8 ? ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'] : [0, 1, 2, 3, 5, 6, 7].map((i) => reg(w, i));
  return [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => reg(w, i));
}

export class Case {
  readonly regs: Partial<Record<Gpr, bigint>> = {};
  rflags = RFLAGS_FIXED;
  readonly mem: { addr: number; bytes: Uint8Array }[] = [];
  undef = 0;
  readonly undefRegs: Gpr[] = [];
  private readonly bg: Record<Gpr, bigint>;

  constructor(readonly mode: Mode, readonly name: string, readonly asm: string) {
    this.bg = backgroundRegs(mode);
  }

  /** Set a register (any width) to `value`, keeping the other bits of its GPR. */
  set(name: string, value: bigint): this {
    const r = regRef(name);
    const full = this.regs[r.gpr] ?? this.bg[r.gpr];
    const m = mask(r.width) << r.shift;
    const limit = this.mode === 64 ? mask(64) : mask(32);
    this.regs[r.gpr] = ((full & ~m) | ((value << r.shift) & m)) & limit;
    return this;
  }

  /** Status flags (CF PF AF ZF SF OF) and DF; the fixed bits are added. */
  flags(status: number, df = false): this {
    this.rflags = RFLAGS_FIXED | (status & STATUS_FLAGS) | (df ? FLAG.DF : 0);
    return this;
  }

  /** Little-endian `bytes`-byte value at addr. */
  store(addr: number, value: bigint, bytes: number): this {
    const b = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) b[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    this.mem.push({ addr, bytes: b });
    return this;
  }

  storeBytes(addr: number, bytes: Uint8Array): this {
    this.mem.push({ addr, bytes });
    return this;
  }

  undefined(flags: number, ...regs: string[]): this {
    this.undef |= flags;
    for (const r of regs) {
      const g = regRef(r).gpr;
      if (!this.undefRegs.includes(g)) this.undefRegs.push(g);
    }
    return this;
  }

  readonly undefMem: { addr: number; bytes: Uint8Array }[] = [];
  readonly approx: { addr: number; bits: number }[] = [];

  /** Memory bits (the 1 bits of the little-endian `bytes`-byte mask at addr) the comparison ignores. */
  undefinedMem(addr: number, maskValue: bigint, bytes: number): this {
    const b = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) b[i] = Number((maskValue >> BigInt(8 * i)) & 0xffn);
    this.undefMem.push({ addr, bytes: b });
    return this;
  }

  /** The 80-bit float at addr is compared within 2^bits units in the last place. */
  approximate(addr: number, bits: number): this {
    this.approx.push({ addr, bits });
    return this;
  }

  private isVolatile = false;

  /** The registers marked undefined get values that change from run to run. */
  volatile(): this {
    this.isVolatile = true;
    return this;
  }

  spec(): CaseSpec {
    const s: CaseSpec = { name: this.name, asm: this.asm, regs: this.regs, rflags: this.rflags, mem: this.mem, undef: this.undef, undefRegs: this.undefRegs };
    if (this.isVolatile) s.volatile = true;
    if (this.undefMem.length) s.undefMem = this.undefMem;
    if (this.approx.length) s.approx = this.approx;
    return s;
  }
}
