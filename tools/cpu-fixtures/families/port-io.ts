/**
 * Cases shared by the QEMU-recorded families (realmode, ring0): port I/O and
 * the flags only privileged code may change.
 *
 * I/O ports: 0x80 and 0x1234 have no device in QEMU's PC; reads return all
 * ones and writes are dropped. The replay must treat them the same way.
 */
import { FLAG, type MemoryWindow, type Mode, STACK_TOP } from '../layout.js';
import { Case, type CaseSpec } from '../spec.js';
import type { Rng } from '../values.js';
import { offsetOf } from './common.js';

const SUFFIX = { 8: 'b', 16: 'w', 32: 'd' } as const;
const ACC = { 8: 'al', 16: 'ax', 32: 'eax' } as const;
export const NO_DEVICE_PORTS = [0x80, 0x1234] as const;

/** in/out by imm8 and DX, and ins/outs with and without REP in the given address sizes. */
export function portIo(mode: Mode, rng: Rng, asizes: [prefix: string, bits: 16 | 32 | 64, window: MemoryWindow][]): CaseSpec[] {
  const out: CaseSpec[] = [];
  for (const w of [8, 16, 32] as const) {
    out.push(new Case(mode, `in ${ACC[w]}, imm8`, `in ${ACC[w]}, 0x80`).flags(rng.status()).spec());
    out.push(new Case(mode, `in ${ACC[w]}, dx`, `in ${ACC[w]}, dx`).set('dx', 0x1234n).flags(rng.status()).spec());
    out.push(new Case(mode, `out imm8, ${ACC[w]}`, `out 0x80, ${ACC[w]}`).set('eax', rng.bits(32)).spec());
    out.push(new Case(mode, `out dx, ${ACC[w]}`, `out dx, ${ACC[w]}`).set('dx', 0x1234n).set('eax', rng.bits(32)).spec());
    for (const op of ['ins', 'outs'] as const) {
      for (const [prefix, asize, win] of asizes) {
        for (const df of [false, true]) {
          for (const count of [-1, 0, 1, 3, 7]) {
            const rep = count >= 0 ? 'rep ' : '';
            const c = new Case(mode, `${prefix}${rep}${op}${SUFFIX[w]} (a${asize}${df ? ', DF=1' : ''})`, `${prefix}${rep}${op}${SUFFIX[w]}`).flags(rng.status(), df);
            // garbage above the address-size part of the pointers and the counter
            const high = asize === 16 ? rng.bits(16) << 16n : asize === 32 && mode === 64 ? rng.bits(32) << 32n : 0n;
            const r = mode === 64 ? 'r' : 'e';
            c.set(`${r}di`, high | offsetOf(mode, win.base + 0x400)).set(`${r}si`, high | offsetOf(mode, win.base + 0x600));
            c.set(`${r}cx`, high | BigInt(Math.max(count, 0)));
            c.set('dx', op === 'ins' ? 0x1234n : 0x80n);
            out.push(c.spec());
          }
        }
      }
    }
  }
  return out;
}

/** cli, sti, and popf/popfd of IF, IOPL, NT and AC, each followed by pushf to show the result. */
export function flagControl(mode: Mode, rng: Rng): CaseSpec[] {
  const out: CaseSpec[] = [];
  for (const df of [false, true]) {
    out.push(new Case(mode, 'cli', 'cli').flags(rng.status(), df).spec());
    out.push(new Case(mode, 'sti', 'cli\nsti').flags(rng.status(), df).spec());
    out.push(new Case(mode, 'cli; pushf', 'cli\npushf').flags(rng.status(), df).spec());
  }
  for (let i = 0; i < 8; i++) {
    const bits = (i & 1 ? FLAG.IF : 0) | ((i >> 1) & 3) * 0x1000 | (i & 4 ? 0x4000 : 0) | (i & 2 ? 0x40000 : 0);
    const v = BigInt(0x2 | rng.status() | bits);
    const wide = i & 4 || mode !== 16;
    const asm = mode === 64 ? 'popfq\npushfq' : wide ? 'popfd\npushfd' : 'popf\npushf';
    out.push(new Case(mode, wide ? `${asm.split('\n')[0]} (IF, IOPL, NT, AC)` : 'popf (IF, IOPL, NT)', asm).store(STACK_TOP, v, 8).flags(rng.status()).spec());
  }
  return out;
}
