/**
 * The 80-bit extended format (sign, 15-bit exponent, 64-bit significand
 * with an explicit integer bit) and its conversions to and from the
 * doubles the FPU computes with. These run on loads and stores of m80
 * operands and FSAVE/FXSAVE images only (BigInt is fine off the hot path).
 *
 * An image is three numbers: `se` (sign << 15 | exponent), `hi` and `lo`
 * (the significand's upper and lower 32 bits, unsigned).
 */

export interface F80 { se: number; hi: number; lo: number }

const dv = new DataView(new ArrayBuffer(8));

/** The raw bits of a double (NaN payloads and signs preserved). */
export function f64Bits(x: number): bigint {
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}

export function f64FromBits(b: bigint): number {
  dv.setBigUint64(0, b & 0xffffffffffffffffn, true);
  return dv.getFloat64(0, true);
}

/** x * 2^k without intermediate overflow or underflow of 2^k. */
export function ldexp(x: number, k: number): number {
  while (k > 1000) { x *= 2 ** 1000; k -= 1000; if (!Number.isFinite(x)) return x; }
  while (k < -1000) { x *= 2 ** -1000; k += 1000; if (x === 0) return x; }
  return x * 2 ** k;
}

/** The exact 80-bit image of a double (every double is representable). */
export function f64ToF80(x: number, out: F80): void {
  const b = f64Bits(x);
  const sign = Number(b >> 63n);
  const e = Number((b >> 52n) & 0x7ffn);
  const m = b & 0xfffffffffffffn;
  let se: number, mant: bigint;
  if (e === 0x7ff) { se = 0x7fff; mant = (1n << 63n) | (m << 11n); }
  else if (e === 0) {
    if (m === 0n) { se = 0; mant = 0n; }
    else {
      const p = m.toString(2).length - 1; // position of the leading one
      se = p - 1074 + 16383;
      mant = m << BigInt(63 - p);
    }
  } else { se = e - 1023 + 16383; mant = (1n << 63n) | (m << 11n); }
  out.se = (sign << 15) | se;
  out.hi = Number(mant >> 32n);
  out.lo = Number(mant & 0xffffffffn);
}

/** Classes of an 80-bit image. */
export const F80Class = { ZERO: 0, NORMAL: 1, DENORMAL: 2, INF: 3, NAN: 4, UNSUPPORTED: 5 } as const;

export function classifyF80(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  const j = (hi >>> 31) !== 0;
  if (e === 0x7fff) {
    if (!j) return F80Class.UNSUPPORTED; // pseudo-infinity / pseudo-NaN
    return (hi & 0x7fffffff) === 0 && lo === 0 ? F80Class.INF : F80Class.NAN;
  }
  if (e === 0) return hi === 0 && lo === 0 ? F80Class.ZERO : F80Class.DENORMAL;
  return j ? F80Class.NORMAL : F80Class.UNSUPPORTED; // unnormal
}

/**
 * The double nearest to an 80-bit image (round to nearest even; values
 * below the double range round towards zero through the denormals). NaNs
 * keep their sign and the top 52 bits of their payload.
 */
export function f80ToF64(se: number, hi: number, lo: number): number {
  const neg = (se & 0x8000) !== 0;
  const e = se & 0x7fff;
  const mant = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  if (e === 0x7fff) {
    if ((mant & 0x7fffffffffffffffn) === 0n) return neg ? -Infinity : Infinity;
    const frac = ((mant >> 11n) & 0xfffffffffffffn) | 0x8000000000000n; // quiet
    return f64FromBits((neg ? 1n << 63n : 0n) | (0x7ffn << 52n) | frac);
  }
  if (mant === 0n) return neg ? -0 : 0;
  // value = mant * 2^(e - 16383 - 63), with the denormal exponent for e = 0
  const exp = (e === 0 ? 1 : e) - 16383 - 63;
  const v = ldexp(roundMantissa(mant, exp), exp);
  return neg ? -v : v;
}

/**
 * The significand rounded to what a double can hold at exponent `exp`
 * (53 bits, fewer in the double's denormal range), to nearest even, as an
 * exact number (the caller scales it by 2^exp).
 */
function roundMantissa(mant: bigint, exp: number): number {
  const bits = mant.toString(2).length;
  // The double's lowest representable bit is 2^-1074: keep bits down to it.
  const topExp = exp + bits - 1;
  const keep = Math.min(53, topExp + 1075);
  if (keep <= 0) return 0;
  const drop = bits - keep;
  if (drop <= 0) return Number(mant);
  const d = BigInt(drop);
  let q = mant >> d;
  const rem = mant & ((1n << d) - 1n);
  const half = 1n << (d - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return Number(q) * 2 ** drop;
}

/** Write an 80-bit image to memory bytes (little endian, 10 bytes). */
export function f80ToBytes(v: F80, out: Uint8Array, at: number): void {
  for (let k = 0; k < 4; k++) out[at + k] = (v.lo >>> (8 * k)) & 0xff;
  for (let k = 0; k < 4; k++) out[at + 4 + k] = (v.hi >>> (8 * k)) & 0xff;
  out[at + 8] = v.se & 0xff;
  out[at + 9] = (v.se >>> 8) & 0xff;
}

export function f80FromBytes(b: Uint8Array, at: number, out: F80): void {
  out.lo = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  out.hi = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0;
  out.se = b[at + 8]! | (b[at + 9]! << 8);
}

/** An integer as an exact 80-bit image (FILD m64 beyond 2^53). */
export function bigIntToF80(v: bigint, out: F80): void {
  const neg = v < 0n;
  let a = neg ? -v : v;
  if (a === 0n) { out.se = neg ? 0x8000 : 0; out.hi = 0; out.lo = 0; return; }
  const bits = a.toString(2).length;
  a <<= BigInt(64 - bits);
  out.se = (neg ? 0x8000 : 0) | (16383 + bits - 1);
  out.hi = Number(a >> 32n);
  out.lo = Number(a & 0xffffffffn);
}

/**
 * An 80-bit finite image rounded to an integer by rounding control `rc`
 * (0 nearest even, 1 down, 2 up, 3 toward zero). Returns the integer and
 * whether it was inexact.
 */
export function f80ToBigInt(se: number, hi: number, lo: number, rc: number): { v: bigint; inexact: boolean } {
  const neg = (se & 0x8000) !== 0;
  const e = se & 0x7fff;
  const mant = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const shift = (e === 0 ? 1 : e) - 16383 - 63;
  let q: bigint, rem: bigint, half: bigint, d: bigint;
  if (shift >= 0) return { v: (neg ? -1n : 1n) * (mant << BigInt(Math.min(shift, 80))), inexact: false };
  d = BigInt(-shift);
  if (d > 66n) { q = 0n; rem = mant === 0n ? 0n : 1n; half = 1n << 66n; } // tiny: only its sign and non-zeroness matter
  else { q = mant >> d; rem = mant & ((1n << d) - 1n); half = 1n << (d - 1n); }
  const inexact = rem !== 0n;
  if (inexact) {
    const up = rc === 0 ? rem > half || (rem === half && (q & 1n) === 1n) : rc === 1 ? neg : rc === 2 ? !neg : false;
    if (up) q += 1n;
  }
  return { v: neg ? -q : q, inexact };
}

