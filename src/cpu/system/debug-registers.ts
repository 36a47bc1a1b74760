/**
 * Debug registers: DR7 decoding into instruction breakpoints (checked by
 * the run loop's debug path before each instruction) and data breakpoints
 * (watched by the MMU's slow path), and the DR6 bits they report. While
 * any breakpoint is enabled, or EFLAGS.TF is set, the CPU executes one
 * instruction at a time (Cpu.debugStep, entered through the run loop's
 * attention flag); otherwise none of this costs the hot path anything.
 */
import type { Cpu } from '../cpu.js';

export const DR6 = { B0: 1, BS: 1 << 14, RESERVED_ONES: 0xffff0ff0 } as const;
export const DR7_RESERVED_ONES = 0x400;

/** Recompute the breakpoint state after a write to DR0-DR3 or DR7. */
export function debugRegistersChanged(c: Cpu): void {
  const dr7 = c.dr[7]!;
  const m = c.m;
  let exec = 0, n = 0;
  for (let k = 0; k < 4; k++) {
    if (((dr7 >>> (2 * k)) & 3) === 0) continue;
    const rw = (dr7 >>> (16 + 4 * k)) & 3;
    const len = [1, 2, 8, 4][(dr7 >>> (18 + 4 * k)) & 3]!;
    if (rw === 0) { exec |= 1 << k; continue; }
    if (rw === 2) continue; // I/O breakpoints need CR4.DE: not advertised
    const la = c.dr[k]! >>> 0;
    m.watchLa[n] = la - (la % len); // the address is aligned down to the length
    m.watchLen[n] = len;
    m.watchWrite[n] = rw === 1 ? 1 : 0;
    m.watchBit[n] = 1 << k;
    n++;
  }
  c.drExec = exec;
  m.watchN = n;
  m.watchHit = 0;
  c.drActive = exec !== 0 || n !== 0;
  c.refreshDebugMode();
  m.flushAll();
}

/** DR6 bits of the instruction breakpoints that match linear address `la`. */
export function instructionBreakpoints(c: Cpu, la: number): number {
  let hit = 0;
  for (let k = 0; k < 4; k++) {
    if ((c.drExec & (1 << k)) !== 0 && (c.dr[k]! >>> 0) === (la >>> 0)) hit |= 1 << k;
  }
  return hit;
}
