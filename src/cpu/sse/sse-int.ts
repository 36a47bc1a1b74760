/**
 * SSE2 packed-integer arithmetic on the XMM registers: PADD/PSUB (wrapping
 * and saturating, every lane width), PMULLW/PMULHW/PMULHUW/PMULUDQ/PMADDWD,
 * PAVGB/PAVGW, PMINUB/PMAXUB/PMINSW/PMAXSW, PSADBW, PCMPGTB/W/D, the
 * shifts (by an immediate or by the low quadword of an XMM operand), the
 * packs with saturation, PEXTRW/PINSRW, MOVMSKPS/MOVMSKPD. Lane arithmetic
 * works on the XMM bytes through typed-array views; a memory source is read
 * whole (16 bytes, aligned) before anything is written.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { ea, getReg, setReg } from '../exec/operands.js';
import { enterSse, loadSource, SRC } from './sse-move.js';

const src8 = new Uint8Array(SRC.buffer), src16 = new Uint16Array(SRC.buffer);
const res = new Int32Array(4);
const res8 = new Uint8Array(res.buffer), res16 = new Uint16Array(res.buffer);

const sat = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

function commit(c: Cpu, r: number): void {
  const x = c.fpu.xmm32;
  x[r * 4] = res[0]!; x[r * 4 + 1] = res[1]!; x[r * 4 + 2] = res[2]!; x[r * 4 + 3] = res[3]!;
}

/**
 * PADD/PSUB: sub = lane bytes (1, 2, 4, 8) | 16 signed saturation | 32
 * unsigned saturation | 64 subtract.
 */
export function paddsub(c: Cpu, i: Insn): void {
  enterSse(c);
  loadSource(c, i, true);
  const n = i.sub & 15, signed = (i.sub & 16) !== 0, unsigned = (i.sub & 32) !== 0, subtract = (i.sub & 64) !== 0;
  const d8 = c.fpu.xmm, base = i.reg * 16;
  if (n === 8) {
    for (let q = 0; q < 2; q++) {
      const x = c.fpu.xmm32, o = i.reg * 4 + 2 * q;
      const a = (BigInt(x[o + 1]! >>> 0) << 32n) | BigInt(x[o]! >>> 0);
      const b = (BigInt(SRC[2 * q + 1]! >>> 0) << 32n) | BigInt(SRC[2 * q]! >>> 0);
      const r = BigInt.asUintN(64, subtract ? a - b : a + b);
      res[2 * q] = Number(r & 0xffffffffn); res[2 * q + 1] = Number(r >> 32n);
    }
    commit(c, i.reg);
    return;
  }
  const bits = 8 * n, mod = 2 ** bits, half = mod / 2;
  for (let k = 0; k < 16; k += n) {
    let a = 0, b = 0;
    for (let j = n - 1; j >= 0; j--) { a = a * 256 + d8[base + k + j]!; b = b * 256 + src8[k + j]!; }
    if (signed) { if (a >= half) a -= mod; if (b >= half) b -= mod; }
    let r = subtract ? a - b : a + b;
    if (signed) r = sat(r, -half, half - 1);
    else if (unsigned) r = sat(r, 0, mod - 1);
    r = ((r % mod) + mod) % mod;
    for (let j = 0; j < n; j++) { res8[k + j] = r % 256; r = Math.floor(r / 256); }
  }
  commit(c, i.reg);
}

/** Word and doubleword lane operations: sub selects (see bindSseInt in exec/dispatch.ts). */
export const LaneOp = {
  PMULLW: 0, PMULHW: 1, PMULHUW: 2, PMULUDQ: 3, PMADDWD: 4, PAVGB: 5, PAVGW: 6, PMINUB: 7, PMAXUB: 8,
  PMINSW: 9, PMAXSW: 10, PSADBW: 11, PCMPGTB: 12, PCMPGTW: 13, PCMPGTD: 14, PACKSSWB: 15, PACKUSWB: 16, PACKSSDW: 17,
} as const;

const s16 = (v: number): number => (v << 16) >> 16;
const s8 = (v: number): number => (v << 24) >> 24;

