/**
 * Shifts and rotates: rol ror rcl rcr shl shr sar and the SAL alias (/6) by
 * 1, by CL and by imm8, on registers and memory, with counts 0, 1, 2,
 * width-1, width, width+1 and beyond the count mask; shld and shrd by CL
 * and imm8. Which flags are undefined depends on the masked count.
 */
import { Case, type CaseSpec, mask, regRef, type Width, widthsOf } from '../spec.js';
import { edges } from '../values.js';
import type { Mode } from '../layout.js';
import { AF, ALL_STATUS, CF, DATA_PTR, type Family, type GenContext, memRef, OF, opPrefix, SIZE_KW, twoRegs } from './common.js';

const OPS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const;
type Op = (typeof OPS)[number];

export function shiftUndefined(op: Op | 'shld' | 'shrd', w: Width, count: number): { flags: number; dest: boolean } {
  const masked = count & (w === 64 ? 63 : 31);
  if (masked === 0) return { flags: 0, dest: false };
  const rotate = op === 'rol' || op === 'ror' || op === 'rcl' || op === 'rcr';
  let flags = masked === 1 ? 0 : OF;
  if (!rotate) flags |= AF;
  if ((op === 'shl' || op === 'shr' || op === 'sal') && masked >= w) flags |= CF;
  if ((op === 'shld' || op === 'shrd') && masked > w) return { flags: ALL_STATUS, dest: true };
  return { flags, dest: false };
}

function counts(w: Width): number[] {
  return [...new Set([0, 1, 2, 3, 7, 8, 9, w - 1, w, w + 1, 16, 17, 31, 32, 33, 63, 64, 65, 255])];
}

/** The SAL alias, C0/C1/D0-D3 with /6, that assemblers do not emit. */
function salAlias(mode: Mode, w: Width, form: 'one' | 'cl' | 'imm', count: number): string {
  const prefix = opPrefix(mode, w);
  const op = { one: w === 8 ? 0xd0 : 0xd1, cl: w === 8 ? 0xd2 : 0xd3, imm: w === 8 ? 0xc0 : 0xc1 }[form];
  const modrm = 0xc0 | (6 << 3) | 3; // register bl/bx/ebx/rbx
  const tail = form === 'imm' ? `, ${count}` : '';
  return `db ${prefix}0x${op.toString(16)}, 0x${modrm.toString(16)}${tail}`;
}

export const shift: Family = {
  name: 'shift',
  covers: 'rol ror rcl rcr shl shr sal sar shld shrd: by 1, CL, imm8; register and memory; all counts',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    for (const op of OPS) {
      for (const w of widthsOf(mode)) {
        const vals = (): bigint[] => [rng.pick(edges(w)), rng.value(w), rng.value(w), rng.value(w)];
        const cnt = counts(w);
        for (const form of ['one', 'cl', 'imm'] as const) {
          for (const count of form === 'one' ? [1, 1, 1, 1] : cnt) {
            for (const v of form === 'one' ? [rng.pick(edges(w))] : vals()) {
              const u = shiftUndefined(op, w, count);
              // the destination may not be the count register
              const dst = twoRegs(mode, w, k++).find((r) => form !== 'cl' || regRef(r).gpr !== 'rcx')!;
              const useAlias = op === 'sal';
              const regName = useAlias ? ({ 8: 'bl', 16: 'bx', 32: 'ebx', 64: 'rbx' } as const)[w] : dst;
              const src = form === 'one' ? '1' : form === 'cl' ? 'cl' : String(count);
              const asm = useAlias ? salAlias(mode, w, form, count) : `${op} ${regName}, ${src}`;
              const c = new Case(mode, `${op} r${w}, ${form === 'one' ? '1' : form === 'cl' ? 'cl' : 'imm8'}`, asm).set(regName, v).flags(rng.status());
              if (form === 'cl') c.set('cl', BigInt(count));
              out.push(c.undefined(u.flags).spec());
            }
          }
          // memory destination
          for (const count of [1, 0, w - 1, w, 33].slice(0, form === 'one' ? 1 : 5)) {
            const u = shiftUndefined(op, w, count);
            const src = form === 'one' ? '1' : form === 'cl' ? 'cl' : String(count);
            const c = new Case(mode, `${op} m${w}, ${form === 'imm' ? 'imm8' : src}`, '').store(DATA_PTR, rng.value(w), w / 8).flags(rng.status());
            if (form === 'cl') c.set('cl', BigInt(count));
            const m = memRef(c, k++, DATA_PTR, ['cl']);
            out.push({ ...c.undefined(u.flags).spec(), asm: `${op} ${SIZE_KW[w]} ${m}, ${src}` });
          }
        }
      }
    }
    for (const op of ['shld', 'shrd'] as const) {
      for (const w of widthsOf(mode).filter((x) => x !== 8)) {
        for (const form of ['cl', 'imm'] as const) {
          for (const count of counts(w)) {
            for (let i = 0; i < 3; i++) {
              const u = shiftUndefined(op, w, count);
              const [d, s] = twoRegs(mode, w, k++).map((r) => r) as [string, string];
              const avoid = (r: string): boolean => /^(cx|ecx|rcx)$/.test(r);
              const dd = avoid(d) ? ({ 16: 'bx', 32: 'ebx', 64: 'rbx' } as Record<number, string>)[w]! : d;
              const ss = avoid(s) || s === dd ? ({ 16: 'si', 32: 'esi', 64: 'rsi' } as Record<number, string>)[w]! : s;
              const src = form === 'cl' ? 'cl' : String(count);
              const c = new Case(mode, `${op} r${w}, r${w}, ${form === 'cl' ? 'cl' : 'imm8'}`, `${op} ${dd}, ${ss}, ${src}`)
                .set(dd, i === 0 ? rng.pick(edges(w)) : rng.value(w))
                .set(ss, rng.value(w) & mask(w))
                .flags(rng.status());
              if (form === 'cl') c.set('cl', BigInt(count));
              if (u.dest) c.undefined(0, dd);
              out.push(c.undefined(u.flags).spec());
            }
          }
          for (const count of [1, 4, w - 1, w + 3]) {
            const u = shiftUndefined(op, w, count);
            const s = ({ 16: 'si', 32: 'esi', 64: 'rsi' } as Record<number, string>)[w]!;
            const src = form === 'cl' ? 'cl' : String(count);
            const c = new Case(mode, `${op} m${w}, r${w}, ${form === 'cl' ? 'cl' : 'imm8'}`, '').set(s, rng.value(w)).store(DATA_PTR, rng.value(w), w / 8).flags(rng.status());
            if (form === 'cl') c.set('cl', BigInt(count));
            const m = memRef(c, k++, DATA_PTR, ['cl', s]);
            // an undefined result in memory cannot be masked: such counts are covered on registers only
            if (u.dest) continue;
            out.push({ ...c.undefined(u.flags).spec(), asm: `${op} ${SIZE_KW[w]} ${m}, ${s}, ${src}` });
          }
        }
      }
    }
    return out;
  },
};
