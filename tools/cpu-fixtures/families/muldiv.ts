/**
 * Multiply and divide: mul and imul (one-operand, with full double-width
 * products up to 128 bits), imul r,r/m and imul r,r/m,imm8/imm32, div and
 * idiv (up to 128/64) with exact quotients at the edges, divide by zero and
 * quotient overflow (#DE).
 */
import type { Mode } from '../layout.js';
import { Case, type CaseSpec, mask, type Width, widthsOf } from '../spec.js';
import { pairs, type Rng } from '../values.js';
import { AF, ALL_STATUS, DATA_PTR, type Family, type GenContext, memRef, PF, SF, SIZE_KW, twoRegs, ZF } from './common.js';

const MUL_UNDEF = SF | ZF | AF | PF;
const ACC: Record<Width, [string, string]> = { 8: ['al', 'ah'], 16: ['ax', 'dx'], 32: ['eax', 'edx'], 64: ['rax', 'rdx'] };

/** A divisor operand register that is neither half of the dividend. */
function divisorReg(mode: Mode, w: Width, k: number): string {
  const choices = { 8: mode === 64 ? ['bl', 'cl', 'sil', 'r9b'] : ['bl', 'cl', 'ch', 'dh'], 16: ['bx', 'cx', 'si'], 32: ['ebx', 'ecx', 'edi'], 64: ['rbx', 'rcx', 'r10'] }[w];
  return choices[k % choices.length]!;
}

interface Division {
  hi: bigint;
  lo: bigint;
  d: bigint;
}

/**
 * Dividends built from a chosen quotient q and remainder r (|r| < |d|, with
 * the dividend's sign, since idiv truncates toward zero), so the largest and
 * smallest quotients that fit, and zero, are all exercised without #DE.
 */
function exactDivisions(w: Width, signed: boolean, rng: Rng): Division[] {
  const W = BigInt(w);
  const max = signed ? (1n << (W - 1n)) - 1n : mask(w);
  const min = signed ? -(1n << (W - 1n)) : 0n;
  const divisors = signed ? [1n, -1n, 2n, -2n, 3n, 7n, -10n, max, min] : [1n, 2n, 3n, 10n, max, max - 1n];
  for (let i = 0; i < 12; i++) divisors.push(signed ? BigInt.asIntN(w, rng.value(w)) : rng.value(w));
  const limit = 1n << (2n * W);
  const out: Division[] = [];
  for (const d of divisors.filter((x) => x !== 0n)) {
    const absD = d < 0n ? -d : d;
    const random = signed ? BigInt.asIntN(w, rng.value(w)) : rng.value(w);
    for (const q of [max, min, 0n, 1n, signed ? -1n : 2n, random]) {
      const product = q * d;
      const r = rng.value(w) % absD;
      const dividend = product < 0n ? product - r : product + r;
      const v = ((dividend % limit) + limit) % limit;
      out.push({ hi: v >> W, lo: v & mask(w), d: d & mask(w) });
    }
  }
  return out;
}

export const muldiv: Family = {
  name: 'muldiv',
  covers: 'mul imul(1/2/3 operands) div idiv: all sizes, 128-bit products and dividends, #DE',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    for (const w of widthsOf(mode)) {
      const [lo, hi] = ACC[w];
      const kw = SIZE_KW[w];
      for (const op of ['mul', 'imul'] as const) {
        for (const [a, b] of pairs(w, rng, 30)) {
          const s = divisorReg(mode, w, k++);
          out.push(new Case(mode, `${op} r${w}`, `${op} ${s}`).set(lo, a).set(s, b).flags(rng.status()).undefined(MUL_UNDEF).spec());
        }
        for (let i = 0; i < 4; i++) {
          const c = new Case(mode, `${op} m${w}`, '').set(lo, rng.value(w)).store(DATA_PTR, rng.value(w), w / 8).flags(rng.status());
          out.push({ ...c.undefined(MUL_UNDEF).spec(), asm: `${op} ${kw} ${memRef(c, k++, DATA_PTR, [lo, hi])}` });
        }
      }
      if (w !== 8) {
        for (const [a, b] of pairs(w, rng, 20)) {
          const [d, s] = twoRegs(mode, w, k++);
          out.push(new Case(mode, `imul r${w}, r${w}`, `imul ${d}, ${s}`).set(d, a).set(s, b).flags(rng.status()).undefined(MUL_UNDEF).spec());
        }
        for (let i = 0; i < 12; i++) {
          const [d, s] = twoRegs(mode, w, k++);
          const small = i % 2 === 0;
          const v = small ? BigInt(rng.below(256)) - 128n : BigInt.asIntN(Math.min(w, 32), rng.value(Math.min(w, 32) as Width));
          const c = new Case(mode, `imul r${w}, r${w}, ${small ? 'imm8' : `imm${Math.min(w, 32)}`}`, `imul ${d}, ${s}, ${v}`);
          out.push(c.set(s, rng.pick([rng.value(w), mask(w), 1n << BigInt(w - 1)])).flags(rng.status()).undefined(MUL_UNDEF).spec());
        }
        for (let i = 0; i < 4; i++) {
          const [d] = twoRegs(mode, w, k++);
          const c = new Case(mode, `imul r${w}, m${w}`, '').set(d, rng.value(w)).store(DATA_PTR, rng.value(w), w / 8).flags(rng.status());
          out.push({ ...c.undefined(MUL_UNDEF).spec(), asm: `imul ${d}, ${kw} ${memRef(c, k++, DATA_PTR, [d])}` });
        }
      }
      for (const op of ['div', 'idiv'] as const) {
        const divs = exactDivisions(w, op === 'idiv', rng);
        // overflowing quotients and division by zero raise #DE
        for (let i = 0; i < 10; i++) divs.push({ hi: rng.value(w), lo: rng.value(w), d: rng.value(w) });
        divs.push({ hi: 0n, lo: 5n, d: 0n }, { hi: mask(w), lo: 0n, d: 0n });
        if (op === 'idiv') divs.push({ hi: mask(w), lo: 1n << BigInt(w - 1), d: mask(w) }, { hi: 0n, lo: 1n << BigInt(w - 1), d: 1n });
        else divs.push({ hi: 1n, lo: 0n, d: 1n }, { hi: mask(w) - 1n, lo: mask(w), d: mask(w) });
        divs.forEach(({ hi: h, lo: l, d }, i) => {
          const s = divisorReg(mode, w, k++);
          const c = new Case(mode, `${op} r${w}`, `${op} ${s}`).set(s, d).flags(rng.status()).undefined(ALL_STATUS);
          if (w === 8) c.set('ax', (h << 8n) | l);
          else c.set(hi, h).set(lo, l);
          out.push(c.spec());
          if (i % 8 === 0) {
            const m = new Case(mode, `${op} m${w}`, '').store(DATA_PTR, d, w / 8).flags(rng.status()).undefined(ALL_STATUS);
            if (w === 8) m.set('ax', (h << 8n) | l);
            else m.set(hi, h).set(lo, l);
            out.push({ ...m.spec(), asm: `${op} ${kw} ${memRef(m, k++, DATA_PTR, [lo, hi])}` });
          }
        });
      }
    }
    return out;
  },
};
