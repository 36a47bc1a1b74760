/**
 * The x87 environment and state images: FNSTENV/FLDENV (14 or 28 bytes,
 * real-mode or protected-mode layout by operand size and mode),
 * FNSAVE/FRSTOR (the environment and the eight registers, ST(0) first),
 * and FXSAVE/FXRSTOR (the 512-byte image with the x87 part, MXCSR and the
 * XMM registers as bytes; FXSAVE64 with REX.W stores 64-bit pointers).
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { Vec } from '../exceptions.js';
import { CodeSize, CR0, F } from '../state.js';
import { ea, fault } from '../exec/operands.js';
import { type Fpu, FSW, getStRaw, setStRaw, Tag } from './fpu.js';
import { f80FromBytes, f80ToBytes, type F80 } from './float80.js';
import { fpuEnter } from './x87.js';

const img = new Uint8Array(512);
const v80: F80 = { se: 0, hi: 0, lo: 0 };

const put16 = (at: number, v: number): void => { img[at] = v & 0xff; img[at + 1] = (v >>> 8) & 0xff; };
const put32 = (at: number, v: number): void => { put16(at, v); put16(at + 2, v >>> 16); };
const get16 = (at: number): number => img[at]! | (img[at + 1]! << 8);
const get32 = (at: number): number => (get16(at) | (get16(at + 2) << 16)) >>> 0;

function writeImg(c: Cpu, la: number, n: number): void {
  c.m.probeWrite(la, n);
  for (let k = 0; k < n; k++) c.m.write8(la + k, img[k]!);
}

function readImg(c: Cpu, la: number, n: number): void {
  for (let k = 0; k < n; k++) img[k] = c.m.read8(la + k);
}

const realLayout = (c: Cpu): boolean => (c.s.cr0 & CR0.PE) === 0 || (c.s.flags & F.VM) !== 0;
const envSize = (i: Insn): number => (i.osz === 1 ? 14 : 28);

/** Fill img[0..size) with the environment. */
function packEnv(c: Cpu, f: Fpu, i: Insn): number {
  const wide = i.osz !== 1;
  const real = realLayout(c);
  const fip = f.fip, fdp = f.fdp; // linear in real and virtual-8086 mode (see note() in x87.ts)
  if (wide) {
    put32(0, 0xffff0000 | f.cw); put32(4, 0xffff0000 | f.status()); put32(8, 0xffff0000 | f.tagWord());
    if (real) {
      put32(12, 0xffff0000 | (fip & 0xffff)); put32(16, ((fip >>> 16) << 12) | (f.fop & 0x7ff));
      put32(20, 0xffff0000 | (fdp & 0xffff)); put32(24, (fdp >>> 16) << 12);
    } else {
      put32(12, fip); put32(16, (f.fcs & 0xffff) | ((f.fop & 0x7ff) << 16));
      put32(20, fdp); put32(24, 0xffff0000 | f.fds);
    }
    return 28;
  }
  put16(0, f.cw); put16(2, f.status()); put16(4, f.tagWord());
  if (real) {
    put16(6, fip); put16(8, (((fip >>> 16) & 0xf) << 12) | (f.fop & 0x7ff));
    put16(10, fdp); put16(12, ((fdp >>> 16) & 0xf) << 12);
  } else {
    put16(6, fip); put16(8, f.fcs); put16(10, fdp); put16(12, f.fds);
  }
  return 14;
}

/** Load the environment from img. */
function unpackEnv(c: Cpu, f: Fpu, i: Insn): number {
  const wide = i.osz !== 1;
  const real = realLayout(c);
  const w = wide ? 4 : 2;
  f.cw = (get16(0) & 0x1f3f) | 0x40;
  f.setStatus(get16(w));
  const tw = get16(2 * w);
  for (let r = 0; r < 8; r++) {
    if (((tw >> (2 * r)) & 3) === Tag.EMPTY) { f.tag[r] = Tag.EMPTY; f.rawOk[r] = 0; }
    else if (f.tag[r] === Tag.EMPTY) f.tag[r] = retag(f, r);
  }
  if (wide) {
    if (real) {
      f.fip = (get16(12) | ((get32(16) >>> 12) << 16)) >>> 0; f.fop = get32(16) & 0x7ff;
      f.fdp = (get16(20) | ((get32(24) >>> 12) << 16)) >>> 0;
    } else {
      f.fip = get32(12); f.fop = (get32(16) >>> 16) & 0x7ff;
      f.fdp = get32(20);
    }
  } else if (real) {
    f.fip = get16(6) | ((get16(8) >>> 12) << 16); f.fop = get16(8) & 0x7ff;
    f.fdp = get16(10) | ((get16(12) >>> 12) << 16);
  } else {
    f.fip = get16(6); f.fdp = get16(10);
  }
  // A pending unmasked exception in the loaded status word raises #MF at the next waiting instruction.
  f.sw = (f.sw & FSW.ES) !== 0 ? f.sw | FSW.B : f.sw & ~FSW.B;
  return wide ? 28 : 14;
}

/** The tag a non-empty register gets back from its contents. */
function retag(f: Fpu, r: number): number {
  const x = f.val[r]!;
  if (f.rawOk[r] !== 0 && !(x === 0 || Number.isFinite(x))) return Tag.SPECIAL;
  if (x === 0) return Tag.ZERO;
  return Number.isFinite(x) ? Tag.VALID : Tag.SPECIAL;
}

