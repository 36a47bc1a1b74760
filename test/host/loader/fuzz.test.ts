/**
 * Random mutations of real images (our test ELFs, legacy and notes, both
 * word sizes, and bzImages with every compression): loading and laying
 * them out either works or throws BadImageError; no other exception may
 * escape. Deterministic (seeded), so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { BadImageError } from '../../../src/cli/user-error.js';
import { buildDomain } from '../../../src/host/builder/build.js';
import { detectImage } from '../../../src/host/loader/detect.js';
import { loadPvKernel } from '../../../src/host/loader/pv-kernel.js';
import { compressorMissing, compressWith, makeBzImage } from '../../helpers/bzimage.js';
import { buildTestElf, linuxLike32, linuxLike64, pattern } from '../../helpers/xen-elf.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** XENNER_FUZZ_SCALE / XENNER_FUZZ_SEED run longer or different campaigns by hand. */
const SCALE = Number(process.env.XENNER_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.XENNER_FUZZ_SEED ?? 1234);

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x1000, 0xfffff000];

function mutate(src: Uint8Array, rand: () => number, hot: number): Uint8Array {
  const pick = (n: number): number => Math.floor(rand() * n);
  // Most mutations hit the headers (first `hot` bytes), where the parsers look.
  const at = (): number => (rand() < 0.7 ? pick(Math.min(hot, src.length)) : pick(src.length));
  let b = src.slice();
  const ops = 1 + pick(4);
  for (let i = 0; i < ops; i++) {
    switch (pick(5)) {
      case 0:
        b[at()] ^= 1 << pick(8);
        break;
      case 1:
        b[at()] = pick(256);
        break;
      case 2: {
        const o = at();
        if (o + 4 <= b.length) new DataView(b.buffer).setUint32(o, INTERESTING[pick(INTERESTING.length)]!, true);
        break;
      }
      case 3:
        b = b.subarray(0, pick(b.length + 1)).slice();
        break;
      case 4: {
        const o = at();
        const len = pick(64);
        b.copyWithin(o, pick(b.length), pick(b.length) + len);
        break;
      }
    }
  }
  return b;
}

function fuzz(name: string, image: Uint8Array, hot: number, iterations: number, seed: number): { ok: number; bad: number } {
  const rand = rng(seed);
  let ok = 0;
  let bad = 0;
  for (let i = 0; i < iterations; i++) {
    const m = mutate(image, rand, hot);
    try {
      // What the CLI does: detect, then load and lay out.
      detectImage(m, name);
      const k = loadPvKernel(m, name);
      buildDomain(k, { memoryMiB: 32, p2m: { kind: 'shuffled', seed: i } });
      ok++;
    } catch (e) {
      if (!(e instanceof BadImageError)) {
        throw new Error(`${name} mutation ${i} (seed ${seed}) escaped with ${(e as Error).name}: ${(e as Error).message}`);
      }
      expect(e.message).not.toContain('\n');
      bad++;
    }
  }
  return { ok, bad };
}

describe('fuzzing the loader and builder', () => {
  const seeds: [string, Uint8Array, number][] = [
    ['elf64', buildTestElf(linuxLike64({ initP2m: true })), 1024],
    ['elf32', buildTestElf(linuxLike32()), 1024],
    [
      'legacy',
      buildTestElf({
        class: 32,
        entry: 0xc0100000n,
        segments: [{ paddr: 0xc0100000n, data: pattern(0x3000, 5) }],
        guestString: 'GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0xC0000000,HYPERCALL_PAGE=0x101,LOADER=generic,PAE=yes',
      }),
      0x3000,
    ],
  ];
  it.each(seeds)('%s: only BadImageError escapes', (name, image, hot) => {
    const r = fuzz(name, image, hot, 300 * SCALE, SEED);
    // Both outcomes happen: the fuzzer reaches past the first check.
    expect(r.ok).toBeGreaterThan(0);
    expect(r.bad).toBeGreaterThan(0);
  });

  it('gzip-compressed ELF: only BadImageError escapes', () => {
    const r = fuzz('gz-elf', compressWith('gzip', buildTestElf(linuxLike32())), 64, 150 * SCALE, SEED + 2);
    expect(r.bad).toBeGreaterThan(0);
  });

  const inner = buildTestElf(linuxLike64({ textSize: 0x8000 }));
  for (const kind of ['gzip', 'xz', 'lzma', 'lz4', 'zstd', 'bzip2'] as const) {
    const why = compressorMissing(kind);
    it.skipIf(why !== undefined)(`bzImage with ${kind}: only BadImageError escapes${why ? ` (skipped: ${why})` : ''}`, () => {
      const image = makeBzImage(inner, kind);
      const r = fuzz(`bz-${kind}`, image, 0x600, 150 * SCALE, SEED + 1);
      expect(r.bad).toBeGreaterThan(0);
    });
  }
});
