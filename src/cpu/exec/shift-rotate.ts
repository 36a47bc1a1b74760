/**
 * Shifts and rotates: ROL ROR RCL RCR SHL SHR SAR (C0/C1/D0-D3) and
 * SHLD/SHRD. Counts are masked to 5 bits (6 for 64-bit operands); a masked
 * count of 0 changes nothing, not even flags. Undefined flags follow the
 * profile in README.md (AF = 0; OF of multi-bit shifts computed as for 1).
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../decoder/insn.js';
import { getCF, K, materialize, PARITY, setArithFlags, setLazy, setLazy64, SIZE_MASK } from '../flags.js';
import { F } from '../state.js';
import { ea, getReg, readMem, setReg, writeMem } from './operands.js';
import { bit64, out, sar64, shl64, shr64 } from './int64.js';

const BITS = [8, 16, 32, 64] as const;

/** The shift count: 1 (D0/D1), CL (D2/D3: imm2 = 1) or imm8 (C0/C1). */
function count(c: Cpu, i: Insn): number {
  const raw = i.imm2 === 1 ? c.lo[1]! : i.opc >= 0xd0 ? 1 : i.imm;
  return raw & (i.osz === 3 ? 0x3f : 0x1f);
}

/** Set CF and OF only (rotates keep the other flags). */
function setCfOf(c: Cpu, cf: number, of: number): void {
  materialize(c);
  c.s.flags = (c.s.flags & ~(F.CF | F.OF)) | (cf & 1) | ((of & 1) << 11);
}

/** Group 2: sub = ModRM.reg. */
export function shiftGroup(c: Cpu, i: Insn): void {
  const n = count(c, i);
  if (n === 0) {
    if (i.mod !== 3) readMem(c, ea(c, i, 1 << i.osz, 1), i.osz); // the operand is still read (and may fault)
    else if (i.osz === 2) c.hi[i.rm] = 0; // a 32-bit register is still written: zero-extended
    return;
  }
  const sz = i.osz;
  const la = i.mod === 3 ? 0 : ea(c, i, 1 << sz, 1);
  if (sz === 3) return shift64(c, i, la, n);
  const a = i.mod === 3 ? getReg(c, sz, i.rm) : readMem(c, la, sz);
  const bits = BITS[sz]!;
  const mask = SIZE_MASK[sz]!;
  const msb = bits - 1;
  let r: number;
  switch (i.sub) {
    case 0: { // ROL
      const k = n & msb;
      r = k === 0 ? a : ((a << k) | ((a & mask) >>> (bits - k))) & mask;
      store(c, i, la, sz, r);
      const cf = r & 1;
      setCfOf(c, cf, ((r >>> msb) & 1) ^ cf);
      return;
    }
    case 1: { // ROR
      const k = n & msb;
      r = k === 0 ? a : (((a & mask) >>> k) | (a << (bits - k))) & mask;
      store(c, i, la, sz, r);
      const cf = (r >>> msb) & 1;
      setCfOf(c, cf, cf ^ ((r >>> (msb - 1)) & 1));
      return;
    }
    case 2: { // RCL
      const k = sz === 2 ? n : n % (bits + 1);
      let cf = getCF(c);
      r = a & mask;
      for (let j = 0; j < k; j++) { const out = (r >>> msb) & 1; r = ((r << 1) | cf) & mask; cf = out; }
      store(c, i, la, sz, r);
      setCfOf(c, cf, ((r >>> msb) & 1) ^ cf);
      return;
    }
    case 3: { // RCR
      const k = sz === 2 ? n : n % (bits + 1);
      let cf = getCF(c);
      r = a & mask;
      for (let j = 0; j < k; j++) { const out = r & 1; r = ((r >>> 1) | (cf << msb)) & mask; cf = out; }
      store(c, i, la, sz, r);
      setCfOf(c, cf, ((r >>> msb) ^ (r >>> (msb - 1))) & 1);
      return;
    }
    case 4: case 6: { // SHL/SAL
      r = n >= 32 ? 0 : (a << n) & mask;
      const cf = n > bits ? 0 : (a >>> (bits - n)) & 1;
      store(c, i, la, sz, r);
      setLazy(c, K.SHL, sz, a & mask, n, r);
      c.lf[7] = cf;
      return;
    }
    case 5: { // SHR
      const am = a & mask;
      r = am >>> n;
      const cf = (am >>> (n - 1)) & 1;
      store(c, i, la, sz, r);
      setLazy(c, K.SHR, sz, am, n, r);
      c.lf[7] = cf;
      return;
    }
    default: { // SAR
      const sa = (a << (32 - bits)) >> (32 - bits);
      r = (sa >> (n > 31 ? 31 : n)) & mask;
      const cf = (sa >> (n - 1 > 31 ? 31 : n - 1)) & 1;
      store(c, i, la, sz, r);
      setLazy(c, K.SAR, sz, a & mask, n, r);
      c.lf[7] = cf;
    }
  }
}

