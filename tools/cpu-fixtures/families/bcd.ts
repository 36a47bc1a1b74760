/**
 * Decimal arithmetic in 32-bit code: daa das aaa aas over every AL with
 * each AF/CF input, aam and aad with several bases (base 0: #DE for aam).
 * All six are #UD in 64-bit code.
 */
import { Case, type CaseSpec } from '../spec.js';
import { AF, CF, type Family, type GenContext, OF, PF, SF, ZF } from './common.js';

const UNDEF: Record<string, number> = {
  daa: OF,
  das: OF,
  aaa: OF | SF | ZF | PF,
  aas: OF | SF | ZF | PF,
  aam: OF | AF | CF,
  aad: OF | AF | CF,
};

export const bcd: Family = {
  name: 'bcd',
  covers: 'daa das aaa aas (every AL x AF x CF) aam aad (bases incl. 0): 32-bit; #UD in 64-bit',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    if (mode === 64) {
      for (const [op, bytes] of [['daa', '0x27'], ['das', '0x2f'], ['aaa', '0x37'], ['aas', '0x3f'], ['aam', '0xd4, 10'], ['aad', '0xd5, 10']] as const) {
        out.push(new Case(mode, `${op} (#UD in 64-bit)`, `db ${bytes}`).set('al', rng.bits(8)).flags(rng.status()).spec());
      }
      return out;
    }
    for (const op of ['daa', 'das', 'aaa', 'aas']) {
      for (let al = 0; al < 256; al++) {
        for (const fl of [0, AF, CF, AF | CF]) {
          const other = rng.status() & ~(AF | CF);
          out.push(new Case(mode, op, op).set('al', BigInt(al)).set('ah', rng.bits(8)).flags(other | fl).undefined(UNDEF[op]!).spec());
        }
      }
    }
    for (const op of ['aam', 'aad']) {
      for (const base of [10, 16, 1, 7, 255, 0]) {
        for (let i = 0; i < 40; i++) {
          const al = i < 8 ? [0, 9, 10, 99, 100, 127, 128, 255][i]! : rng.below(256);
          out.push(new Case(mode, `${op} ${base}`, `${op} ${base}`).set('al', BigInt(al)).set('ah', rng.bits(8)).flags(rng.status()).undefined(UNDEF[op]!).spec());
          if (base === 0 && i >= 3) break;
        }
      }
    }
    return out;
  },
};
