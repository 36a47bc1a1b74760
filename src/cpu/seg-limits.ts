/**
 * Segment limit and type checks on data accesses (protected mode,
 * virtual-8086 mode and compatibility mode; none in real mode, whose
 * 0xffff limits we do not enforce, and none in 64-bit mode, where only the
 * canonical check applies).
 *
 * The hot path must not pay for them: `CpuState.segChk[seg]` is 0 when an
 * access through that segment can never fail a check (the flat case: base
 * anything, limit 4 GiB, expand-up, writable data; and every segment in
 * real and 64-bit mode), so the effective-address functions test one byte
 * and call `checkSegAccess` only for the other segments. The flags are
 * recomputed where segment caches or the mode change (segment loads,
 * updateMode), never per access.
 */
import type { Cpu } from './cpu.js';
import { FAULT, Vec } from './exceptions.js';
import { CodeSize, CR0, type CpuState, Seg, SegAttr } from './state.js';

/** Type bits of a code/data descriptor (SegAttr.TYPE). */
const T_CODE = 8, T_EXPAND_DOWN = 4, T_RW = 2;

/** Whether an access through `seg` may fail a limit, type or null check in the current mode. */
function needsCheck(s: CpuState, seg: number): boolean {
  if ((s.cr0 & CR0.PE) === 0 || s.codeSize === CodeSize.Bits64) return false;
  const a = s.segAttr[seg]!;
  if ((a & SegAttr.UNUSABLE) !== 0) return true;
  const type = a & SegAttr.TYPE;
  if ((type & T_CODE) !== 0 || (type & (T_EXPAND_DOWN | T_RW)) !== T_RW) return true;
  return s.segLimit[seg]! < 0xffffffff;
}

/** Recompute the check flag of one data segment register (after a load). */
export function refreshSegCheck(s: CpuState, seg: number): void {
  if (seg <= Seg.GS) s.segChk[seg] = needsCheck(s, seg) ? 1 : 0;
}

/** Recompute all six (after a mode change). */
export function refreshSegChecks(s: CpuState): void {
  for (let k = 0; k <= Seg.GS; k++) s.segChk[k] = needsCheck(s, k) ? 1 : 0;
}

/**
 * Whether `len` bytes at offset `off` fit a stack segment with byte limit
 * `limit` and attribute bits `attr` (SegAttr layout: expand-down type, D/B):
 * the check interrupt and gate frames and IRET's pops get, with the error
 * code the caller chooses.
 */
export function stackFits(limit: number, attr: number, off: number, len: number): boolean {
  const last = off + len - 1;
  if ((attr & (T_CODE | T_EXPAND_DOWN)) === T_EXPAND_DOWN) return off > limit && last <= ((attr & SegAttr.DB) !== 0 ? 0xffffffff : 0xffff);
  return limit >= 0xffffffff || last <= limit;
}

/** The byte limit and SegAttr bits of a descriptor given as its two dwords. */
export function descriptorLimit(lo: number, hi: number): number {
  const l = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & (1 << 23)) !== 0 ? l * 4096 + 0xfff : l;
}
export const descriptorAttr = (hi: number): number => (hi >>> 8) & 0xf0ff;

/** SS:off..off+len-1 on the current stack (outside 64-bit mode), else #SS(error). */
export function checkStack(c: Cpu, off: number, len: number, error: number): void {
  const s = c.s;
  if ((s.cr0 & CR0.PE) === 0 || s.codeSize === CodeSize.Bits64 || stackFits(s.segLimit[Seg.SS]!, s.segAttr[Seg.SS]!, off, len)) return;
  c.exc.vector = Vec.SS; c.exc.error = error; c.exc.hasError = true;
  throw FAULT;
}

function segFault(c: Cpu, seg: number): never {
  c.exc.vector = seg === Seg.SS ? Vec.SS : Vec.GP;
  c.exc.error = 0;
  c.exc.hasError = true;
  throw FAULT;
}

/**
 * The slow path: an access of `len` bytes at offset `off` (unsigned 32-bit)
 * through `seg` (only called when segChk[seg] is set). #GP(0) for a null
 * selector, a write to a code or read-only data segment, a read of an
 * execute-only code segment; #GP(0), or #SS(0) for SS, outside the limit.
 * Expand-down segments allow (limit, 0xffff] or, with D/B, (limit, 0xffffffff].
 */
export function checkSegAccess(c: Cpu, seg: number, off: number, len: number, write: number): void {
  if (len === 0) return; // SEG_CHECK_LATER: the caller checks the bytes it touches
  const s = c.s;
  const a = s.segAttr[seg]!;
  if ((a & SegAttr.UNUSABLE) !== 0) segFault(c, seg);
  const type = a & SegAttr.TYPE;
  if ((type & T_CODE) !== 0) {
    if (write !== 0 || (type & T_RW) === 0) { c.exc.vector = Vec.GP; c.exc.error = 0; c.exc.hasError = true; throw FAULT; }
  } else if (write !== 0 && (type & T_RW) === 0) {
    c.exc.vector = Vec.GP; c.exc.error = 0; c.exc.hasError = true; throw FAULT;
  }
  const limit = s.segLimit[seg]!;
  const last = off + len - 1;
  if ((type & (T_CODE | T_EXPAND_DOWN)) === T_EXPAND_DOWN) {
    const upper = (a & SegAttr.DB) !== 0 ? 0xffffffff : 0xffff;
    if (off <= limit || last > upper) segFault(c, seg);
  } else if (limit < 0xffffffff && last > limit) {
    segFault(c, seg);
  }
}
