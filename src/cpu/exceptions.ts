/**
 * How a fault leaves an instruction: the handler (or the MMU) records the
 * exception in Cpu.exc and throws the preallocated FAULT sentinel; the run
 * loop catches it, rewinds RIP to the faulting instruction and delivers the
 * exception through the IDT (interrupts.ts). Throwing a constant object
 * costs no allocation and no stack capture. EXIT is thrown the same way when
 * an instruction must leave run() before it can complete (port input, MMIO):
 * the instruction is restarted after the VMM has supplied the data.
 */
export const Vec = {
  DE: 0, DB: 1, NMI: 2, BP: 3, OF: 4, BR: 5, UD: 6, NM: 7, DF: 8, TS: 10, NP: 11, SS: 12, GP: 13, PF: 14,
  MF: 16, AC: 17, MC: 18, XM: 19,
} as const;

export interface Sentinel { readonly kind: 'fault' | 'exit' }
export const FAULT: Sentinel = Object.freeze({ kind: 'fault' as const });
export const EXIT: Sentinel = Object.freeze({ kind: 'exit' as const });

/** The exception being raised. */
export class PendingException {
  vector = 0;
  error = 0;
  hasError = false;
}

/** Vectors that push an error code. */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17 || vector === 21;
}

/** Benign (0), contributory (1) or page fault (2), for the double-fault rules. */
export function faultClass(vector: number): number {
  if (vector === Vec.PF) return 2;
  if (vector === 0 || (vector >= 10 && vector <= 13)) return 1;
  return 0;
}