/** SHL/SHR/SAR r32, imm8 (C1 /4 /5 /7 with a register): the common compiled-code form. */
export function shift32RegImm(c: Cpu, i: Insn): void {
  const n = i.imm & 0x1f;
  if (n === 0) { c.hi[i.rm] = 0; return; } // still written: zero-extended to 64 bits
  const a = c.lo[i.rm]!;
  let r: number, cf: number, kind: number;
  if (i.sub === 5) { r = a >>> n; cf = (a >>> (n - 1)) & 1; kind = K.SHR; }
  else if (i.sub === 7) { r = a >> n; cf = (a >> (n - 1)) & 1; kind = K.SAR; }
  else { r = a << n; cf = (a >>> (32 - n)) & 1; kind = K.SHL; }
  c.lo[i.rm] = r; c.hi[i.rm] = 0;
  const lf = c.lf;
  lf[0] = (kind << 2) | 2; lf[1] = r; lf[2] = a; lf[3] = n; lf[7] = cf;
}

/** SHL/SHR/SAR r64, imm8 (REX.W C1 /4 /5 /7 with a register). */
export function shift64RegImm(c: Cpu, i: Insn): void {
  const n = i.imm & 0x3f;
  if (n === 0) return;
  const al = c.lo[i.rm]!, ah = c.hi[i.rm]!;
  let rl: number, cf: number, kind: number;
  if (i.sub === 5) { rl = shr64(al, ah, n); cf = bit64(al, ah, n - 1); kind = K.SHR; }
  else if (i.sub === 7) { rl = sar64(al, ah, n); cf = bit64(al, ah, n - 1); kind = K.SAR; }
  else { rl = shl64(al, ah, n); cf = bit64(al, ah, 64 - n); kind = K.SHL; }
  const rh = out.hi;
  c.lo[i.rm] = rl; c.hi[i.rm] = rh;
  setLazy64(c, kind, al, ah, n, 0, rl, rh);
  c.lf[7] = cf;
}

function store(c: Cpu, i: Insn, la: number, sz: number, v: number): void {
  if (i.mod === 3) setReg(c, sz, i.rm, v, 0); else writeMem(c, la, sz, v, 0);
}

function store64(c: Cpu, i: Insn, la: number, lo: number, hi: number): void {
  if (i.mod === 3) { c.lo[i.rm] = lo; c.hi[i.rm] = hi; } else c.m.write64(la, lo, hi);
}

function shift64(c: Cpu, i: Insn, la: number, n: number): void {
  const al = i.mod === 3 ? c.lo[i.rm]! : c.m.read64(la);
  const ah = i.mod === 3 ? c.hi[i.rm]! : c.m.hi;
  let rl: number, rh: number;
  switch (i.sub) {
    case 0: case 1: { // ROL ROR
      const left = i.sub === 0 ? n : (64 - n) & 63;
      const l1 = shl64(al, ah, left), h1 = out.hi;
      const l2 = shr64(al, ah, (64 - left) & 63), h2 = out.hi;
      rl = left === 0 ? al : l1 | l2; rh = left === 0 ? ah : h1 | h2;
      store64(c, i, la, rl, rh);
      if (i.sub === 0) { const cf = rl & 1; setCfOf(c, cf, (rh >>> 31) ^ cf); }
      else { const cf = rh >>> 31; setCfOf(c, cf, cf ^ ((rh >>> 30) & 1)); }
      return;
    }
    case 2: case 3: { // RCL RCR, one bit at a time
      let cf = getCF(c);
      rl = al; rh = ah;
      for (let j = 0; j < n; j++) {
        if (i.sub === 2) { const o = rh >>> 31; rh = (rh << 1) | (rl >>> 31); rl = (rl << 1) | cf; cf = o; }
        else { const o = rl & 1; rl = (rl >>> 1) | (rh << 31); rh = (rh >>> 1) | (cf << 31); cf = o; }
      }
      store64(c, i, la, rl, rh);
      setCfOf(c, cf, i.sub === 2 ? (rh >>> 31) ^ cf : ((rh >>> 31) ^ (rh >>> 30)) & 1);
      return;
    }
    case 4: case 6: {
      rl = shl64(al, ah, n); rh = out.hi;
      store64(c, i, la, rl, rh);
      setLazy64(c, K.SHL, al, ah, n, 0, rl, rh);
      c.lf[7] = bit64(al, ah, 64 - n);
      return;
    }
    case 5: {
      rl = shr64(al, ah, n); rh = out.hi;
      store64(c, i, la, rl, rh);
      setLazy64(c, K.SHR, al, ah, n, 0, rl, rh);
      c.lf[7] = bit64(al, ah, n - 1);
      return;
    }
    default: {
      rl = sar64(al, ah, n); rh = out.hi;
      store64(c, i, la, rl, rh);
      setLazy64(c, K.SAR, al, ah, n, 0, rl, rh);
      c.lf[7] = bit64(al, ah, n - 1);
    }
  }
}

