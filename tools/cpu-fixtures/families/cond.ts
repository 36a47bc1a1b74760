/**
 * Condition codes: cmovcc (16/32/64, register and memory; a false 32-bit
 * cmov in 64-bit code still zero-extends), setcc (register and memory), jcc
 * (rel8 and rel32, taken and not), loop/loope/loopne and jcxz/jecxz/jrcxz in
 * each address size, all sixteen conditions under many flag states.
 */
import { Case, type CaseSpec, widthsOf } from '../spec.js';
import { CF, DATA_PTR, type Family, type GenContext, memRef, oneReg, SIZE_KW, twoRegs, ZF } from './common.js';

export const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;

export const cond: Family = {
  name: 'cond',
  covers: 'cmovcc setcc jcc (rel8/rel32) for all 16 conditions; loop loope loopne jcxz jecxz jrcxz in each address size',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    for (const cc of CONDITIONS) {
      for (const w of widthsOf(mode).filter((x) => x !== 8)) {
        for (let i = 0; i < 8; i++) {
          const [d, s] = twoRegs(mode, w, k++);
          out.push(new Case(mode, `cmov${cc} r${w}, r${w}`, `cmov${cc} ${d}, ${s}`).set(d, rng.value(w)).set(s, rng.value(w)).flags(rng.status()).spec());
        }
        for (let i = 0; i < 2; i++) {
          const [d] = twoRegs(mode, w, k++);
          const c = new Case(mode, `cmov${cc} r${w}, m${w}`, '').set(d, rng.value(w)).store(DATA_PTR, rng.value(w), w / 8).flags(rng.status());
          out.push({ ...c.spec(), asm: `cmov${cc} ${d}, ${SIZE_KW[w]} ${memRef(c, k, DATA_PTR, [d])}` });
        }
      }
      for (let i = 0; i < 8; i++) {
        const r = oneReg(mode, 8, k++);
        out.push(new Case(mode, `set${cc} r8`, `set${cc} ${r}`).set(r, rng.value(8)).flags(rng.status()).spec());
      }
      for (let i = 0; i < 2; i++) {
        const c = new Case(mode, `set${cc} m8`, '').flags(rng.status());
        out.push({ ...c.spec(), asm: `set${cc} byte ${memRef(c, k++, DATA_PTR)}` });
      }
      for (const dist of ['short', 'near'] as const) {
        for (let i = 0; i < 6; i++) {
          // taken: skips the mov; not taken: eax becomes 1
          const pad = dist === 'near' ? '\ntimes 130 nop' : '';
          const asm = `j${cc} ${dist} .t\nmov eax, 1${pad}\n.t:`;
          out.push(new Case(mode, `j${cc} rel${dist === 'short' ? 8 : 32}`, asm).flags(rng.status()).spec());
        }
      }
    }
    // loops: the body counts iterations in edx without touching flags
    const counters: [string, string][] = mode === 64 ? [['', 'rcx'], ['a32 ', 'ecx']] : mode === 32 ? [['', 'ecx'], ['a16 ', 'cx']] : [['', 'cx'], ['a32 ', 'ecx']];
    for (const [prefix, counter] of counters) {
      for (const op of ['loop', 'loope', 'loopne'] as const) {
        for (const n of [1n, 2n, 5n, 0x100000001n, 0x10003n]) {
          for (const zf of [0, ZF]) {
            const asm = `xor edx, edx\n${zf ? 'cmp edx, edx' : 'cmp edx, 1'}\n.top:\nlea edx, [edx+1]\n${prefix}${op} .top`;
            const c = new Case(mode, `${prefix}${op} (${counter})`, asm).set(mode === 64 ? 'rcx' : 'ecx', n & (mode === 64 ? (1n << 64n) - 1n : 0xffffffffn)).flags(rng.status() & ~CF);
            // counts whose low bits in the used counter are zero would loop 2^32 times: skip them
            const used = counter === 'cx' ? n & 0xffffn : counter === 'ecx' ? n & 0xffffffffn : n;
            if (used === 0n || used > 64n) continue;
            out.push(c.spec());
          }
        }
      }
      const jcx = { rcx: 'jrcxz', ecx: 'jecxz', cx: 'jcxz' }[counter]!;
      for (const v of [0n, 1n, 0x10000n, 0x100000000n, 0xffffffffffffffffn]) {
        const value = mode === 64 ? v : v & 0xffffffffn;
        out.push(new Case(mode, jcx, `${jcx} .t\nmov eax, 1\n.t:`).set(mode === 64 ? 'rcx' : 'ecx', value).flags(rng.status()).spec());
      }
    }
    return out;
  },
};
