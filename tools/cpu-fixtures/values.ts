/**
 * Operand values: the edges where flags change (zero, sign boundary, carry
 * and overflow boundaries, nibble carry for AF) plus seeded random values.
 * Generation is deterministic: the same generator gives the same fixtures.
 */
import { mask, type Width } from './spec.js';
import { STATUS_FLAGS } from './layout.js';

/** mulberry32: small, fast, seedable. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(n: number): number {
    return this.u32() % n;
  }
  bool(): boolean {
    return (this.u32() & 1) === 1;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
  bits(w: Width): bigint {
    const v = (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    return v & mask(w);
  }
  /** Random values that favour interesting shapes (few bits, runs of ones). */
  value(w: Width): bigint {
    switch (this.below(4)) {
      case 0: return 1n << BigInt(this.below(w));
      case 1: return mask(w) >> BigInt(this.below(w));
      case 2: return this.bits(w) >> BigInt(this.below(w));
      default: return this.bits(w);
    }
  }
  status(): number {
    return this.u32() & STATUS_FLAGS;
  }
}

/** Edge values of a width. */
export function edges(w: Width): bigint[] {
  const m = mask(w);
  const sign = 1n << BigInt(w - 1);
  return [0n, 1n, 2n, 0xfn, 0x10n, sign - 1n, sign, sign + 1n, m - 1n, m, (0x5555555555555555n & m), (0xaaaaaaaaaaaaaaaan & m)];
}

/** A smaller edge set for pairwise products. */
export function coreEdges(w: Width): bigint[] {
  const m = mask(w);
  const sign = 1n << BigInt(w - 1);
  return [0n, 1n, 0xfn, sign - 1n, sign, m];
}

/** Pairs of operands: every pair of core edges, then `extra` random pairs. */
export function pairs(w: Width, rng: Rng, extra: number): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  const e = coreEdges(w);
  for (const a of e) for (const b of e) out.push([a, b]);
  for (let i = 0; i < extra; i++) out.push([rng.value(w), rng.value(w)]);
  return out;
}

export function toSigned(v: bigint, w: Width): bigint {
  return BigInt.asIntN(w, v);
}

/** NASM immediate text for a value at a width (two's complement, hex). */
export function imm(v: bigint, w: Width): string {
  return '0x' + (v & mask(w)).toString(16);
}
