/**
 * A deliberately small reference CPU for the harness self-test: register and
 * immediate forms of add or adc sbb and sub xor cmp test inc dec neg not,
 * the shifts and rotates, mul/imul/div/idiv, bt/bts/btr/btc, bsf bsr tzcnt
 * lzcnt popcnt, cmovcc/setcc, and the decimal adjustments (daa das aaa aas
 * aam aad), decoded with iced-x86 and computed from the manuals' flag
 * definitions, nothing more. It proves without the real software CPU that
 * the fixtures agree with the architecture's definitions, that the
 * undefined-flag masks cover exactly what the definitions leave open (a flag
 * the model computes by definition must match the hardware), and that the
 * replay harness reports a wrong flag.
 */
import { Code, ConditionCode, Decoder, DecoderOptions, Mnemonic, OpKind, Register } from 'iced-x86';
import { regRef, type Width } from '../../tools/cpu-fixtures/spec.js';
import { CODE_BASE, codeBase, FLAG, GPRS, type Mode } from '../../tools/cpu-fixtures/layout.js';
import type { FixtureCpu, FixtureRunOutcome } from './fixture-runner.js';

const SUPPORTED = new Set<Mnemonic>([
  Mnemonic.Add, Mnemonic.Or, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Sub, Mnemonic.Xor, Mnemonic.Cmp, Mnemonic.Test,
  Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not,
  Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr,
  Mnemonic.Mul, Mnemonic.Imul, Mnemonic.Div, Mnemonic.Idiv,
  Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc, Mnemonic.Bsf, Mnemonic.Bsr, Mnemonic.Tzcnt, Mnemonic.Lzcnt, Mnemonic.Popcnt,
  Mnemonic.Daa, Mnemonic.Das, Mnemonic.Aaa, Mnemonic.Aas, Mnemonic.Aam, Mnemonic.Aad,
  Mnemonic.Cmova, Mnemonic.Cmovae, Mnemonic.Cmovb, Mnemonic.Cmovbe, Mnemonic.Cmove, Mnemonic.Cmovg, Mnemonic.Cmovge, Mnemonic.Cmovl,
  Mnemonic.Cmovle, Mnemonic.Cmovne, Mnemonic.Cmovno, Mnemonic.Cmovnp, Mnemonic.Cmovns, Mnemonic.Cmovo, Mnemonic.Cmovp, Mnemonic.Cmovs,
  Mnemonic.Seta, Mnemonic.Setae, Mnemonic.Setb, Mnemonic.Setbe, Mnemonic.Sete, Mnemonic.Setg, Mnemonic.Setge, Mnemonic.Setl,
  Mnemonic.Setle, Mnemonic.Setne, Mnemonic.Setno, Mnemonic.Setnp, Mnemonic.Setns, Mnemonic.Seto, Mnemonic.Setp, Mnemonic.Sets,
]);
const BCD = new Set<Mnemonic>([Mnemonic.Daa, Mnemonic.Das, Mnemonic.Aaa, Mnemonic.Aas, Mnemonic.Aam, Mnemonic.Aad]);

/** Accumulator halves of a one-operand mul/div by width: [low, high] as (gpr, shift). */
const ACC: Record<Width, [[number, bigint], [number, bigint]]> = {
  8: [[0, 0n], [0, 8n]],
  16: [[0, 0n], [2, 0n]],
  32: [[0, 0n], [2, 0n]],
  64: [[0, 0n], [2, 0n]],
};

export interface ModelOptions {
  /** Compute AF wrongly after this mnemonic (to check the harness notices, or the mask hides it). */
  breakAfAfter?: Mnemonic;
}

interface Operand {
  kind: 'reg' | 'imm';
  gpr: number;
  shift: bigint;
  width: Width;
  imm: bigint;
}

function regOperand(r: Register): Operand {
  const name = Register[r]!.toLowerCase().replace(/^(r\d+)l$/, '$1b');
  const ref = regRef(name);
  return { kind: 'reg', gpr: GPRS.indexOf(ref.gpr), shift: ref.shift, width: ref.width, imm: 0n };
}

function parity(v: bigint): boolean {
  let b = Number(v & 0xffn);
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  return (b & 1) === 0;
}

