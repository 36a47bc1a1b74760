/**
 * SSE/SSE2 data movement and bitwise operations on the XMM registers (kept
 * in Fpu.xmm, the bytes FXSAVE stores): MOVAPS/MOVUPS/MOVAPD/MOVUPD,
 * MOVDQA/MOVDQU, MOVSS/MOVSD, MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS,
 * MOVNTPS/MOVNTPD/MOVNTDQ, MOVD/MOVQ, PXOR/POR/PAND/PANDN and the PS/PD
 * forms, PCMPEQB/W/D, PMOVMSKB, PSHUFD/PSHUFHW/PSHUFLW, SHUFPS,
 * PUNPCK*, PSLLDQ/PSRLDQ, LDMXCSR/STMXCSR. No floating-point arithmetic
 * yet, so CPUID does not advertise SSE.
 *
 * Every form first checks CR0.EM and CR4.OSFXSR (#UD) and CR0.TS (#NM);
 * the aligned forms raise #GP(0) for a memory operand that is not 16-byte
 * aligned. A 128-bit operand travels through `tmp` (four dwords), so a
 * faulting load changes nothing and a store probes all 16 bytes first.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { CR0, CR4 } from '../state.js';
import { ea, fault, getReg, setReg } from '../exec/operands.js';
import { MXCSR_MASK } from '../fpu/x87-env.js';

/** #UD without CR4.OSFXSR or with CR0.EM; #NM with CR0.TS. Returns the XMM dwords. */
export function enterSse(c: Cpu): Int32Array {
  if ((c.s.cr0 & CR0.EM) !== 0 || (c.s.cr4 & CR4.OSFXSR) === 0) fault(c, Vec.UD);
  if ((c.s.cr0 & CR0.TS) !== 0) fault(c, Vec.NM);
  return c.fpu.xmm32;
}

/** The 128-bit source operand of the instruction running, as four dwords. */
export const SRC = new Int32Array(4);
const tmp = SRC;

/** The 128-bit source (register rm or 16 bytes of memory) into SRC. */
export function loadSource(c: Cpu, i: Insn, aligned: boolean): void {
  loadSrc(c, i, c.fpu.xmm32, aligned);
}

function loadSrc(c: Cpu, i: Insn, x: Int32Array, aligned: boolean): void {
  if (i.mod === 3) { const r = i.rm * 4; tmp[0] = x[r]!; tmp[1] = x[r + 1]!; tmp[2] = x[r + 2]!; tmp[3] = x[r + 3]!; return; }
  const la = ea(c, i, 16, 0);
  if (aligned && (la & 15) !== 0) fault(c, Vec.GP, 0);
  for (let k = 0; k < 4; k++) tmp[k] = c.m.read32(la + 4 * k);
}

/** Store XMM register `r` to the r/m destination (register or 16 bytes of memory). */
function storeDst(c: Cpu, i: Insn, x: Int32Array, r: number, aligned: boolean): void {
  if (i.mod === 3) { const d = i.rm * 4; for (let k = 0; k < 4; k++) x[d + k] = x[r * 4 + k]!; return; }
  const la = ea(c, i, 16, 1);
  if (aligned && (la & 15) !== 0) fault(c, Vec.GP, 0);
  c.m.probeWrite(la, 16);
  for (let k = 0; k < 4; k++) c.m.write32(la + 4 * k, x[r * 4 + k]!);
}

function setXmm(x: Int32Array, r: number, a: number, b: number, cc: number, d: number): void {
  const o = r * 4;
  x[o] = a; x[o + 1] = b; x[o + 2] = cc; x[o + 3] = d;
}

/** 0F 28/29, 0F 10/11 (no prefix or 66), 66/F3 0F 6F/7F, 0F 2B, 66 0F E7: whole-register moves; sub bit 0 = store, bit 1 = aligned. */
export function movdq(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const aligned = (i.sub & 2) !== 0;
  if ((i.sub & 1) !== 0) { storeDst(c, i, x, i.reg, aligned); return; }
  loadSrc(c, i, x, aligned);
  setXmm(x, i.reg, tmp[0]!, tmp[1]!, tmp[2]!, tmp[3]!);
}

