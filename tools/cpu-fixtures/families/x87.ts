/**
 * The x87 FPU (32- and 64-bit code). Every snippet starts with FNINIT (the
 * runner reuses one process), sets the control word, loads its operands
 * from memory, runs the instruction, then stores the status word and the
 * stack as 80-bit values, so the whole result is in the data window.
 *
 * The software CPU computes in float64 (src/cpu/README.md, "x87"). So the
 * arithmetic cases run with precision control = double (CW 0x027f), where
 * the hardware rounds significands to 53 bits as float64 does and must
 * match bit for bit, flags included; a second set runs with extended
 * precision (CW 0x037f) and compares each result within 2^11 units in the
 * last place (the 11 significand bits a double lacks), with PE and C1 of
 * the status word masked. Transcendental results (FSIN, FPATAN...) are
 * compared within 2^13 ulps. Values stay inside the double's exponent
 * range (the 80-bit range beyond it is not modelled).
 */
import { DATA_PTR, type Family, type GenContext, offsetOf } from './common.js';
import { Case, type CaseSpec } from '../spec.js';
import type { Mode } from '../layout.js';
import type { Rng } from '../values.js';

const IN = DATA_PTR;            // operands: a +0, b +0x10, c +0x20; control word +0x30
const OUT = DATA_PTR + 0x100;   // status word +0, ST(0) +0x10, ST(1) +0x20, extra stores +0x30..
const FXSAVE_AREA = DATA_PTR - 0x400; // 16-byte aligned, 512 bytes
const CW_DOUBLE = 0x027f, CW_EXTENDED = 0x037f;
/** Status-word bits a float64 model cannot reproduce at extended precision: PE and C1. */
const SW_ROUNDING = 0x0220n;

/** A finite double with a moderate exponent, as raw bits. */
function randomDouble(rng: Rng, expRange = 40): bigint {
  const sign = rng.bool() ? 1n : 0n;
  const e = BigInt(1023 - expRange + rng.below(2 * expRange + 1));
  return (sign << 63n) | (e << 52n) | (rng.bits(64) & 0xfffffffffffffn);
}

function doubleBits(x: number): bigint {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x, true);
  return b.getBigUint64(0, true);
}

const SPECIAL_DOUBLES: readonly bigint[] = [
  0n, 1n << 63n, doubleBits(1), doubleBits(-2.5), doubleBits(Infinity), doubleBits(-Infinity),
  0x7ff8000000000000n, 0xfff8000000001234n, 0x7ff4000000000001n /* SNaN */, 0x000fffffffffffffn /* denormal */,
  doubleBits(3), doubleBits(0.1),
];

/** An 80-bit value (se, significand) with a full 64-bit significand. */
function randomF80(rng: Rng): bigint {
  const sign = rng.bool() ? 1n : 0n;
  const e = BigInt(16383 - 40 + rng.below(81));
  return (((sign << 15n) | e) << 64n) | (1n << 63n) | (rng.bits(64) & ((1n << 63n) - 1n));
}

class X87Case {
  readonly c: Case;
  readonly body: string[] = ['fninit'];
  constructor(readonly mode: Mode, name: string) {
    this.c = new Case(mode, name, '');
    this.c.set(this.b, offsetOf(mode, IN));
  }
  get b(): string { return this.mode === 64 ? 'rbx' : 'ebx'; }
  /** [base + linear - IN] */
  at(addr: number): string {
    const d = addr - IN;
    return `[${this.b}${d < 0 ? '-' : '+'}0x${Math.abs(d).toString(16)}]`;
  }
  cw(v: number): this { this.c.store(IN + 0x30, BigInt(v), 2); this.body.push(`fldcw ${this.at(IN + 0x30)}`); return this; }
  put(addr: number, v: bigint, bytes: number): this { this.c.store(addr, v, bytes); return this; }
  op(...lines: string[]): this { this.body.push(...lines); return this; }
  /** Store the status word and pop `n` registers as 80-bit values. */
  results(n = 2): this {
    this.body.push(`fnstsw ${this.at(OUT)}`);
    for (let k = 0; k < n; k++) this.body.push(`fstp tword ${this.at(OUT + 0x10 * (k + 1))}`);
    return this;
  }
  extended(bits = 11, regs = 1): this {
    this.c.undefinedMem(OUT, SW_ROUNDING, 2);
    for (let k = 0; k < regs; k++) this.c.approximate(OUT + 0x10 * (k + 1), bits);
    return this;
  }
  spec(flags: number): CaseSpec {
    this.c.flags(flags);
    return { ...this.c.spec(), asm: this.body.join('\n') };
  }
}

