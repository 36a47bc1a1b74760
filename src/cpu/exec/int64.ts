/**
 * 64-bit integer helpers on (lo, hi) int32 pairs. Each returns the low half
 * and leaves the high half in `out.hi` (a module-level scratch object, so
 * nothing allocates).
 */
export const out = { hi: 0, lo2: 0, hi2: 0 };

export function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { out.hi = hi; return lo; }
  if (n < 32) { out.hi = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  out.hi = lo << (n - 32); return 0;
}

export function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { out.hi = hi; return lo; }
  if (n < 32) { out.hi = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  out.hi = 0; return n === 32 ? hi : hi >>> (n - 32);
}

export function sar64(lo: number, hi: number, n: number): number {
  if (n === 0) { out.hi = hi; return lo; }
  if (n < 32) { out.hi = hi >> n; return (lo >>> n) | (hi << (32 - n)); }
  out.hi = hi >> 31; return hi >> (n - 32);
}

/** Bit n (0..63) of (lo, hi). */
export function bit64(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}

/** Unsigned 32x32 -> 64 multiply: returns the low half, out.hi the high half. */
export function mulu32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  out.hi = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
  return ((mid & 0xffff) << 16) | (ll & 0xffff);
}

/** Signed 32x32 -> 64 multiply. */
export function muls32(a: number, b: number): number {
  const lo = mulu32(a, b);
  let hi = out.hi;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  out.hi = hi;
  return lo;
}

/**
 * Unsigned 64x64 -> 128 multiply of (al, ah) and (bl, bh). Returns bits
 * 0-31; out.hi bits 32-63, out.lo2 bits 64-95, out.hi2 bits 96-127.
 */
export function mulu64(al: number, ah: number, bl: number, bh: number): number {
  const p0 = mulu32(al, bl); const p0h = out.hi;
  const p1 = mulu32(al, bh); const p1h = out.hi;
  const p2 = mulu32(ah, bl); const p2h = out.hi;
  const p3 = mulu32(ah, bh); const p3h = out.hi;
  // Column sums with carries (each term < 2^32, sums exact in doubles).
  const c1 = (p0h >>> 0) + (p1 >>> 0) + (p2 >>> 0);
  const c2 = Math.floor(c1 / 4294967296) + (p1h >>> 0) + (p2h >>> 0) + (p3 >>> 0);
  const c3 = Math.floor(c2 / 4294967296) + (p3h >>> 0);
  out.hi = c1 | 0;
  out.lo2 = c2 | 0;
  out.hi2 = c3 | 0;
  return p0;
}

/** Signed 64x64 -> 128 multiply. */
export function muls64(al: number, ah: number, bl: number, bh: number): number {
  const r0 = mulu64(al, ah, bl, bh);
  const r1 = out.hi;
  let r2 = out.lo2, r3 = out.hi2;
  // Signed correction: subtract b << 64 if a < 0, a << 64 if b < 0.
  if (ah < 0) { const t = (r2 >>> 0) - (bl >>> 0); r2 = t | 0; r3 = (r3 - bh - (t < 0 ? 1 : 0)) | 0; }
  if (bh < 0) { const t = (r2 >>> 0) - (al >>> 0); r2 = t | 0; r3 = (r3 - ah - (t < 0 ? 1 : 0)) | 0; }
  out.hi = r1; out.lo2 = r2; out.hi2 = r3;
  return r0;
}
