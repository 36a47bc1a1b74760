/**
 * The guest's physical-to-machine map. Guest "machine" frames are the VM's
 * physical frames; the map may be the identity, but nothing may rely on
 * that, so tests build guests with a shuffled one.
 */
export type P2mSpec = { kind: 'identity' } | { kind: 'shuffled'; seed: number };

/** A small deterministic PRNG (mulberry32): the same seed gives the same guest. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** pfn -> mfn for `nrPages` guest frames, a permutation of machine frames [0, nrPages). */
export function makeP2m(nrPages: number, spec: P2mSpec): Uint32Array {
  const p2m = new Uint32Array(nrPages);
  for (let i = 0; i < nrPages; i++) p2m[i] = i;
  if (spec.kind === 'shuffled') {
    const rand = mulberry32(spec.seed);
    for (let i = nrPages - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = p2m[i]!;
      p2m[i] = p2m[j]!;
      p2m[j] = t;
    }
  }
  return p2m;
}

/** The p2m list as the guest reads it at mfn_list: one machine frame per guest word. */
export function p2mListBytes(p2m: Uint32Array, wordSize: 4 | 8): Uint8Array {
  const bytes = new Uint8Array(p2m.length * wordSize);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < p2m.length; i++) {
    if (wordSize === 8) dv.setBigUint64(i * 8, BigInt(p2m[i]!), true);
    else dv.setUint32(i * 4, p2m[i]!, true);
  }
  return bytes;
}