const ARITH = ['add', 'mul', 'sub', 'subr', 'div', 'divr'] as const;

export const x87: Family = {
  name: 'x87',
  covers: 'x87: loads/stores (m32 m64 m80 m16int m32int m64int bcd), constants, arithmetic in every form, compares, FXAM, FCMOV, rounding control, FPREM/FSCALE/FXTRACT/FSQRT/FRNDINT, stack faults, FSTENV/FSAVE/FXSAVE images, #MF',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    if (mode === 16) return [];
    const out: CaseSpec[] = [];
    const X = (name: string): X87Case => new X87Case(mode, name);
    const a = IN, b = IN + 0x10;
    // No double denormals in arithmetic: the hardware's wider exponent keeps their products normal.
    const ARITH_SPECIALS = SPECIAL_DOUBLES.filter((d) => d !== 0x000fffffffffffffn);
    const special = (): bigint => ARITH_SPECIALS[rng.below(ARITH_SPECIALS.length)]!;
    const pick = (): bigint => (rng.below(4) === 0 ? special() : randomDouble(rng));

    // arithmetic: every form, precision control double (exact) and extended (approximate)
    for (const op of ARITH) {
      for (let k = 0; k < 10; k++) {
        const ext = k >= 7;
        const cw = ext ? CW_EXTENDED : CW_DOUBLE;
        const va = k === 0 ? special() : randomDouble(rng), vb = ext ? randomDouble(rng) : pick();
        const fin = (x: X87Case): CaseSpec => (ext ? x.extended(11, 2) : x).spec(rng.status());
        out.push(fin(X(`f${op} m64fp`).cw(cw).put(a, va, 8).put(b, vb, 8).op(`fld qword ${X(op).at(a)}`, `f${op} qword [${mode === 64 ? 'rbx' : 'ebx'}+0x10]`).results(1)));
        out.push(fin(X(`f${op} m32fp`).cw(cw).put(a, va, 8).put(b, rng.bits(32), 4).op(`fld qword [${mode === 64 ? 'rbx' : 'ebx'}]`, `f${op} dword [${mode === 64 ? 'rbx' : 'ebx'}+0x10]`).results(1)));
        out.push(fin(X(`fi${op} m32int`).cw(cw).put(a, va, 8).put(b, rng.bits(32), 4).op(`fld qword [${mode === 64 ? 'rbx' : 'ebx'}]`, `fi${op} dword [${mode === 64 ? 'rbx' : 'ebx'}+0x10]`).results(1)));
        out.push(fin(X(`fi${op} m16int`).cw(cw).put(a, va, 8).put(b, rng.bits(16), 2).op(`fld qword [${mode === 64 ? 'rbx' : 'ebx'}]`, `fi${op} word [${mode === 64 ? 'rbx' : 'ebx'}+0x10]`).results(1)));
        const load2 = [`fld qword [${mode === 64 ? 'rbx' : 'ebx'}+0x10]`, `fld qword [${mode === 64 ? 'rbx' : 'ebx'}]`];
        out.push(fin(X(`f${op} st0, st1`).cw(cw).put(a, va, 8).put(b, vb, 8).op(...load2, `f${op} st0, st1`).results(2)));
        out.push(fin(X(`f${op} st1, st0`).cw(cw).put(a, va, 8).put(b, vb, 8).op(...load2, `f${op} st1, st0`).results(2)));
        out.push(fin(X(`f${op}p st1, st0`).cw(cw).put(a, va, 8).put(b, vb, 8).op(...load2, `f${op}p st1, st0`).results(1)));
      }
    }
    // square root, rounding to an integer, scaling, remainders, extraction, sign operations
    const unaryOps: [string, number][] = [['fsqrt', CW_DOUBLE], ['fabs', CW_EXTENDED], ['fchs', CW_EXTENDED], ['fxtract', CW_EXTENDED], ['ftst', CW_EXTENDED], ['fxam', CW_EXTENDED]];
    for (const [op, cw] of unaryOps) {
      for (let k = 0; k < 10; k++) {
        const v = k < 4 ? SPECIAL_DOUBLES[(k * 3 + op.length) % SPECIAL_DOUBLES.length]! : op === 'fsqrt' && k < 8 ? randomDouble(rng) & ~(1n << 63n) : randomDouble(rng);
        out.push(X(`${op}`).cw(cw).put(a, v, 8).op(`fld qword ${X(op).at(a)}`, op).results(2).spec(rng.status()));
      }
    }
    for (let k = 0; k < 24; k++) {
      const rc = k % 4;
      const v = k < 4 ? doubleBits([2.5, -2.5, 3.5, -0.4][k]!) : randomDouble(rng, 8);
      out.push(X(`frndint (RC=${rc})`).cw(CW_EXTENDED | (rc << 10)).put(a, v, 8).op(`fld qword ${X('').at(a)}`, 'frndint').results(1).spec(rng.status()));
      out.push(X(`fistp m32int (RC=${rc})`).cw(CW_EXTENDED | (rc << 10)).put(a, v, 8).op(`fld qword ${X('').at(a)}`, `fistp dword ${X('').at(OUT + 0x30)}`).results(0).spec(rng.status()));
    }
    for (let k = 0; k < 8; k++) {
      const v = k === 0 ? doubleBits(40000) : k === 1 ? doubleBits(-32768.4) : k === 2 ? doubleBits(Infinity) : randomDouble(rng, 70);
      out.push(X('fistp m16int').cw(CW_EXTENDED).put(a, v, 8).op(`fld qword ${X('').at(a)}`, `fistp word ${X('').at(OUT + 0x30)}`).results(0).spec(rng.status()));
      out.push(X('fistp m64int').cw(CW_EXTENDED).put(a, v, 8).op(`fld qword ${X('').at(a)}`, `fistp qword ${X('').at(OUT + 0x30)}`).results(0).spec(rng.status()));
      out.push(X('fist m32int').cw(CW_EXTENDED).put(a, v, 8).op(`fld qword ${X('').at(a)}`, `fist dword ${X('').at(OUT + 0x30)}`).results(1).spec(rng.status()));
    }
    for (let k = 0; k < 12; k++) {
      const x = randomDouble(rng, 20), y = k < 2 ? doubleBits(k === 0 ? 0 : Infinity) : randomDouble(rng, 20);
      for (const op of ['fprem', 'fprem1', 'fscale']) {
        out.push(X(op).cw(CW_EXTENDED).put(a, x, 8).put(b, op === 'fscale' ? doubleBits(rng.below(60) - 30 + 0.5) : y, 8)
          .op(`fld qword ${X('').at(b)}`, `fld qword ${X('').at(a)}`, op).results(2).spec(rng.status()));
      }
    }
    // loads and stores: every format, NaN payloads, denormals, stack order
    for (let k = 0; k < 16; k++) {
      const d = k < SPECIAL_DOUBLES.length ? SPECIAL_DOUBLES[k]! : randomDouble(rng, 300);
      out.push(X('fld m64fp / fstp m32fp m64fp').cw(CW_EXTENDED).put(a, d, 8)
        .op(`fld qword ${X('').at(a)}`, `fst dword ${X('').at(OUT + 0x30)}`, `fst qword ${X('').at(OUT + 0x38)}`).results(1).spec(rng.status()));
      const f32 = k < 8 ? [0n, 0x80000000n, 0x7f800000n, 0x7fc00001n, 0x7f800001n, 0x00000001n, 0x3f800000n, 0xff7fffffn][k]! : rng.bits(32);
      out.push(X('fld m32fp').cw(CW_EXTENDED).put(a, f32, 4).op(`fld dword ${X('').at(a)}`).results(1).spec(rng.status()));
      const f80 = k < 4 ? [0x7fffc000000000000001n, 0xffff8000000000000000n, 0x00000000000000000001n, 0x3fff4000000000000000n /* unnormal */][k]! : randomF80(rng);
      out.push(X('fld m80fp / fst m64fp / fstp m80fp').cw(CW_EXTENDED).put(a, f80, 10)
        .op(`fld tword ${X('').at(a)}`, `fst qword ${X('').at(OUT + 0x30)}`, `fld st0`, `fxch st1`).results(2).spec(rng.status()));
      out.push(X('fild m64int / fistp m64int').cw(CW_EXTENDED).put(a, rng.bits(64), 8)
        .op(`fild qword ${X('').at(a)}`, `fld st0`, `fistp qword ${X('').at(OUT + 0x30)}`).results(1).spec(rng.status()));
      out.push(X('fild m16int m32int').cw(CW_EXTENDED).put(a, rng.bits(16), 2).put(b, rng.bits(32), 4)
        .op(`fild word ${X('').at(a)}`, `fild dword ${X('').at(b)}`).results(2).spec(rng.status()));
    }
    for (let k = 0; k < 6; k++) {
      const bcd = k === 0 ? 0x80000000000000000012n : BigInt(`0x${Array.from({ length: 18 }, () => rng.below(10)).join('')}`) | (rng.bool() ? 1n << 79n : 0n);
      out.push(X('fbld / fbstp').cw(CW_EXTENDED).put(a, bcd, 10).op(`fbld ${X('').at(a)}`, `fld st0`, `fbstp ${X('').at(OUT + 0x30)}`).results(1).spec(rng.status()));
    }
    for (let rc = 0; rc < 4; rc++) {
      out.push(X(`constants (RC=${rc})`).cw(CW_EXTENDED | (rc << 10))
        .op('fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz').results(7).spec(rng.status()));
    }
    // compares: condition codes and EFLAGS
    for (let k = 0; k < 14; k++) {
      const x = k < 6 ? [0n, doubleBits(1), 0x7ff8000000000000n, 0x7ff4000000000001n, doubleBits(-Infinity), doubleBits(3)][k]! : randomDouble(rng, 3);
      const y = k % 3 === 0 ? x : k < 6 ? doubleBits(1) : randomDouble(rng, 3);
      const ld = [`fld qword ${X('').at(b)}`, `fld qword ${X('').at(a)}`];
      for (const cmp of ['fcom st1', 'fcomp st1', 'fcompp', 'fucom st1', 'fucomp st1', 'fucompp', 'fcomi st0, st1', 'fucomi st0, st1', 'fcomip st0, st1', 'fucomip st0, st1']) {
        out.push(X(cmp).cw(CW_EXTENDED).put(a, x, 8).put(b, y, 8).op(...ld, cmp).results(2).spec(rng.status()));
      }
      out.push(X('fcom m64fp').cw(CW_EXTENDED).put(a, x, 8).put(b, y, 8).op(`fld qword ${X('').at(a)}`, `fcom qword ${X('').at(b)}`).results(1).spec(rng.status()));
      out.push(X('ficomp m32int').cw(CW_EXTENDED).put(a, x, 8).put(b, BigInt(rng.below(4)), 4).op(`fld qword ${X('').at(a)}`, `ficomp dword ${X('').at(b)}`).results(1).spec(rng.status()));
    }
    for (const cc of ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu', 'fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu']) {
      for (let k = 0; k < 3; k++) {
        out.push(X(`${cc} st0, st1`).cw(CW_EXTENDED).put(a, randomDouble(rng), 8).put(b, randomDouble(rng), 8)
          .op(`fld qword ${X('').at(b)}`, `fld qword ${X('').at(a)}`, `${cc} st0, st1`).results(2).spec(rng.status()));
      }
    }
    // the stack: overflow, underflow, FXCH, FFREE, FINCSTP/FDECSTP
    out.push(X('stack overflow (masked)').cw(CW_EXTENDED).op(...Array<string>(9).fill('fld1')).results(2).spec(rng.status()));
    out.push(X('stack underflow (masked)').cw(CW_EXTENDED).op('fld1', 'fadd st0, st2').results(2).spec(rng.status()));
    out.push(X('fxch, ffree, fincstp, fdecstp').cw(CW_EXTENDED).put(a, randomDouble(rng), 8)
      .op('fldpi', `fld qword ${X('').at(a)}`, 'fxch st1', 'fld1', 'ffree st1', 'fincstp', 'fdecstp').results(3).spec(rng.status()));
    // transcendental functions: approximate
    for (const op of ['fsin', 'fcos', 'fptan', 'fsincos', 'f2xm1', 'fpatan', 'fyl2x', 'fyl2xp1']) {
      for (let k = 0; k < 4; k++) {
        // inside each instruction's domain (F2XM1: |x| <= 1; FYL2XP1: |x| < 1 - sqrt(2)/2)
        const x = doubleBits(op === 'f2xm1' ? rng.below(1000) / 1000 - 0.4 : op === 'fyl2xp1' ? rng.below(500) / 1000 - 0.25 : 0.25 + rng.below(3000) / 1000);
        const pushes = op === 'fptan' || op === 'fsincos' ? 2 : 1;
        out.push(X(op).cw(CW_EXTENDED).put(a, x, 8).put(b, doubleBits(1.5), 8).op(`fld qword ${X('').at(b)}`, `fld qword ${X('').at(a)}`, op)
          .results(pushes + (op === 'fpatan' || op === 'fyl2x' || op === 'fyl2xp1' ? 0 : 1)).extended(13, pushes).spec(rng.status()));
      }
    }
    // state images and the pending-exception machinery
    out.push(X('fnstenv').cw(0x0362).put(a, randomDouble(rng), 8).op(`fld qword ${X('').at(a)}`, 'fld1', `fnstenv ${X('').at(OUT + 0x30)}`, `fnstcw ${X('').at(OUT + 0x50)}`).results(2).spec(rng.status()));
    // Empty registers keep whatever earlier code left in them (FNINIT only tags them empty): their image bytes are not compared.
    const sv = X('fnsave / frstor').cw(CW_EXTENDED).put(a, randomF80(rng), 10).op(`fld tword ${X('').at(a)}`, 'fldpi', `fnsave ${X('').at(OUT + 0x30)}`, `frstor ${X('').at(OUT + 0x30)}`).results(2);
    sv.c.undefinedMem(OUT + 0x30 + 28 + 20, (1n << 480n) - 1n, 60);
    out.push(sv.spec(rng.status()));
    const fx = X('fxsave / fxrstor').cw(CW_EXTENDED).put(a, randomF80(rng), 10)
      .op(`fld tword ${X('').at(a)}`, 'fldz', `fxsave ${X('').at(FXSAVE_AREA)}`, 'fninit', `fxrstor ${X('').at(FXSAVE_AREA)}`).results(2);
    fx.c.undefinedMem(FXSAVE_AREA + 160, (1n << 2048n) - 1n, 256); // XMM0-15: whatever the host process holds
    fx.c.undefinedMem(FXSAVE_AREA + 32 + 2 * 16, (1n << 768n) - 1n, 96); // the empty registers
    out.push(fx.spec(rng.status()));
    out.push(X('unmasked divide by zero: #MF at the next waiting instruction').cw(0x037b).op('fld1', 'fldz', 'fdivp st1, st0', `fnstsw ${X('').at(OUT)}`, 'fwait').spec(rng.status()));
    out.push(X('unmasked invalid: #MF').cw(0x037e).op('fld1', 'fadd st0, st3', 'fld1').spec(rng.status()));
    out.push(X('fnclex clears a pending exception').cw(0x037b).op('fld1', 'fldz', 'fdivp st1, st0', 'fnclex', 'fwait').results(1).spec(rng.status()));
    return out;
  },
};
