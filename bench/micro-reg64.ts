/**
 * Micro-benchmark behind the register representation (src/cpu/state.ts):
 * what an instruction does with a register — a 64-bit add, then the low 32
 * bits used as a number (an address, a flag result) — on (a) two
 * Int32Array halves, (b) a BigUint64Array with BigInt arithmetic, (c) BigInt
 * locals. Prints millions of operations per second.
 */
export interface Reg64Result {
  halves: number;
  bigint64Array: number;
  bigintLocals: number;
}

const N = 2_000_000;
/** Results are folded in here so the loops cannot be optimised away. */
export let sink = 0;

function halves(): number {
  const lo = new Int32Array(16), hi = new Int32Array(16);
  lo[1] = 0x7fffffff; hi[1] = 1;
  const t0 = performance.now();
  for (let k = 0; k < N; k++) {
    const a = lo[0]!, b = lo[1]!;
    const r = (a >>> 0) + (b >>> 0);
    lo[0] = r | 0;
    hi[0] = (hi[0]! + hi[1]! + (r >= 4294967296 ? 1 : 0)) | 0;
    sink ^= lo[0]! & 0xfff;
  }
  return N / (performance.now() - t0) / 1000;
}

function bigArray(): number {
  const r = new BigUint64Array(16);
  r[1] = 0x17fffffffn;
  const t0 = performance.now();
  for (let k = 0; k < N; k++) {
    r[0] = BigInt.asUintN(64, r[0]! + r[1]!);
    sink ^= Number(r[0]! & 0xfffn);
  }
  return N / (performance.now() - t0) / 1000;
}

function bigLocals(): number {
  let a = 0n;
  const b = 0x17fffffffn;
  const t0 = performance.now();
  for (let k = 0; k < N; k++) {
    a = BigInt.asUintN(64, a + b);
    sink ^= Number(a & 0xfffn);
  }
  return N / (performance.now() - t0) / 1000 + (a === -1n ? 1 : 0);
}

export function runReg64Micro(): Reg64Result {
  halves(); bigArray(); bigLocals(); // warm up
  return { halves: halves(), bigint64Array: bigArray(), bigintLocals: bigLocals() };
}