/** F3 0F 10/11 MOVSS and F2 0F 10/11 MOVSD: sub = dwords (1 or 2) | 4 for the store. */
export function movScalar(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const n = i.sub & 3, store = (i.sub & 4) !== 0;
  if (i.mod === 3) {
    // register to register: only the low element moves
    const [d, s] = store ? [i.rm, i.reg] : [i.reg, i.rm];
    for (let k = 0; k < n; k++) x[d * 4 + k] = x[s * 4 + k]!;
    return;
  }
  if (store) {
    const la = ea(c, i, 4 * n, 1);
    if (n === 2) c.m.probeWrite(la, 8);
    for (let k = 0; k < n; k++) c.m.write32(la + 4 * k, x[i.reg * 4 + k]!);
    return;
  }
  const la = ea(c, i, 4 * n, 0);
  const lo = c.m.read32(la), hi = n === 2 ? c.m.read32(la + 4) : 0;
  setXmm(x, i.reg, lo, hi, 0, 0); // a load zeroes the rest
}

/**
 * 0F 12/13 (MOVLPS/MOVLPD, MOVHLPS) and 0F 16/17 (MOVHPS/MOVHPD, MOVLHPS):
 * sub = half (0 low, 2 high, in dwords) | 4 for the store (13/17).
 */
export function movHalf(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const half = i.sub & 2, store = (i.sub & 4) !== 0;
  const d = i.reg * 4;
  if (store) {
    const la = ea(c, i, 8, 1);
    c.m.probeWrite(la, 8);
    c.m.write32(la, x[d + half]!); c.m.write32(la + 4, x[d + half + 1]!);
    return;
  }
  if (i.mod === 3) {
    // MOVHLPS: low <- the source's high half; MOVLHPS: high <- the source's low half
    const s = i.rm * 4;
    if (half === 0) { x[d] = x[s + 2]!; x[d + 1] = x[s + 3]!; } else { x[d + 2] = x[s]!; x[d + 3] = x[s + 1]!; }
    return;
  }
  const la = ea(c, i, 8, 0);
  const lo = c.m.read32(la), hi = c.m.read32(la + 4);
  x[d + half] = lo; x[d + half + 1] = hi;
}

/** 66 0F 6E MOVD/MOVQ xmm, r/m32/64 (zero-extended); 66 0F 7E MOVD/MOVQ r/m32/64, xmm. */
export function movdGpr(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const wide = (i.rex & 8) !== 0;
  const d = i.reg * 4;
  if (i.opc === 0x6e) {
    let lo: number, hi = 0;
    if (i.mod === 3) { lo = getReg(c, wide ? 3 : 2, i.rm); hi = wide ? c.m.hi : 0; }
    else { const la = ea(c, i, wide ? 8 : 4, 0); lo = c.m.read32(la); if (wide) hi = c.m.read32(la + 4); }
    setXmm(x, i.reg, lo, hi, 0, 0);
    return;
  }
  if (i.mod === 3) { setReg(c, wide ? 3 : 2, i.rm, x[d]!, x[d + 1]!); return; }
  const la = ea(c, i, wide ? 8 : 4, 1);
  if (wide) c.m.probeWrite(la, 8);
  c.m.write32(la, x[d]!);
  if (wide) c.m.write32(la + 4, x[d + 1]!);
}

/** F3 0F 7E MOVQ xmm, xmm/m64 (zero-extended); 66 0F D6 MOVQ xmm/m64, xmm. */
export function movq(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  if (i.opc === 0x7e) {
    let lo: number, hi: number;
    if (i.mod === 3) { lo = x[i.rm * 4]!; hi = x[i.rm * 4 + 1]!; }
    else { const la = ea(c, i, 8, 0); lo = c.m.read32(la); hi = c.m.read32(la + 4); }
    setXmm(x, i.reg, lo, hi, 0, 0);
    return;
  }
  const s = i.reg * 4;
  if (i.mod === 3) { setXmm(x, i.rm, x[s]!, x[s + 1]!, 0, 0); return; }
  const la = ea(c, i, 8, 1);
  c.m.probeWrite(la, 8);
  c.m.write32(la, x[s]!); c.m.write32(la + 4, x[s + 1]!);
}

/** Bitwise ops: sub 0 AND, 1 ANDN (~dst & src), 2 OR, 3 XOR (PAND PANDN POR PXOR and the PS/PD forms). */
export function logic(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  loadSrc(c, i, x, true);
  const d = i.reg * 4;
  for (let k = 0; k < 4; k++) {
    const a = x[d + k]!, b = tmp[k]!;
    x[d + k] = i.sub === 0 ? a & b : i.sub === 1 ? ~a & b : i.sub === 2 ? a | b : a ^ b;
  }
}

/** PCMPEQB/W/D (66 0F 74/75/76): sub = element bytes (1, 2, 4). */
export function pcmpeq(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  loadSrc(c, i, x, true);
  const d = i.reg * 4, n = i.sub;
  for (let k = 0; k < 4; k++) {
    const a = x[d + k]!, b = tmp[k]!;
    let r = 0;
    for (let e = 0; e < 4; e += n) {
      const m = n === 4 ? -1 : ((1 << (8 * n)) - 1) << (8 * e);
      if ((a & m) === (b & m)) r |= m;
    }
    x[d + k] = r;
  }
}