/** True when every instruction of the snippet is one the model implements. */
export function modelSupports(mode: Mode, code: Uint8Array): boolean {
  const d = new Decoder(mode, code, DecoderOptions.None);
  while (d.canDecode) {
    const i = d.decode();
    if (i.code === Code.INVALID) return true; // the model raises #UD like the hardware
    if (!SUPPORTED.has(i.mnemonic)) return false;
    for (let k = 0; k < i.opCount; k++) {
      const kind = i.opKind(k);
      if (kind !== OpKind.Register && kind !== OpKind.Immediate8 && kind !== OpKind.Immediate16 && kind !== OpKind.Immediate32 &&
        kind !== OpKind.Immediate8to16 && kind !== OpKind.Immediate8to32 && kind !== OpKind.Immediate8to64 && kind !== OpKind.Immediate32to64) return false;
    }
  }
  return true;
}

export class ReferenceModel implements FixtureCpu {
  private readonly mem = new Uint8Array(1 << 20);
  private readonly regs: bigint[] = new Array<bigint>(16).fill(0n);
  private rflags = 0n;

  constructor(private readonly mode: Mode, private readonly options: ModelOptions = {}) {}

  writeMemory(addr: number, bytes: Uint8Array): void {
    this.mem.set(bytes, addr);
  }
  readMemory(addr: number, length: number): Uint8Array {
    return this.mem.slice(addr, addr + length);
  }
  setGpr(index: number, value: bigint): void {
    this.regs[index] = value;
  }
  getGpr(index: number): bigint {
    return this.regs[index]!;
  }
  setRflags(value: bigint): void {
    this.rflags = value;
  }
  getRflags(): bigint {
    return this.rflags;
  }

  run(start: bigint, end: bigint, maxInstructions: number): FixtureRunOutcome {
    let ip = start;
    for (let n = 0; n < maxInstructions; n++) {
      if (ip === end) return { kind: 'done' };
      const linear = Number(ip) + CODE_BASE - codeBase(this.mode);
      const d = new Decoder(this.mode, this.mem.subarray(linear, linear + 15), DecoderOptions.None);
      d.ip = ip;
      const i = d.decode();
      if (i.code === Code.INVALID) return { kind: 'exception', vector: 6 };
      const ops: Operand[] = [];
      for (let k = 0; k < i.opCount; k++) {
        ops.push(i.opKind(k) === OpKind.Register ? regOperand(i.opRegister(k)) : { kind: 'imm', gpr: -1, shift: 0n, width: 64, imm: i.immediate(k) });
      }
      if (i.conditionCode !== ConditionCode.None) this.conditional(i.mnemonic, i.conditionCode, ops);
      else if (BCD.has(i.mnemonic)) {
        if (!this.decimal(i.mnemonic, ops[0] ? this.read(ops[0], 8) : 10n)) return { kind: 'exception', vector: 0 };
      } else if (!this.execute(i.mnemonic, ops)) return { kind: 'exception', vector: 0 };
      ip += BigInt(i.length);
    }
    return { kind: 'stuck', rip: ip };
  }

  private read(o: Operand, w: Width): bigint {
    const m = (1n << BigInt(w)) - 1n;
    return o.kind === 'imm' ? o.imm & m : (this.regs[o.gpr]! >> o.shift) & m;
  }

  private write(o: Operand, v: bigint): void {
    const m = (1n << BigInt(o.width)) - 1n;
    if (o.width === 32 && this.mode === 64) {
      this.regs[o.gpr] = v & m;
      return;
    }
    const full = this.regs[o.gpr]!;
    this.regs[o.gpr] = (full & ~(m << o.shift)) | ((v & m) << o.shift);
  }

  private setFlags(mn: Mnemonic, w: Width, r: bigint, cf: boolean, of: boolean, af: boolean): void {
    const m = (1n << BigInt(w)) - 1n;
    const res = r & m;
    if (this.options.breakAfAfter === mn) af = !af;
    let f = this.rflags & ~BigInt(FLAG.CF | FLAG.PF | FLAG.AF | FLAG.ZF | FLAG.SF | FLAG.OF);
    if (cf) f |= BigInt(FLAG.CF);
    if (parity(res)) f |= BigInt(FLAG.PF);
    if (af) f |= BigInt(FLAG.AF);
    if (res === 0n) f |= BigInt(FLAG.ZF);
    if ((res >> BigInt(w - 1)) & 1n) f |= BigInt(FLAG.SF);
    if (of) f |= BigInt(FLAG.OF);
    this.rflags = f;
  }

