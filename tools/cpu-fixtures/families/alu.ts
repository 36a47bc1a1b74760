/**
 * Two-operand arithmetic and logic: add adc sub sbb cmp and or xor test, in
 * every operand size and every encoding form (r/m,r; r,r/m; r/m,imm;
 * r/m,imm8 sign-extended; accumulator,imm; memory with LOCK), plus the 0x82
 * alias (32-bit only; #UD in 64-bit) and LOCK on a register (#UD).
 */
import { Case, type CaseSpec, mask, widthsOf } from '../spec.js';
import { imm, pairs } from '../values.js';
import { AF, CF, DATA_PTR, type Family, type GenContext, memRef, SIZE_KW, twoRegs } from './common.js';

const OPS = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'] as const;
type Op = (typeof OPS)[number];
const LOGIC: ReadonlySet<Op> = new Set(['and', 'or', 'xor', 'test']);
const USES_CF: ReadonlySet<Op> = new Set(['adc', 'sbb']);

function immFor(v: bigint, w: number): bigint {
  // 64-bit forms take a sign-extended imm32
  return w === 64 ? BigInt.asIntN(64, BigInt.asIntN(32, v)) & mask(64) : v;
}

export const alu: Family = {
  name: 'alu',
  covers: 'add adc sub sbb cmp and or xor test: all forms and sizes, LOCK, 0x82 alias',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    for (const op of OPS) {
      const undef = LOGIC.has(op) ? AF : 0;
      for (const w of widthsOf(mode)) {
        const kw = SIZE_KW[w];
        const ps = pairs(w, rng, 24);
        // input flags: adc/sbb get the carry asked for, the others random status flags
        const status = (carry: number): number => (USES_CF.has(op) ? (rng.status() & ~CF) | (carry & 1) : rng.status());
        // register, register; for adc/sbb every edge pair once more with a carry in
        const withCarry = USES_CF.has(op) ? ps.slice(0, 36) : [];
        [...ps.map((p) => [...p, 0] as const), ...withCarry.map((p) => [...p, 1] as const)].forEach(([a, b, carry]) => {
          const [d, s] = twoRegs(mode, w, k++);
          const c = new Case(mode, `${op} r${w}, r${w}`, `${op} ${d}, ${s}`).set(d, a).set(s, b).flags(status(carry));
          out.push(c.undefined(undef).spec());
        });
        // same register on both sides (xor eax, eax and friends)
        for (const a of [0n, rng.value(w)]) {
          const [d] = twoRegs(mode, w, k++);
          out.push(new Case(mode, `${op} r${w}, same r${w}`, `${op} ${d}, ${d}`).set(d, a).flags(rng.status()).undefined(undef).spec());
        }
        // register, memory and memory, register
        for (let i = 0; i < 6; i++) {
          const [a, b] = ps[rng.below(ps.length)]!;
          const [d, s] = twoRegs(mode, w, k++);
          const c1 = new Case(mode, `${op} r${w}, m${w}`, '').set(d, a).store(DATA_PTR, b, w / 8).flags(status(i));
          const m1 = memRef(c1, k, DATA_PTR, [d]);
          out.push({ ...c1.undefined(undef).spec(), asm: `${op} ${d}, ${kw} ${m1}` });
          const c2 = new Case(mode, `${op} m${w}, r${w}`, '').set(s, b).store(DATA_PTR, a, w / 8).flags(status(i));
          const m2 = memRef(c2, k + 1, DATA_PTR, [s]);
          out.push({ ...c2.undefined(undef).spec(), asm: `${op} ${kw} ${m2}, ${s}` });
        }
        // immediates: a small one (imm8 forms) and a full one, register and accumulator
        for (let i = 0; i < 8; i++) {
          const [a, b] = ps[rng.below(ps.length)]!;
          const small = BigInt(rng.below(256)) - 128n;
          const v = immFor(i % 2 === 0 ? small & mask(w) : b, w);
          const dst = i % 4 < 2 ? twoRegs(mode, w, k++)[0] : ({ 8: 'al', 16: 'ax', 32: 'eax', 64: 'rax' } as const)[w];
          const text = w === 64 ? `${op} ${dst}, ${BigInt.asIntN(32, v)}` : `${op} ${dst}, ${imm(v, w)}`;
          const c = new Case(mode, `${op} r${w}, imm`, text);
          out.push(c.set(dst, a).flags(status(i)).undefined(undef).spec());
        }
        for (let i = 0; i < 4; i++) {
          const [a, b] = ps[rng.below(ps.length)]!;
          const v = immFor(i % 2 === 0 ? (BigInt(rng.below(256)) - 128n) & mask(w) : b, w);
          const c = new Case(mode, `${op} m${w}, imm`, '').store(DATA_PTR, a, w / 8).flags(status(i));
          const m = memRef(c, k++, DATA_PTR);
          const text = w === 64 ? `${op} ${kw} ${m}, ${BigInt.asIntN(32, v)}` : `${op} ${kw} ${m}, ${imm(v, w)}`;
          out.push({ ...c.undefined(undef).spec(), asm: text });
        }
        if (op !== 'cmp' && op !== 'test') {
          for (let i = 0; i < 2; i++) {
            const [a, b] = ps[rng.below(ps.length)]!;
            const [, s] = twoRegs(mode, w, k++);
            const c = new Case(mode, `lock ${op} m${w}, r${w}`, '').set(s, b).store(DATA_PTR, a, w / 8).flags(status(i));
            const m = memRef(c, k, DATA_PTR, [s]);
            out.push({ ...c.undefined(undef).spec(), asm: `lock ${op} ${kw} ${m}, ${s}` });
          }
          // LOCK with a register destination is #UD
          const [d, s] = twoRegs(mode, w, k++);
          out.push(new Case(mode, `lock ${op} r${w}, r${w} (#UD)`, `db 0xf0\n${op} ${d}, ${s}`).flags(rng.status()).spec());
        }
      }
      // 0x82: an alias of 0x80 in 16/32-bit code, invalid in 64-bit code
      if (op !== 'test') {
        const ext = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'].indexOf(op);
        for (let i = 0; i < 3; i++) {
          const v = rng.bits(8);
          const c = new Case(mode, `${op} r/m8, imm8 (0x82)`, `db 0x82, 0x${(0xc1 | (ext << 3)).toString(16)}, ${imm(v, 8)}`).set('cl', rng.bits(8)).flags(rng.status());
          out.push(c.undefined(undef).spec());
        }
      }
    }
    return out;
  },
};