/** PMOVMSKB r32, xmm (66 0F D7): the top bit of each byte. */
export function pmovmskb(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const s = i.rm * 4;
  let m = 0;
  for (let k = 0; k < 16; k++) if (((x[s + (k >> 2)]! >>> (8 * (k & 3) + 7)) & 1) !== 0) m |= 1 << k;
  setReg(c, 2, i.reg, m, 0); // zero-extended into a 64-bit register too
}

const b16 = new Uint8Array(16);
const b16src = new Uint8Array(16);
const outB = new Uint8Array(16);

function bytesOf(v: Int32Array, o: number, out: Uint8Array): void {
  for (let k = 0; k < 16; k++) out[k] = (v[o + (k >> 2)]! >>> (8 * (k & 3))) & 0xff;
}

function setBytes(x: Int32Array, r: number, b: Uint8Array): void {
  for (let k = 0; k < 4; k++) x[r * 4 + k] = b[4 * k]! | (b[4 * k + 1]! << 8) | (b[4 * k + 2]! << 16) | (b[4 * k + 3]! << 24);
}

/** PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2) 0F 70 and SHUFPS (0F C6): sub 0 d, 1 hw, 2 lw, 3 shufps. */
export function shuffle(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  loadSrc(c, i, x, true);
  const d = i.reg * 4, imm = i.imm & 0xff;
  const a0 = x[d]!, a1 = x[d + 1]!, a2 = x[d + 2]!, a3 = x[d + 3]!;
  const s = tmp;
  if (i.sub === 0) { setXmm(x, i.reg, s[imm & 3]!, s[(imm >> 2) & 3]!, s[(imm >> 4) & 3]!, s[(imm >> 6) & 3]!); return; }
  if (i.sub === 3) {
    const a = [a0, a1, a2, a3];
    setXmm(x, i.reg, a[imm & 3]!, a[(imm >> 2) & 3]!, s[(imm >> 4) & 3]!, s[(imm >> 6) & 3]!);
    return;
  }
  const w = (k: number): number => (s[k >> 1]! >>> (16 * (k & 1))) & 0xffff;
  const base = i.sub === 1 ? 4 : 0;
  const p = (j: number): number => w(base + ((imm >> (2 * j)) & 3));
  const shuffled0 = p(0) | (p(1) << 16), shuffled1 = p(2) | (p(3) << 16);
  if (i.sub === 1) setXmm(x, i.reg, s[0]!, s[1]!, shuffled0, shuffled1);
  else setXmm(x, i.reg, shuffled0, shuffled1, s[2]!, s[3]!);
}

/** PUNPCKL/H BW WD DQ QDQ (66 0F 60-62, 68-6A, 6C, 6D): sub = element bytes | 16 for the high halves. */
export function punpck(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  loadSrc(c, i, x, true);
  const n = i.sub & 15, high = (i.sub & 16) !== 0 ? 8 : 0;
  bytesOf(x, i.reg * 4, b16);
  bytesOf(tmp, 0, b16src);
  const out = outB;
  for (let e = 0, o = 0; o < 16; e += n) {
    for (let k = 0; k < n; k++) out[o++] = b16[high + e + k]!;
    for (let k = 0; k < n; k++) out[o++] = b16src[high + e + k]!;
  }
  setBytes(x, i.reg, out);
}

/** PSRLDQ (66 0F 73 /3) and PSLLDQ (/7): byte shifts of the whole register rm. */
export function byteShift(c: Cpu, i: Insn): void {
  const x = enterSse(c);
  const n = Math.min(i.imm & 0xff, 16);
  bytesOf(x, i.rm * 4, b16);
  const out = outB;
  for (let k = 0; k < 16; k++) {
    const from = i.sub === 7 ? k - n : k + n;
    out[k] = from >= 0 && from < 16 ? b16[from]! : 0;
  }
  setBytes(x, i.rm, out);
}

/** LDMXCSR m32 (0F AE /2): #GP(0) for reserved bits; STMXCSR m32 (/3). */
export function mxcsr(c: Cpu, i: Insn): void {
  enterSse(c);
  if (i.sub === 3) { c.m.write32(ea(c, i, 4, 1), c.fpu.mxcsr); return; }
  const v = c.m.read32(ea(c, i, 4, 0)) >>> 0;
  if ((v & ~MXCSR_MASK) !== 0) fault(c, Vec.GP, 0);
  c.fpu.mxcsr = v;
}