  private flag(bit: number): boolean {
    return (this.rflags & BigInt(bit)) !== 0n;
  }

  private putFlag(bit: number, on: boolean): void {
    this.rflags = on ? this.rflags | BigInt(bit) : this.rflags & ~BigInt(bit);
  }

  /** SF, ZF and PF from a result. */
  private szp(w: Width, r: bigint): void {
    const m = (1n << BigInt(w)) - 1n;
    const res = r & m;
    this.putFlag(FLAG.SF, ((res >> BigInt(w - 1)) & 1n) === 1n);
    this.putFlag(FLAG.ZF, res === 0n);
    this.putFlag(FLAG.PF, parity(res));
  }

  /** Returns false when the instruction raises #DE. */
  private execute(mn: Mnemonic, ops: Operand[]): boolean {
    switch (mn) {
      case Mnemonic.Shl: case Mnemonic.Sal: case Mnemonic.Shr: case Mnemonic.Sar:
      case Mnemonic.Rol: case Mnemonic.Ror: case Mnemonic.Rcl: case Mnemonic.Rcr:
        this.shift(mn, ops);
        return true;
      case Mnemonic.Mul: case Mnemonic.Imul: case Mnemonic.Div: case Mnemonic.Idiv:
        return this.mulDiv(mn, ops);
      case Mnemonic.Bt: case Mnemonic.Bts: case Mnemonic.Btr: case Mnemonic.Btc:
      case Mnemonic.Bsf: case Mnemonic.Bsr: case Mnemonic.Tzcnt: case Mnemonic.Lzcnt: case Mnemonic.Popcnt:
        this.bits(mn, ops);
        return true;
      default:
        this.arith(mn, ops);
        return true;
    }
  }

  private holds(cc: ConditionCode): boolean {
    const cf = this.flag(FLAG.CF);
    const zf = this.flag(FLAG.ZF);
    const sf = this.flag(FLAG.SF);
    const of = this.flag(FLAG.OF);
    const pf = this.flag(FLAG.PF);
    switch (cc) {
      case ConditionCode.o: return of;
      case ConditionCode.no: return !of;
      case ConditionCode.b: return cf;
      case ConditionCode.ae: return !cf;
      case ConditionCode.e: return zf;
      case ConditionCode.ne: return !zf;
      case ConditionCode.be: return cf || zf;
      case ConditionCode.a: return !cf && !zf;
      case ConditionCode.s: return sf;
      case ConditionCode.ns: return !sf;
      case ConditionCode.p: return pf;
      case ConditionCode.np: return !pf;
      case ConditionCode.l: return sf !== of;
      case ConditionCode.ge: return sf === of;
      case ConditionCode.le: return zf || sf !== of;
      case ConditionCode.g: return !zf && sf === of;
      default: throw new Error(`reference model: condition ${cc}`);
    }
  }

  /** cmovcc (a 32-bit destination is written, so zero-extended, even when false) and setcc. */
  private conditional(mn: Mnemonic, cc: ConditionCode, ops: Operand[]): void {
    const dst = ops[0]!;
    const taken = this.holds(cc);
    if (Mnemonic[mn]!.startsWith('Set')) this.write(dst, taken ? 1n : 0n);
    else this.write(dst, this.read(taken ? ops[1]! : dst, dst.width));
  }

