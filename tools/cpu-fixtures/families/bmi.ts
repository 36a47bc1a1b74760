/**
 * BMI1, BMI2 and ADX (only what the host advertises): andn bextr blsi
 * blsmsk blsr bzhi pdep pext rorx sarx shlx shrx mulx adcx adox, 32- and
 * 64-bit operand sizes, register and memory sources, with start/length and
 * index edges (0, 1, width-1, width, >width).
 */
import { Case, type CaseSpec, mask, type Width } from '../spec.js';
import { edges } from '../values.js';
import { AF, DATA_PTR, type Family, type GenContext, memRef, PF, SF, SIZE_KW } from './common.js';

interface Op {
  name: string;
  feature: string;
  /** operands: d = destination, s = source (r/m), t = second source register, i = imm8 */
  shape: 'dst' | 'dts' | 'dst_t' | 'dsi' | 'ds';
  undef: number;
}

const OPS: Op[] = [
  { name: 'andn', feature: 'bmi1', shape: 'dts', undef: AF | PF },
  { name: 'bextr', feature: 'bmi1', shape: 'dst_t', undef: AF | SF | PF },
  { name: 'blsi', feature: 'bmi1', shape: 'ds', undef: AF | PF },
  { name: 'blsmsk', feature: 'bmi1', shape: 'ds', undef: AF | PF },
  { name: 'blsr', feature: 'bmi1', shape: 'ds', undef: AF | PF },
  { name: 'bzhi', feature: 'bmi2', shape: 'dst_t', undef: AF | PF },
  { name: 'pdep', feature: 'bmi2', shape: 'dts', undef: 0 },
  { name: 'pext', feature: 'bmi2', shape: 'dts', undef: 0 },
  { name: 'rorx', feature: 'bmi2', shape: 'dsi', undef: 0 },
  { name: 'sarx', feature: 'bmi2', shape: 'dst_t', undef: 0 },
  { name: 'shlx', feature: 'bmi2', shape: 'dst_t', undef: 0 },
  { name: 'shrx', feature: 'bmi2', shape: 'dst_t', undef: 0 },
  { name: 'mulx', feature: 'bmi2', shape: 'dts', undef: 0 },
  { name: 'adcx', feature: 'adx', shape: 'ds', undef: 0 },
  { name: 'adox', feature: 'adx', shape: 'ds', undef: 0 },
];

const R: Record<32 | 64, [string, string, string]> = { 32: ['ebx', 'esi', 'edi'], 64: ['rbx', 'r9', 'r14'] };

/** Interesting values for the operand that selects bits (count, index, start/length). */
function controls(w: Width, op: string): bigint[] {
  const idx = [0, 1, 7, w - 1, w, w + 1, 255].map(BigInt);
  if (op === 'bextr') {
    const out: bigint[] = [];
    for (const start of [0, 1, 8, w - 1, w, 200]) for (const len of [0, 1, 8, w - 1, w, 255]) out.push(BigInt(start) | (BigInt(len) << 8n));
    return out;
  }
  return idx;
}

export const bmi: Family = {
  name: 'bmi',
  covers: 'andn bextr blsi blsmsk blsr bzhi pdep pext rorx sarx shlx shrx mulx adcx adox (as advertised)',
  generate({ mode, rng, features }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    // VEX is #UD in real mode, where 16-bit fixtures are replayed
    if (mode === 16) return out;
    let k = 0;
    for (const op of OPS) {
      if (!features.has(op.feature)) continue;
      for (const w of (mode === 64 ? [32, 64] : [32]) as (32 | 64)[]) {
        const [d, s, t] = R[w];
        const vals = [...edges(w), ...Array.from({ length: 10 }, () => rng.value(w))];
        const ctl = controls(w, op.name);
        const n = Math.max(vals.length, op.shape === 'dst_t' ? ctl.length : 0);
        for (let i = 0; i < n; i++) {
          const v = vals[i % vals.length]!;
          const v2 = op.shape === 'dst_t' ? ctl[i % ctl.length]! : rng.value(w);
          const imm = [0, 1, 7, w - 1, w, 200][i % 6]!;
          const asm = {
            dst: `${op.name} ${d}, ${s}`,
            ds: `${op.name} ${d}, ${s}`,
            dts: `${op.name} ${d}, ${t}, ${s}`,
            dst_t: `${op.name} ${d}, ${s}, ${t}`,
            dsi: `${op.name} ${d}, ${s}, ${imm}`,
          }[op.shape];
          const c = new Case(mode, `${op.name} r${w}`, asm).set(s, v).set(t, v2).set(d, rng.value(w)).flags(rng.status()).undefined(op.undef);
          if (op.name === 'mulx') c.set(w === 64 ? 'rdx' : 'edx', rng.pick([mask(w), rng.value(w), 1n]));
          out.push(c.spec());
        }
        for (let i = 0; i < 3; i++) {
          const c = new Case(mode, `${op.name} r${w}, m${w}`, '').set(t, op.shape === 'dst_t' ? rng.pick(ctl) : rng.value(w)).set(d, rng.value(w)).store(DATA_PTR, rng.value(w), w / 8).flags(rng.status()).undefined(op.undef);
          if (op.name === 'mulx') c.set(w === 64 ? 'rdx' : 'edx', rng.value(w));
          const m = `${SIZE_KW[w]} ${memRef(c, k++, DATA_PTR, [d, t, 'edx'])}`;
          const asm = {
            dst: `${op.name} ${d}, ${m}`,
            ds: `${op.name} ${d}, ${m}`,
            dts: `${op.name} ${d}, ${t}, ${m}`,
            dst_t: `${op.name} ${d}, ${m}, ${t}`,
            dsi: `${op.name} ${d}, ${m}, ${i * 5}`,
          }[op.shape];
          out.push({ ...c.spec(), asm });
        }
      }
    }
    return out;
  },
};
