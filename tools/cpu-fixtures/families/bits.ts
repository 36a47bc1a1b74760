/**
 * Bit instructions: bt bts btr btc with register and imm8 bit offsets on
 * registers and memory (memory offsets reach before and after the operand,
 * negative ones included; LOCK forms), bsf bsr (zero source: undefined
 * destination), and tzcnt lzcnt popcnt where the host advertises them.
 */
import { Case, type CaseSpec, mask, widthsOf } from '../spec.js';
import { edges } from '../values.js';
import { AF, CF, DATA_PTR, type Family, type GenContext, memRef, OF, PF, SF, SIZE_KW, twoRegs } from './common.js';

const BT = ['bt', 'bts', 'btr', 'btc'] as const;
const BT_UNDEF = OF | SF | AF | PF;

export const bits: Family = {
  name: 'bits',
  covers: 'bt bts btr btc (register/memory, register/imm8 offsets, negative memory offsets, LOCK); bsf bsr tzcnt lzcnt popcnt',
  generate({ mode, rng, features }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    const wide = widthsOf(mode).filter((w) => w !== 8);
    for (const op of BT) {
      for (const w of wide) {
        for (let i = 0; i < 24; i++) {
          const [d, s] = twoRegs(mode, w, k++);
          const off = i < 8 ? BigInt([0, 1, w - 1, w, w + 1, 2 * w - 1, -1, 255][i]!) : rng.value(w);
          out.push(new Case(mode, `${op} r${w}, r${w}`, `${op} ${d}, ${s}`).set(d, rng.value(w)).set(s, off & mask(w)).flags(rng.status()).undefined(BT_UNDEF).spec());
        }
        for (const off of [0, 1, 7, w - 1, w, w + 3, 127, 255]) {
          const [d] = twoRegs(mode, w, k++);
          out.push(new Case(mode, `${op} r${w}, imm8`, `${op} ${d}, ${off}`).set(d, rng.value(w)).flags(rng.status()).undefined(BT_UNDEF).spec());
        }
        // memory with a register bit offset: the operand address moves by offset >> 3 (signed)
        const offsets = [0, 1, w - 1, w, 8 * w + 5, -1, -w, -(w + 1), -100, 1000, -1000, 4000, -4000];
        offsets.forEach((off, i) => {
          const lock = op !== 'bt' && i % 3 === 2 ? 'lock ' : '';
          const [, s] = twoRegs(mode, w, k++);
          const c = new Case(mode, `${lock}${op} m${w}, r${w}`, '').set(s, BigInt(off) & mask(w)).flags(rng.status()).undefined(BT_UNDEF);
          const byte = DATA_PTR + Math.floor(off / 8);
          const at = byte - (byte % 8);
          c.store(at, rng.bits(64), 8).store(DATA_PTR, rng.bits(64), 8);
          out.push({ ...c.spec(), asm: `${lock}${op} ${SIZE_KW[w]} ${memRef(c, k, DATA_PTR, [s])}, ${s}` });
        });
        for (const off of [0, 5, w - 1, w + 2, 255]) {
          const c = new Case(mode, `${op} m${w}, imm8`, '').store(DATA_PTR, rng.bits(64), 8).flags(rng.status()).undefined(BT_UNDEF);
          out.push({ ...c.spec(), asm: `${op} ${SIZE_KW[w]} ${memRef(c, k++, DATA_PTR)}, ${off}` });
        }
      }
    }
    const scans: [string, number, boolean][] = [
      ['bsf', CF | OF | SF | AF | PF, true],
      ['bsr', CF | OF | SF | AF | PF, true],
      ['tzcnt', OF | SF | AF | PF, features.has('bmi1')],
      ['lzcnt', OF | SF | AF | PF, features.has('abm')],
      ['popcnt', 0, features.has('popcnt')],
    ];
    for (const [op, undef, available] of scans) {
      if (!available) continue;
      for (const w of wide) {
        const values: bigint[] = [0n, ...edges(w), ...Array.from({ length: 24 }, () => rng.value(w))];
        for (const v of values) {
          const [d, s] = twoRegs(mode, w, k++);
          const c = new Case(mode, `${op} r${w}, r${w}`, `${op} ${d}, ${s}`).set(s, v).flags(rng.status()).undefined(undef);
          // bsf/bsr leave the destination undefined for a zero source (Intel; AMD: unchanged)
          if (v === 0n && (op === 'bsf' || op === 'bsr')) c.undefined(0, d);
          out.push(c.spec());
        }
        for (const v of [0n, 1n << BigInt(w - 1), rng.value(w)]) {
          const [d] = twoRegs(mode, w, k++);
          const c = new Case(mode, `${op} r${w}, m${w}`, '').store(DATA_PTR, v, w / 8).flags(rng.status()).undefined(undef);
          if (v === 0n && (op === 'bsf' || op === 'bsr')) c.undefined(0, d);
          out.push({ ...c.spec(), asm: `${op} ${d}, ${SIZE_KW[w]} ${memRef(c, k, DATA_PTR, [d])}` });
        }
      }
    }
    return out;
  },
};