  /** daa das aaa aas aam aad on AL/AH; false when aam divides by zero. */
  private decimal(mn: Mnemonic, base: bigint): boolean {
    let al = this.regs[0]! & 0xffn;
    let ah = (this.regs[0]! >> 8n) & 0xffn;
    const af = this.flag(FLAG.AF);
    const cf = this.flag(FLAG.CF);
    switch (mn) {
      case Mnemonic.Daa: case Mnemonic.Das: {
        const old = al;
        const sign = mn === Mnemonic.Daa ? 1n : -1n;
        let carry = false;
        if ((al & 0xfn) > 9n || af) {
          const v = al + sign * 6n;
          carry = v < 0n || v > 0xffn;
          al = v & 0xffn;
          this.putFlag(FLAG.AF, true);
        } else this.putFlag(FLAG.AF, false);
        if (old > 0x99n || cf) {
          al = (al + sign * 0x60n) & 0xffn;
          this.putFlag(FLAG.CF, true);
        } else {
          // only a borrow from the low adjustment can be left here (DAS); DAA cannot carry below 0x9a
          this.putFlag(FLAG.CF, carry);
        }
        this.szp(8, al);
        break;
      }
      case Mnemonic.Aaa: case Mnemonic.Aas: {
        if ((al & 0xfn) > 9n || af) {
          const ax = ((ah << 8n) | al) + (mn === Mnemonic.Aaa ? 0x106n : -0x106n);
          ah = (ax >> 8n) & 0xffn;
          al = ax & 0xffn;
          this.putFlag(FLAG.AF, true);
          this.putFlag(FLAG.CF, true);
        } else {
          this.putFlag(FLAG.AF, false);
          this.putFlag(FLAG.CF, false);
        }
        al &= 0xfn;
        break;
      }
      case Mnemonic.Aam:
        if (base === 0n) return false;
        ah = al / base;
        al = al % base;
        this.szp(8, al);
        break;
      case Mnemonic.Aad:
        al = (al + ah * base) & 0xffn;
        ah = 0n;
        this.szp(8, al);
        break;
    }
    this.regs[0] = (this.regs[0]! & ~0xffffn) | (ah << 8n) | al;
    return true;
  }

  private shift(mn: Mnemonic, ops: Operand[]): void {
    const dst = ops[0]!;
    const w = dst.width;
    const W = BigInt(w);
    const m = (1n << W) - 1n;
    const a = this.read(dst, w);
    const masked = Number(this.read(ops[1]!, 8) & (w === 64 ? 63n : 31n));
    const msb = (v: bigint): boolean => ((v >> (W - 1n)) & 1n) === 1n;
    if (masked === 0) {
      this.write(dst, a);
      return;
    }
    const c = BigInt(masked);
    let r = a;
    switch (mn) {
      case Mnemonic.Shl: case Mnemonic.Sal:
        r = (a << c) & m;
        this.putFlag(FLAG.CF, c <= W && ((a >> (W - c)) & 1n) === 1n);
        this.putFlag(FLAG.OF, msb(r) !== this.flag(FLAG.CF));
        this.szp(w, r);
        break;
      case Mnemonic.Shr:
        r = a >> c;
        this.putFlag(FLAG.CF, ((a >> (c - 1n)) & 1n) === 1n);
        this.putFlag(FLAG.OF, msb(a));
        this.szp(w, r);
        break;
      case Mnemonic.Sar: {
        const s = BigInt.asIntN(w, a);
        r = (s >> c) & m;
        this.putFlag(FLAG.CF, ((s >> (c - 1n)) & 1n) === 1n);
        this.putFlag(FLAG.OF, false);
        this.szp(w, r);
        break;
      }
      case Mnemonic.Rol: {
        const k = c % W;
        r = ((a << k) | (a >> ((W - k) % W))) & m;
        this.putFlag(FLAG.CF, (r & 1n) === 1n);
        this.putFlag(FLAG.OF, msb(r) !== this.flag(FLAG.CF));
        break;
      }
      case Mnemonic.Ror: {
        const k = c % W;
        r = ((a >> k) | (a << ((W - k) % W))) & m;
        this.putFlag(FLAG.CF, msb(r));
        this.putFlag(FLAG.OF, msb(r) !== (((r >> (W - 2n)) & 1n) === 1n));
        break;
      }
      case Mnemonic.Rcl: case Mnemonic.Rcr: {
        // rotate the w+1-bit value CF:dest
        const k = w === 8 ? c % 9n : w === 16 ? c % 17n : c;
        const cfIn = this.flag(FLAG.CF) ? 1n : 0n;
        const wide = (cfIn << W) | a;
        const M = (1n << (W + 1n)) - 1n;
        const rot = mn === Mnemonic.Rcl ? ((wide << k) | (wide >> ((W + 1n - k) % (W + 1n)))) & M : ((wide >> k) | (wide << ((W + 1n - k) % (W + 1n)))) & M;
        r = rot & m;
        if (mn === Mnemonic.Rcr) this.putFlag(FLAG.OF, msb(a) !== (cfIn === 1n));
        this.putFlag(FLAG.CF, ((rot >> W) & 1n) === 1n);
        if (mn === Mnemonic.Rcl) this.putFlag(FLAG.OF, msb(r) !== this.flag(FLAG.CF));
        break;
      }
    }
    this.write(dst, r);
  }

