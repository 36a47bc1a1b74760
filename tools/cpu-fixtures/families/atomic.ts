/**
 * Compare-and-exchange and exchange-and-add: cmpxchg (all sizes, register
 * and memory, equal and unequal, LOCK), cmpxchg8b, cmpxchg16b (aligned, and
 * misaligned: #GP), xadd (register, memory, LOCK).
 */
import { Case, type CaseSpec, widthsOf } from '../spec.js';
import { pairs } from '../values.js';
import { DATA_PTR, type Family, type GenContext, memRef, offsetOf, SIZE_KW, twoRegs } from './common.js';

const ACC = { 8: 'al', 16: 'ax', 32: 'eax', 64: 'rax' } as const;

function notAcc(r: string): boolean {
  return !/^(al|ah|ax|eax|rax)$/.test(r);
}

export const atomic: Family = {
  name: 'atomic',
  covers: 'cmpxchg cmpxchg8b cmpxchg16b xadd: register and memory, LOCK, equal/unequal, #GP on misaligned cmpxchg16b',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    for (const w of widthsOf(mode)) {
      const kw = SIZE_KW[w];
      const regs = (): [string, string] => {
        for (;;) {
          const [d, s] = twoRegs(mode, w, k++);
          if (notAcc(d) && notAcc(s)) return [d, s];
        }
      };
      for (let i = 0; i < 10; i++) {
        const [d, s] = regs();
        const v = rng.value(w);
        const equal = i % 2 === 0;
        const c = new Case(mode, `cmpxchg r${w}, r${w} (${equal ? 'equal' : 'unequal'})`, `cmpxchg ${d}, ${s}`).set(d, v).set(s, rng.value(w)).set(ACC[w], equal ? v : rng.value(w)).flags(rng.status());
        out.push(c.spec());
      }
      for (let i = 0; i < 6; i++) {
        const [, s] = regs();
        const v = rng.value(w);
        const equal = i % 2 === 0;
        const lock = i >= 2 ? 'lock ' : '';
        const c = new Case(mode, `${lock}cmpxchg m${w}, r${w} (${equal ? 'equal' : 'unequal'})`, '').set(s, rng.value(w)).set(ACC[w], equal ? v : rng.value(w)).store(DATA_PTR, v, w / 8).flags(rng.status());
        out.push({ ...c.spec(), asm: `${lock}cmpxchg ${kw} ${memRef(c, k, DATA_PTR, [s, ACC[w]])}, ${s}` });
      }
      // cmpxchg with the accumulator as the destination compares it with itself
      out.push(new Case(mode, `cmpxchg ${ACC[w]}, r${w}`, `cmpxchg ${ACC[w]}, ${regs()[1]}`).set(ACC[w], rng.value(w)).flags(rng.status()).spec());
      for (const [a, b] of pairs(w, rng, 4).filter((_, i) => i % 3 === 0)) {
        const [d, s] = twoRegs(mode, w, k++);
        out.push(new Case(mode, `xadd r${w}, r${w}`, `xadd ${d}, ${s}`).set(d, a).set(s, b).flags(rng.status()).spec());
      }
      for (let i = 0; i < 4; i++) {
        const [, s] = twoRegs(mode, w, k++);
        const lock = i % 2 ? 'lock ' : '';
        const c = new Case(mode, `${lock}xadd m${w}, r${w}`, '').set(s, rng.value(w)).store(DATA_PTR, rng.value(w), w / 8).flags(rng.status());
        out.push({ ...c.spec(), asm: `${lock}xadd ${kw} ${memRef(c, k, DATA_PTR, [s])}, ${s}` });
      }
      // xadd with the same register as both operands
      const [r] = twoRegs(mode, w, k++);
      out.push(new Case(mode, `xadd r${w}, same`, `xadd ${r}, ${r}`).set(r, rng.value(w)).flags(rng.status()).spec());
    }
    // cmpxchg8b / cmpxchg16b: edx:eax against memory; ecx:ebx stored when equal
    const wide: [string, number, string[]][] = [['cmpxchg8b', 32, ['eax', 'edx', 'ebx', 'ecx']]];
    if (mode === 64) wide.push(['cmpxchg16b', 64, ['rax', 'rdx', 'rbx', 'rcx']]);
    for (const [op, half, [lo, hi, nlo, nhi]] of wide) {
      const hw = half as 32 | 64;
      for (let i = 0; i < 8; i++) {
        const equal = i % 2 === 0;
        const mlo = rng.value(hw);
        const mhi = rng.value(hw);
        const c = new Case(mode, `${i >= 4 ? 'lock ' : ''}${op} (${equal ? 'equal' : 'unequal'})`, '')
          .set(lo!, equal ? mlo : rng.value(hw)).set(hi!, equal || i % 4 === 1 ? mhi : rng.value(hw)).set(nlo!, rng.value(hw)).set(nhi!, rng.value(hw))
          .store(DATA_PTR, mlo, hw / 8).store(DATA_PTR + hw / 8, mhi, hw / 8).flags(rng.status());
        const base = mode === 64 ? 'rsi' : 'esi';
        c.set(base, offsetOf(mode, DATA_PTR));
        out.push({ ...c.spec(), asm: `${i >= 4 ? 'lock ' : ''}${op} [${base}]` });
      }
      if (op === 'cmpxchg16b') {
        const c = new Case(mode, 'cmpxchg16b misaligned (#GP)', 'cmpxchg16b [rsi]').set('rsi', BigInt(DATA_PTR + 8)).flags(rng.status());
        out.push(c.spec());
      }
      // a register operand is #UD
      out.push(new Case(mode, `${op} register (#UD)`, `db ${op === 'cmpxchg16b' ? '0x48, ' : ''}0x0f, 0xc7, 0xc8`).flags(rng.status()).spec());
    }
    return out;
  },
};
