/**
 * String instructions: movs cmps scas lods stos in every element size, with
 * no prefix, REP, REPE and REPNE, in each address size user mode can run
 * (64-bit code: 64 and 32; 32-bit code: 32 and 16, the latter in the LOW
 * window below 64 KiB), both directions, counts 0 1 3 7, with garbage above
 * the address-size part of rSI/rDI/rCX, and early REPE/REPNE termination.
 * ins/outs need I/O privilege and belong to the QEMU-checked set.
 */
import { dataBase, LOW, MAIN, patternByte } from '../layout.js';
import { Case, type CaseSpec, mask, type Width } from '../spec.js';
import { type Family, type GenContext } from './common.js';

const SUFFIX: Record<Width, string> = { 8: 'b', 16: 'w', 32: 'd', 64: 'q' };
const ACC: Record<Width, string> = { 8: 'al', 16: 'ax', 32: 'eax', 64: 'rax' };
const OPS: [string, string[]][] = [
  ['movs', ['', 'rep ']],
  ['lods', ['', 'rep ']],
  ['stos', ['', 'rep ']],
  ['cmps', ['', 'repe ', 'repne ']],
  ['scas', ['', 'repe ', 'repne ']],
];

function bytesAt(addr: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => patternByte(addr + i));
}

export const string: Family = {
  name: 'string',
  covers: 'movs cmps scas lods stos: b/w/d/q, rep/repe/repne, every user-mode address size, DF 0/1, segment override',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    const asizes: [number, string][] = mode === 64 ? [[64, ''], [32, 'a32 ']] : mode === 32 ? [[32, ''], [16, 'a16 ']] : [[16, ''], [32, 'a32 ']];
    const sizes: Width[] = mode === 64 ? [8, 16, 32, 64] : [8, 16, 32];
    for (const [op, prefixes] of OPS) {
      for (const w of sizes) {
        const n = w / 8;
        for (const prefix of prefixes) {
          for (const [asize, aprefix] of asizes) {
            for (const df of [false, true]) {
              for (const count of prefix ? [0, 1, 3, 7] : [1]) {
                // 16-bit addresses reach only the low 64 KiB in flat 32-bit code
                const win = asize === 16 && mode === 32 ? LOW : MAIN;
                const src = win.base + 0x200;
                const dst = win.base + 0x600;
                const name = `${aprefix}${prefix}${op}${SUFFIX[w]} (a${asize}${df ? ', DF=1' : ''})${win === LOW ? ' LOW' : ''}`;
                const c = new Case(mode, name, `${aprefix}${prefix}${op}${SUFFIX[w]}`).flags(rng.status(), df);
                // garbage above the address-size part of the pointers and the counter
                const high = asize === 64 ? 0n : (rng.bits(64) << BigInt(asize)) & (mode === 64 ? mask(64) : mask(32));
                const wreg = (r: string): string => (mode === 64 ? 'r' : 'e') + r;
                const base = BigInt(dataBase(mode));
                c.set(wreg('si'), high | (BigInt(src) - base)).set(wreg('di'), high | (BigInt(dst) - base));
                c.set(wreg('cx'), (prefix ? high : rng.bits(32)) | BigInt(count));
                c.set(ACC[w], rng.bits(w));
                // the elements the instruction may touch, in the direction it walks
                const span = (count || 1) * n;
                const lo = (p: number): number => (df ? p - span + n : p);
                const stop = rng.below(Math.max(count, 1) + 1); // where repe/repne should end
                if (op === 'cmps') {
                  const copy = bytesAt(lo(src), span);
                  // dst equals src except at element `stop` (walk order)
                  const idx = df ? count - 1 - stop : stop;
                  if (stop < count && idx >= 0) copy[idx * n] = copy[idx * n]! ^ 0x5a;
                  c.storeBytes(lo(dst), prefix === 'repne ' ? bytesAt(lo(dst), span) : copy);
                  if (prefix === 'repne ') {
                    // make element `stop` equal so repne ends there
                    const e = bytesAt(lo(src), span).slice(0, span);
                    const fill = bytesAt(lo(dst), span);
                    const k = df ? Math.max(count, 1) - 1 - stop : stop;
                    if (stop < count) fill.set(e.subarray(k * n, k * n + n), k * n);
                    c.mem.pop();
                    c.storeBytes(lo(dst), fill);
                  }
                }
                if (op === 'scas') {
                  const v = rng.bits(w);
                  c.set(ACC[w], v);
                  const fill = bytesAt(lo(dst), span);
                  const elems = count || 1;
                  for (let e = 0; e < elems; e++) {
                    const k = df ? elems - 1 - e : e;
                    const equal = prefix === 'repne ' ? e === stop : e !== stop;
                    for (let b = 0; b < n; b++) fill[k * n + b] = equal ? Number((v >> BigInt(8 * b)) & 0xffn) : patternByte(lo(dst) + k * n + b) ^ (b === 0 ? 0x33 : 0);
                  }
                  c.storeBytes(lo(dst), fill);
                }
                out.push(c.spec());
              }
            }
          }
        }
      }
    }
    // segment override on the source operand (DS:rSI becomes ES:rSI)
    if (mode === 32) {
      for (const op of ['movsb', 'lodsd', 'cmpsw']) {
        const c = new Case(mode, `es ${op}`, `es ${op}`).set('esi', BigInt(MAIN.base + 0x200)).set('edi', BigInt(MAIN.base + 0x600)).flags(rng.status());
        out.push(c.spec());
      }
    }
    return out;
  },
};