  private accRead(w: Width, half: 0 | 1): bigint {
    const [g, sh] = ACC[w][half];
    return (this.regs[g]! >> sh) & ((1n << BigInt(w)) - 1n);
  }

  private accWrite(w: Width, half: 0 | 1, v: bigint): void {
    const [g, sh] = ACC[w][half];
    this.write({ kind: 'reg', gpr: g, shift: sh, width: w, imm: 0n }, v);
  }

  private mulDiv(mn: Mnemonic, ops: Operand[]): boolean {
    const w = ops[0]!.width;
    const W = BigInt(w);
    const m = (1n << W) - 1n;
    const signed = mn === Mnemonic.Imul || mn === Mnemonic.Idiv;
    const val = (v: bigint): bigint => (signed ? BigInt.asIntN(w, v) : v);
    if (mn === Mnemonic.Imul && ops.length > 1) {
      // imul r, r/m[, imm]: the truncated product; CF=OF when it does not fit
      const x = BigInt.asIntN(w, this.read(ops[ops.length === 3 ? 1 : 0]!, w));
      const y = BigInt.asIntN(w, this.read(ops[ops.length === 3 ? 2 : 1]!, w));
      const p = x * y;
      const fits = BigInt.asIntN(w, p) === p;
      this.putFlag(FLAG.CF, !fits);
      this.putFlag(FLAG.OF, !fits);
      this.write(ops[0]!, p & m);
      return true;
    }
    const src = val(this.read(ops[0]!, w));
    if (mn === Mnemonic.Mul || mn === Mnemonic.Imul) {
      const p = val(this.accRead(w, 0)) * src;
      const lo = p & m;
      const hi = (p >> W) & m;
      const fits = signed ? BigInt.asIntN(w, lo) === p : hi === 0n;
      this.putFlag(FLAG.CF, !fits);
      this.putFlag(FLAG.OF, !fits);
      if (w === 8) {
        this.write({ kind: 'reg', gpr: 0, shift: 0n, width: 16, imm: 0n }, p & 0xffffn);
      } else {
        this.accWrite(w, 0, lo);
        this.accWrite(w, 1, hi);
      }
      return true;
    }
    const dividend = w === 8 ? val16(this.regs[0]! & 0xffffn, signed) : joinHalves(this.accRead(w, 1), this.accRead(w, 0), W, signed);
    if (src === 0n) return false;
    const q = dividend / src; // BigInt division truncates toward zero, like idiv
    const rem = dividend - q * src;
    if (signed ? BigInt.asIntN(w, q) !== q : q > m) return false;
    this.accWrite(w, 0, q & m);
    this.accWrite(w, 1, rem & m);
    return true;
  }