/** D9 /6 FNSTENV: store the environment, then mask every exception. */
export function fnstenv(c: Cpu, i: Insn): void {
  const f = fpuEnter(c, false);
  const la = ea(c, i, envSize(i), 1);
  writeImg(c, la, packEnv(c, f, i));
  f.cw |= 0x3f;
}

/** D9 /4 FLDENV. */
export function fldenv(c: Cpu, i: Insn): void {
  const f = fpuEnter(c, false);
  const la = ea(c, i, envSize(i), 0);
  readImg(c, la, envSize(i));
  unpackEnv(c, f, i);
}

/** DD /6 FNSAVE: the environment and ST(0)..ST(7), then FNINIT. */
export function fnsave(c: Cpu, i: Insn): void {
  const f = fpuEnter(c, false);
  const n = envSize(i);
  const la = ea(c, i, n + 80, 1);
  packEnv(c, f, i);
  for (let k = 0; k < 8; k++) { getStRaw(f, k, v80); f80ToBytes(v80, img, n + 10 * k); }
  writeImg(c, la, n + 80);
  f.init();
}

/** DD /4 FRSTOR. */
export function frstor(c: Cpu, i: Insn): void {
  const f = fpuEnter(c, false);
  const n = envSize(i);
  const la = ea(c, i, n + 80, 0);
  readImg(c, la, n + 80);
  const tw = get16(i.osz !== 1 ? 8 : 4);
  unpackEnv(c, f, i);
  for (let k = 0; k < 8; k++) {
    f80FromBytes(img, n + 10 * k, v80);
    setStRaw(f, k, v80.se, v80.hi, v80.lo);
  }
  for (let r = 0; r < 8; r++) if (((tw >> (2 * r)) & 3) === Tag.EMPTY) { f.tag[r] = Tag.EMPTY; f.rawOk[r] = 0; }
}

/** MXCSR bits FXRSTOR accepts (with DAZ). */
export const MXCSR_MASK = 0xffff;

/** 0F AE /0 FXSAVE (REX.W: FXSAVE64). */
export function fxsave(c: Cpu, i: Insn): void {
  if ((c.s.cr0 & (CR0.EM | CR0.TS)) !== 0) fault(c, Vec.NM);
  const f = c.fpu;
  const la = ea(c, i, 512, 1);
  if ((la & 15) !== 0) fault(c, Vec.GP, 0);
  for (let k = 0; k < 512; k++) img[k] = c.m.read8(la + k); // reserved and available bytes stay as they were
  const wide = (i.rex & 8) !== 0;
  put16(0, f.cw); put16(2, f.status());
  let abridged = 0;
  for (let r = 0; r < 8; r++) if (f.tag[r] !== Tag.EMPTY) abridged |= 1 << r;
  img[4] = abridged; img[5] = 0;
  put16(6, f.fop & 0x7ff);
  if (wide) {
    putAddr64(8, f.fip); putAddr64(16, f.fdp);
  } else {
    put32(8, f.fip); put16(12, f.fcs); put16(14, 0);
    put32(16, f.fdp); put16(20, f.fds); put16(22, 0);
  }
  put32(24, f.mxcsr); put32(28, MXCSR_MASK);
  for (let k = 0; k < 8; k++) {
    getStRaw(f, k, v80);
    f80ToBytes(v80, img, 32 + 16 * k);
    for (let b = 10; b < 16; b++) img[32 + 16 * k + b] = 0;
  }
  const nXmm = c.s.codeSize === CodeSize.Bits64 ? 16 : 8;
  img.set(f.xmm.subarray(0, nXmm * 16), 160);
  writeImg(c, la, 160 + nXmm * 16);
}

/** 0F AE /1 FXRSTOR (REX.W: FXRSTOR64). */
export function fxrstor(c: Cpu, i: Insn): void {
  if ((c.s.cr0 & (CR0.EM | CR0.TS)) !== 0) fault(c, Vec.NM);
  const f = c.fpu;
  const la = ea(c, i, 512, 0);
  if ((la & 15) !== 0) fault(c, Vec.GP, 0);
  readImg(c, la, 512);
  const mx = get32(24);
  if ((mx & ~MXCSR_MASK) !== 0) fault(c, Vec.GP, 0);
  const wide = (i.rex & 8) !== 0;
  f.cw = (get16(0) & 0x1f3f) | 0x40;
  f.setStatus(get16(2));
  f.sw = (f.sw & FSW.ES) !== 0 ? f.sw | FSW.B : f.sw & ~FSW.B;
  f.fop = get16(6) & 0x7ff;
  if (wide) { f.fip = getAddr64(8); f.fdp = getAddr64(16); }
  else { f.fip = get32(8); f.fdp = get32(16); } // FCS and FDS are deprecated (stored as 0)
  f.mxcsr = mx;
  const abridged = img[4]!;
  for (let k = 0; k < 8; k++) {
    f80FromBytes(img, 32 + 16 * k, v80);
    setStRaw(f, k, v80.se, v80.hi, v80.lo);
  }
  for (let r = 0; r < 8; r++) if (((abridged >> r) & 1) === 0) { f.tag[r] = Tag.EMPTY; f.rawOk[r] = 0; }
  const nXmm = c.s.codeSize === CodeSize.Bits64 ? 16 : 8;
  f.xmm.set(img.subarray(160, 160 + nXmm * 16), 0);
}

function putAddr64(at: number, a: number): void {
  put32(at, a >>> 0);
  put32(at + 4, Math.floor(a / 4294967296) >>> 0);
}

function getAddr64(at: number): number {
  const hi = get32(at + 4) | 0;
  return hi * 4294967296 + get32(at);
}
