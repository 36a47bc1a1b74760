/**
 * The rest of the general-purpose set: movbe and crc32 (as advertised),
 * every NOP form, pause, fences, clflush/clflushopt and prefetches (no
 * architectural effect: the fixture proves nothing changes).
 * cpuid, rdtsc/rdtscp and rdrand/rdseed give host- or time-dependent values:
 * their cases mark the registers they write as undefined, so the fixture
 * checks only that nothing else changes (and rdrand/rdseed's flags).
 */
import { Case, type CaseSpec, type Width, widthsOf } from '../spec.js';
import { CF, DATA_PTR, type Family, type GenContext, memRef, offsetOf, SIZE_KW, twoRegs } from './common.js';

export const misc: Family = {
  name: 'misc',
  covers: 'movbe crc32 nop (all forms) pause lfence sfence mfence clflush clflushopt prefetch*',
  generate({ mode, rng, features }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    if (features.has('movbe')) {
      for (const w of widthsOf(mode).filter((x) => x !== 8)) {
        for (let i = 0; i < 4; i++) {
          const [d] = twoRegs(mode, w, k++);
          const c1 = new Case(mode, `movbe r${w}, m${w}`, '').store(DATA_PTR, rng.bits(64), 8);
          out.push({ ...c1.spec(), asm: `movbe ${d}, ${SIZE_KW[w]} ${memRef(c1, k, DATA_PTR, [d])}` });
          const c2 = new Case(mode, `movbe m${w}, r${w}`, '').set(d, rng.bits(w));
          out.push({ ...c2.spec(), asm: `movbe ${SIZE_KW[w]} ${memRef(c2, k + 1, DATA_PTR, [d])}, ${d}` });
        }
      }
    }
    if (features.has('sse4_2')) {
      const dsts: Width[] = mode === 64 ? [32, 64] : [32];
      for (const dw of dsts) {
        for (const sw of widthsOf(mode)) {
          if (dw === 64 && sw !== 8 && sw !== 64) continue;
          if (dw === 32 && sw === 64) continue;
          for (let i = 0; i < 6; i++) {
            const d = twoRegs(mode, dw, k++)[0];
            let s = twoRegs(mode, sw, k++)[1];
            if (s.replace(/^[re]/, '').slice(0, 1) === d.replace(/^[re]/, '').slice(0, 1) && s.length === d.length) s = twoRegs(mode, sw, k++)[1];
            out.push(new Case(mode, `crc32 r${dw}, r${sw}`, `crc32 ${d}, ${s}`).set(d, i === 0 ? 0n : rng.bits(dw)).set(s, rng.bits(sw)).flags(rng.status()).spec());
          }
          const d = twoRegs(mode, dw, k++)[0];
          const c = new Case(mode, `crc32 r${dw}, m${sw}`, '').set(d, rng.bits(dw)).store(DATA_PTR, rng.bits(64), 8);
          out.push({ ...c.spec(), asm: `crc32 ${d}, ${SIZE_KW[sw]} ${memRef(c, k, DATA_PTR, [d])}` });
        }
      }
    }
    const nops = ['nop', 'db 0x66, 0x90', 'db 0xf3, 0x90', 'db 0x0f, 0x1f, 0x00', 'db 0x0f, 0x1f, 0x40, 0x00', 'db 0x0f, 0x1f, 0x44, 0x00, 0x00',
      'db 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00', 'db 0x0f, 0x1f, 0x80, 0, 0, 0, 0', 'db 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0', 'db 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0',
      'db 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0', 'db 0x0f, 0x1f, 0xc0', 'db 0x0f, 0x18, 0x20', 'db 0x0f, 0x0d, 0x00'];
    // the memory forms above use 32-bit addressing: 16-bit code needs an address-size prefix
    const spell = (n: string): string => (mode === 16 && n.startsWith('db ') && !n.endsWith('0xc0') && /0x0f, 0x(1f|18|0d)/.test(n) ? n.replace('db ', 'db 0x67, ') : n);
    for (const n of nops.map(spell)) out.push(new Case(mode, `nop (${n})`, n).set(mode === 64 ? 'rax' : 'eax', offsetOf(mode, DATA_PTR)).flags(rng.status()).spec());
    const fences = ['pause', 'lfence', 'sfence', 'mfence'];
    for (const f of fences) out.push(new Case(mode, f, f).flags(rng.status()).spec());
    const bx = { 64: 'rbx', 32: 'ebx', 16: 'bx' }[mode];
    const flushes = ['clflush', ...(features.has('clflushopt') ? ['clflushopt'] : []), 'prefetcht0', 'prefetcht1', 'prefetcht2', 'prefetchnta', 'prefetchw'];
    for (const f of flushes) out.push(new Case(mode, `${f} m8`, `${f} [${bx}]`).set(bx, offsetOf(mode, DATA_PTR)).flags(rng.status()).spec());
    // host- and time-dependent values: the written registers are undefined
    const A = (r: string): string => (mode === 64 ? 'r' : 'e') + r;
    for (const leaf of [0n, 1n, 7n, 0x80000000n]) {
      out.push(new Case(mode, 'cpuid', 'cpuid').set(A('ax'), leaf).set(A('cx'), 0n).flags(rng.status()).undefined(0, A('ax'), A('bx'), A('cx'), A('dx')).volatile().spec());
    }
    out.push(new Case(mode, 'rdtsc', 'rdtsc').flags(rng.status()).undefined(0, A('ax'), A('dx')).volatile().spec());
    if (features.has('rdtscp')) out.push(new Case(mode, 'rdtscp', 'rdtscp').flags(rng.status()).undefined(0, A('ax'), A('dx'), A('cx')).volatile().spec());
    for (const op of ['rdrand', 'rdseed']) {
      if (!features.has(op)) continue;
      for (const w of widthsOf(mode).filter((x) => x !== 8)) {
        const d = twoRegs(mode, w, k++)[0];
        // CF says whether a value was delivered, which the host cannot promise (rdseed runs
        // dry now and then): masked with the value; the other status flags are cleared
        out.push(new Case(mode, `${op} r${w}`, `${op} ${d}`).flags(rng.status()).undefined(CF, d).volatile().spec());
      }
    }
    return out;
  },
};