  private bits(mn: Mnemonic, ops: Operand[]): void {
    const dst = ops[0]!;
    const w = dst.width;
    const W = BigInt(w);
    const a = this.read(dst, w);
    const b = this.read(ops[1]!, w);
    switch (mn) {
      case Mnemonic.Bt: case Mnemonic.Bts: case Mnemonic.Btr: case Mnemonic.Btc: {
        const bit = 1n << (b & (W - 1n));
        this.putFlag(FLAG.CF, (a & bit) !== 0n);
        if (mn === Mnemonic.Bts) this.write(dst, a | bit);
        if (mn === Mnemonic.Btr) this.write(dst, a & ~bit);
        if (mn === Mnemonic.Btc) this.write(dst, a ^ bit);
        return;
      }
      case Mnemonic.Bsf: case Mnemonic.Bsr:
        this.putFlag(FLAG.ZF, b === 0n);
        if (b !== 0n) this.write(dst, BigInt(mn === Mnemonic.Bsf ? lowestBit(b) : b.toString(2).length - 1));
        return;
      case Mnemonic.Tzcnt: case Mnemonic.Lzcnt: {
        const n = b === 0n ? W : BigInt(mn === Mnemonic.Tzcnt ? lowestBit(b) : w - b.toString(2).length);
        this.putFlag(FLAG.CF, b === 0n);
        this.putFlag(FLAG.ZF, n === 0n);
        this.write(dst, n);
        return;
      }
      case Mnemonic.Popcnt: {
        const n = BigInt([...b.toString(2)].filter((x) => x === '1').length);
        for (const f of [FLAG.CF, FLAG.OF, FLAG.SF, FLAG.AF, FLAG.PF]) this.putFlag(f, false);
        this.putFlag(FLAG.ZF, b === 0n);
        this.write(dst, n);
        return;
      }
    }
  }

  private arith(mn: Mnemonic, ops: Operand[]): void {
    const dst = ops[0]!;
    const w = dst.width;
    const m = (1n << BigInt(w)) - 1n;
    const sign = 1n << BigInt(w - 1);
    const a = this.read(dst, w);
    const b = ops[1] ? this.read(ops[1], w) : 0n;
    const cin = this.rflags & BigInt(FLAG.CF) ? 1n : 0n;
    const addFlags = (x: bigint, y: bigint, c: bigint): bigint => {
      const r = x + y + c;
      this.setFlags(mn, w, r, r > m, ((x ^ r) & (y ^ r) & sign) !== 0n, ((x ^ y ^ r) & 0x10n) !== 0n);
      return r & m;
    };
    const subFlags = (x: bigint, y: bigint, c: bigint): bigint => {
      const r = (x - y - c) & m;
      this.setFlags(mn, w, r, x < y + c, ((x ^ y) & (x ^ r) & sign) !== 0n, ((x ^ y ^ r) & 0x10n) !== 0n);
      return r;
    };
    const logic = (r: bigint): bigint => {
      this.setFlags(mn, w, r, false, false, false);
      return r;
    };
    const keepCf = (f: () => bigint): bigint => {
      const saved = this.rflags & BigInt(FLAG.CF);
      const r = f();
      this.rflags = (this.rflags & ~BigInt(FLAG.CF)) | saved;
      return r;
    };
    switch (mn) {
      case Mnemonic.Add: return this.write(dst, addFlags(a, b, 0n));
      case Mnemonic.Adc: return this.write(dst, addFlags(a, b, cin));
      case Mnemonic.Sub: return this.write(dst, subFlags(a, b, 0n));
      case Mnemonic.Sbb: return this.write(dst, subFlags(a, b, cin));
      case Mnemonic.Cmp: subFlags(a, b, 0n); return;
      case Mnemonic.And: return this.write(dst, logic(a & b));
      case Mnemonic.Or: return this.write(dst, logic(a | b));
      case Mnemonic.Xor: return this.write(dst, logic(a ^ b));
      case Mnemonic.Test: logic(a & b); return;
      case Mnemonic.Inc: return this.write(dst, keepCf(() => addFlags(a, 1n, 0n)));
      case Mnemonic.Dec: return this.write(dst, keepCf(() => subFlags(a, 1n, 0n)));
      case Mnemonic.Neg: {
        const r = subFlags(0n, a, 0n);
        return this.write(dst, r);
      }
      case Mnemonic.Not: return this.write(dst, ~a & m);
      default: throw new Error(`reference model: unsupported ${Mnemonic[mn]}`);
    }
  }
}

function lowestBit(v: bigint): number {
  let n = 0;
  while (((v >> BigInt(n)) & 1n) === 0n) n++;
  return n;
}

function val16(v: bigint, signed: boolean): bigint {
  return signed ? BigInt.asIntN(16, v) : v;
}

function joinHalves(hi: bigint, lo: bigint, W: bigint, signed: boolean): bigint {
  const v = (hi << W) | lo;
  return signed ? BigInt.asIntN(Number(W) * 2, v) : v;
}
