/**
 * One-operand arithmetic: inc dec neg not on registers and memory (with
 * LOCK), in every size, including the 0x40-0x4f short forms of 32-bit code
 * and the FF /0 and FF /1 register forms there.
 */
import { Case, type CaseSpec, widthsOf } from '../spec.js';
import { edges } from '../values.js';
import { DATA_PTR, type Family, type GenContext, memRef, oneReg, SIZE_KW } from './common.js';

const OPS = ['inc', 'dec', 'neg', 'not'] as const;

export const unary: Family = {
  name: 'unary',
  covers: 'inc dec neg not: register, memory, LOCK, short and long forms',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    for (const op of OPS) {
      for (const w of widthsOf(mode)) {
        const values = [...edges(w), ...Array.from({ length: 14 }, () => rng.value(w))];
        for (const v of values) {
          const r = oneReg(mode, w, k++);
          out.push(new Case(mode, `${op} r${w}`, `${op} ${r}`).set(r, v).flags(rng.status()).spec());
        }
        for (let i = 0; i < 6; i++) {
          const v = i < 3 ? values[rng.below(values.length)]! : rng.value(w);
          const lock = i % 2 === 1 ? 'lock ' : '';
          const c = new Case(mode, `${lock}${op} m${w}`, '').store(DATA_PTR, v, w / 8).flags(rng.status());
          out.push({ ...c.spec(), asm: `${lock}${op} ${SIZE_KW[w]} ${memRef(c, k++, DATA_PTR)}` });
        }
      }
      if (mode !== 64 && (op === 'inc' || op === 'dec')) {
        // the long form the assembler never picks for a register in 32-bit code
        const ext = op === 'inc' ? 0 : 1;
        for (const v of [0x7fffffffn, 0xffffffffn, 0n, rng.value(32)]) {
          const rm = rng.below(8) === 4 ? 0 : rng.below(8) || 1;
          const names = mode === 16 ? ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] : ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
          const c = new Case(mode, `${op} r/m${mode} (FF /${ext})`, `db 0xff, 0x${(0xc0 | (ext << 3) | rm).toString(16)}`).set(names[rm]!, v).flags(rng.status());
          out.push(c.spec());
        }
      }
    }
    return out;
  },
};
