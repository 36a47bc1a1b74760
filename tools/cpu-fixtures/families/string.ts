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

function littleEndian(v: bigint, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
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
                if (op === 'cmps' || op === 'scas') {
                  // the elements rDI walks over, set so that repe/repne end at element `stop`
                  // (none when stop == count): equal elements for repe, unequal for repne
                  const elems = Math.max(count, 1);
                  const stop = rng.below(elems + 1);
                  const value = rng.bits(w);
                  if (op === 'scas') c.set(ACC[w], value);
                  const lo = df ? dst - (elems - 1) * n : dst;
                  const fill = new Uint8Array(elems * n);
                  for (let e = 0; e < elems; e++) {
                    const at = (df ? dst - e * n : dst + e * n) - lo;
                    const same = prefix === 'repne ' ? e === stop : e !== stop;
                    // what rSI's element (cmps) or the accumulator (scas) holds
                    const want = op === 'cmps' ? bytesAt(df ? src - e * n : src + e * n, n) : littleEndian(value, n);
                    if (!same) want[0] = want[0]! ^ 0x5a;
                    fill.set(want, at);
                  }
                  c.storeBytes(lo, fill);
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
