/**
 * Where a fixture snippet lives and what memory it sees. The native runners
 * (runner/layout.inc) and the replay harness (test/cpu/fixture-runner.ts) use
 * these numbers; a replay that maps the same bytes at the same addresses gets
 * the same results as the host CPU did.
 *
 * Everything sits below 1 MiB so a small identity-mapped guest memory holds
 * it; the LOW window sits below 64 KiB for 16-bit address-size string tests.
 */
export const CODE_BASE = 0x10000;
export const CODE_SIZE = 0x1000;

export interface MemoryWindow {
  name: 'main' | 'low';
  base: number;
  size: number;
}

/** Data windows, in the order the runner reports them. */
export const WINDOWS: readonly MemoryWindow[] = [
  { name: 'main', base: 0x20000, size: 0x2000 },
  { name: 'low', base: 0x3000, size: 0x1000 },
];
export const MAIN = WINDOWS[0]!;
export const LOW = WINDOWS[1]!;

/** Initial stack pointer: the middle of MAIN, so pushes and pops both stay inside. */
export const STACK_TOP = MAIN.base + 0x1000;
/** A data pointer for memory operands, well away from the stack. */
export const DATA_PTR = MAIN.base + 0x1800;

/** Name of the fill pattern below, recorded in every fixture file. */
export const PATTERN_NAME = 'xenner-fill-v1';

/**
 * The initial content of every data-window byte: a fixed hash of its address,
 * so a stray write or a read of the wrong address shows up in the results.
 */
export function patternByte(addr: number): number {
  const h = Math.imul(addr ^ 0x5bd1e995, 0x9e3779b1);
  return (h ^ (h >>> 15) ^ (h >>> 24)) & 0xff;
}

export function fillWindow(win: MemoryWindow): Uint8Array {
  const bytes = new Uint8Array(win.size);
  for (let i = 0; i < win.size; i++) bytes[i] = patternByte(win.base + i);
  return bytes;
}

export function windowOf(addr: number, length: number): MemoryWindow | undefined {
  return WINDOWS.find((w) => addr >= w.base && addr + length <= w.base + w.size);
}

/** The 16 GPRs in encoding order (ModRM reg numbers). */
export const GPRS = [
  'rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
] as const;
export type Gpr = (typeof GPRS)[number];

/**
 * Code size a snippet runs in. 16-bit snippets run natively in 16-bit
 * protected mode with segment bases that make them replayable in real mode:
 * see REAL_MODE_SEGMENTS.
 */
export type Mode = 16 | 32 | 64;
export const MODES: readonly Mode[] = [64, 32, 16];

/** GPRs that exist in a mode. */
export function gprsOf(mode: Mode): readonly Gpr[] {
  return mode === 64 ? GPRS : GPRS.slice(0, 8);
}

/**
 * 16-bit code: CS is based at CODE_BASE and DS/ES/FS/SS at MAIN's base, so
 * the real-mode segment values below give the same linear addresses. Offsets
 * in registers are relative to those bases.
 */
export const REAL_MODE_SEGMENTS = { cs: CODE_BASE >> 4, ds: 0x2000, es: 0x2000, fs: 0x2000, gs: 0x2000, ss: 0x2000 } as const;

/** Base of the segment data operands use in a mode (0 in flat 32/64-bit code). */
export function dataBase(mode: Mode): number {
  return mode === 16 ? REAL_MODE_SEGMENTS.ds << 4 : 0;
}

/** Base of the code segment (what CODE(label) and IP values are relative to). */
export function codeBase(mode: Mode): number {
  return mode === 16 ? 0 : CODE_BASE;
}

/**
 * Register values a case starts from unless it sets them: distinct, with
 * bits set in every byte, so a write to the wrong register or the wrong part
 * of one is visible. RSP is the stack in MAIN.
 */
export function backgroundRegs(mode: Mode): Record<Gpr, bigint> {
  const out = {} as Record<Gpr, bigint>;
  GPRS.forEach((r, i) => {
    const v64 = 0x1122334455667788n ^ (BigInt(i + 1) * 0x0101010101010101n) ^ (BigInt(i) << 60n);
    out[r] = mode === 64 || i < 8 ? (mode === 64 ? v64 : v64 & 0xffffffffn) : 0n;
  });
  out.rsp = BigInt(STACK_TOP - dataBase(mode));
  return out;
}

/** RFLAGS bits. */
export const FLAG = {
  CF: 0x1, PF: 0x4, AF: 0x10, ZF: 0x40, SF: 0x80, TF: 0x100, IF: 0x200, DF: 0x400, OF: 0x800,
} as const;
export const STATUS_FLAGS = FLAG.CF | FLAG.PF | FLAG.AF | FLAG.ZF | FLAG.SF | FLAG.OF;
/** Bit 1 is always set; user mode always runs with IF set. */
export const RFLAGS_FIXED = 0x2 | FLAG.IF;