export function lanes(c: Cpu, i: Insn): void {
  enterSse(c);
  loadSource(c, i, true);
  const x = c.fpu.xmm32, x8 = c.fpu.xmm, o = i.reg * 4, o8 = i.reg * 16;
  const w = (k: number): number => (x[o + (k >> 1)]! >>> (16 * (k & 1))) & 0xffff; // destination word k
  const sw = (k: number): number => src16[k]!;
  switch (i.sub) {
    case LaneOp.PMULLW: case LaneOp.PMULHW: case LaneOp.PMULHUW:
      for (let k = 0; k < 8; k++) {
        const p = i.sub === LaneOp.PMULHUW ? w(k) * sw(k) : s16(w(k)) * s16(sw(k));
        res16[k] = i.sub === LaneOp.PMULLW ? p & 0xffff : Math.floor(p / 65536) & 0xffff;
      }
      break;
    case LaneOp.PMULUDQ:
      for (let q = 0; q < 2; q++) {
        const p = BigInt(x[o + 2 * q]! >>> 0) * BigInt(SRC[2 * q]! >>> 0);
        res[2 * q] = Number(p & 0xffffffffn); res[2 * q + 1] = Number(p >> 32n);
      }
      break;
    case LaneOp.PMADDWD:
      for (let d = 0; d < 4; d++) res[d] = (s16(w(2 * d)) * s16(sw(2 * d)) + s16(w(2 * d + 1)) * s16(sw(2 * d + 1))) | 0;
      break;
    case LaneOp.PAVGB: for (let k = 0; k < 16; k++) res8[k] = (x8[o8 + k]! + src8[k]! + 1) >> 1; break;
    case LaneOp.PAVGW: for (let k = 0; k < 8; k++) res16[k] = (w(k) + sw(k) + 1) >> 1; break;
    case LaneOp.PMINUB: for (let k = 0; k < 16; k++) res8[k] = Math.min(x8[o8 + k]!, src8[k]!); break;
    case LaneOp.PMAXUB: for (let k = 0; k < 16; k++) res8[k] = Math.max(x8[o8 + k]!, src8[k]!); break;
    case LaneOp.PMINSW: for (let k = 0; k < 8; k++) res16[k] = s16(w(k)) < s16(sw(k)) ? w(k) : sw(k); break;
    case LaneOp.PMAXSW: for (let k = 0; k < 8; k++) res16[k] = s16(w(k)) > s16(sw(k)) ? w(k) : sw(k); break;
    case LaneOp.PSADBW:
      for (let q = 0; q < 2; q++) {
        let s = 0;
        for (let k = 0; k < 8; k++) s += Math.abs(x8[o8 + 8 * q + k]! - src8[8 * q + k]!);
        res[2 * q] = s; res[2 * q + 1] = 0;
      }
      break;
    case LaneOp.PCMPGTB: for (let k = 0; k < 16; k++) res8[k] = s8(x8[o8 + k]!) > s8(src8[k]!) ? 0xff : 0; break;
    case LaneOp.PCMPGTW: for (let k = 0; k < 8; k++) res16[k] = s16(w(k)) > s16(sw(k)) ? 0xffff : 0; break;
    case LaneOp.PCMPGTD: for (let d = 0; d < 4; d++) res[d] = x[o + d]! > SRC[d]! ? -1 : 0; break;
    case LaneOp.PACKSSWB: case LaneOp.PACKUSWB:
      for (let k = 0; k < 16; k++) {
        const v = s16(k < 8 ? w(k) : sw(k - 8));
        res8[k] = i.sub === LaneOp.PACKSSWB ? sat(v, -128, 127) & 0xff : sat(v, 0, 255);
      }
      break;
    case LaneOp.PACKSSDW:
      for (let k = 0; k < 8; k++) res16[k] = sat(k < 4 ? x[o + k]! : SRC[k - 4]!, -32768, 32767) & 0xffff;
      break;
  }
  commit(c, i.reg);
}

/**
 * Shifts: sub = lane bytes (2, 4, 8) | 16 arithmetic right | 32 left (else
 * logical right); imm2 = 1 for the immediate forms (66 0F 71-73, register
 * rm), 0 for the count in the low quadword of an XMM/m128 source.
 */
export function shift(c: Cpu, i: Insn): void {
  enterSse(c);
  let count: number, r: number;
  if (i.imm2 === 1) { count = i.imm & 0xff; r = i.rm; }
  else {
    loadSource(c, i, true);
    count = SRC[1] !== 0 ? 0xffff : SRC[0]! >>> 0;
    r = i.reg;
  }
  const n = i.sub & 15, arith = (i.sub & 16) !== 0, left = (i.sub & 32) !== 0;
  const x = c.fpu.xmm32, o = r * 4;
  const bits = 8 * n;
  for (let k = 0; k < 16 / n; k++) {
    let v: bigint;
    if (n === 8) v = (BigInt(x[o + 2 * k + 1]! >>> 0) << 32n) | BigInt(x[o + 2 * k]! >>> 0);
    else if (n === 4) v = BigInt(x[o + k]! >>> 0);
    else v = BigInt((x[o + (k >> 1)]! >>> (16 * (k & 1))) & 0xffff);
    const sv = BigInt.asIntN(bits, v);
    let out: bigint;
    if (count >= bits) out = arith ? (sv < 0n ? -1n : 0n) : 0n;
    else out = left ? v << BigInt(count) : arith ? sv >> BigInt(count) : v >> BigInt(count);
    out = BigInt.asUintN(bits, out);
    if (n === 8) { res[2 * k] = Number(out & 0xffffffffn); res[2 * k + 1] = Number(out >> 32n); }
    else if (n === 4) res[k] = Number(out);
    else res16[k] = Number(out);
  }
  commit(c, r);
}

/** PEXTRW r32, xmm, imm8 (66 0F C5) and PINSRW xmm, r32/m16, imm8 (66 0F C4). */
export function pextrPinsr(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const k = i.imm & 7;
  if (i.opc === 0xc5) {
    setReg(c, 2, i.reg, (x[i.rm * 4 + (k >> 1)]! >>> (16 * (k & 1))) & 0xffff, 0);
    return;
  }
  const v = i.mod === 3 ? getReg(c, 1, i.rm) : c.m.read16(ea(c, i, 2, 0));
  const d = i.reg * 4 + (k >> 1), sh = 16 * (k & 1);
  x[d] = (x[d]! & ~(0xffff << sh)) | ((v & 0xffff) << sh);
}

/** MOVMSKPS (0F 50) and MOVMSKPD (66 0F 50): the sign bits of the lanes. */
export function movmsk(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const o = i.rm * 4;
  const m = i.p66 !== 0
    ? ((x[o + 1]! >>> 31) | ((x[o + 3]! >>> 31) << 1))
    : ((x[o]! >>> 31) | ((x[o + 1]! >>> 31) << 1) | ((x[o + 2]! >>> 31) << 2) | ((x[o + 3]! >>> 31) << 3));
  setReg(c, 2, i.reg, m, 0);
}
