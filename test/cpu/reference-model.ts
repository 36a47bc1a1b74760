/**
 * A deliberately tiny reference CPU for the harness self-test: register and
 * immediate forms of add or adc sbb and sub xor cmp test inc dec neg not,
 * decoded with iced-x86 and computed from the textbook flag definitions.
 * It proves three things without the real software CPU: the fixtures agree
 * with the architecture's definitions, the undefined-flag masks cover what
 * the definitions leave open, and the replay harness reports a wrong flag.
 */
import { Code, Decoder, DecoderOptions, Mnemonic, OpKind, Register } from 'iced-x86';
import { regRef, type Width } from '../../tools/cpu-fixtures/spec.js';
import { CODE_BASE, codeBase, FLAG, GPRS, type Mode } from '../../tools/cpu-fixtures/layout.js';
import type { FixtureCpu, FixtureRunOutcome } from './fixture-runner.js';

const SUPPORTED = new Set<Mnemonic>([
  Mnemonic.Add, Mnemonic.Or, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Sub, Mnemonic.Xor, Mnemonic.Cmp, Mnemonic.Test,
  Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not,
]);

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
      this.execute(i.mnemonic, ops);
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

  private execute(mn: Mnemonic, ops: Operand[]): void {
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