/** Flags of a double shift: SZP from the result, CF, OF, AF = 0. */
function doubleShiftFlags(c: Cpu, sz: number, r: number, rh: number, cf: number, of: number): void {
  const bits = BITS[sz]!;
  const zf = sz === 3 ? (r | rh) === 0 : (r & SIZE_MASK[sz]!) === 0;
  const sf = sz === 3 ? rh >>> 31 : (r >>> (bits - 1)) & 1;
  setArithFlags(c, (cf & 1) | PARITY[r & 0xff]! | (zf ? F.ZF : 0) | (sf ? F.SF : 0) | ((of & 1) << 11));
}

/** SHLD (0F A4/A5) and SHRD (0F AC/AD): sub = 0 left, 1 right; imm2 = 1 for the CL forms. */
export function shiftDouble(c: Cpu, i: Insn): void {
  const sz = i.osz;
  const n = (i.imm2 === 1 ? c.lo[1]! : i.imm) & (sz === 3 ? 0x3f : 0x1f);
  const la = i.mod === 3 ? 0 : ea(c, i, 1 << sz, 1);
  const a = i.mod === 3 ? getReg(c, sz, i.rm) : readMem(c, la, sz);
  const ah = i.mod === 3 ? c.hi[i.rm]! : c.m.hi;
  if (n === 0) {
    if (i.mod === 3 && sz === 2) c.hi[i.rm] = 0; // a 32-bit register is still written: zero-extended
    return;
  }
  const b = getReg(c, sz, i.reg);
  const bh = c.hi[i.reg]!;
  const left = i.sub === 0;
  if (sz === 3) {
    let rl: number, rh: number, cf: number;
    if (left) {
      const l1 = shl64(a, ah, n), h1 = out.hi; const l2 = shr64(b, bh, 64 - n), h2 = out.hi;
      rl = l1 | (n === 0 ? 0 : l2); rh = h1 | h2; cf = bit64(a, ah, 64 - n);
    } else {
      const l1 = shr64(a, ah, n), h1 = out.hi; const l2 = shl64(b, bh, 64 - n), h2 = out.hi;
      rl = l1 | l2; rh = h1 | h2; cf = bit64(a, ah, n - 1);
    }
    store64(c, i, la, rl, rh);
    doubleShiftFlags(c, 3, rl, rh, cf, ((rh ^ ah) >>> 31) & 1);
    return;
  }
  let r: number, cf: number;
  if (sz === 2) {
    if (left) { r = (a << n) | (b >>> (32 - n)); cf = (a >>> (32 - n)) & 1; }
    else { r = (a >>> n) | (b << (32 - n)); cf = (a >>> (n - 1)) & 1; }
  } else {
    // 16-bit: shift the 32-bit concatenation (counts above 16 give Intel's undefined-but-consistent result, as Bochs).
    if (left) {
      let t = ((a & 0xffff) << 16) | (b & 0xffff);
      const tt = n > 16 ? ((t << n) | ((a & 0xffff) << (n - 16))) : t << n;
      cf = n > 16 ? (b >>> (32 - n)) & 1 : (a >>> (16 - n)) & 1;
      if (n > 16) cf = ((b & 0xffff) >>> (32 - n)) & 1;
      t = tt;
      r = (t >>> 16) & 0xffff;
    } else {
      const t = ((b & 0xffff) << 16) | (a & 0xffff);
      let tt = t >>> n;
      if (n > 16) tt |= (a & 0xffff) << (32 - n);
      r = tt & 0xffff;
      cf = (t >>> (n - 1)) & 1;
    }
  }
  const bits = BITS[sz]!;
  store(c, i, la, sz, r & SIZE_MASK[sz]!);
  doubleShiftFlags(c, sz, r, 0, cf, ((r ^ a) >>> (bits - 1)) & 1);
}
