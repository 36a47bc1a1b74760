/**
 * A guest page-table walker for tests: translates a virtual address the
 * way the MMU would (4-level long mode or 3-level PAE), from a machine
 * address of the top-level table, reading guest memory directly.
 */
import type { GuestMemory } from '../../src/memory/guest-memory.js';

export interface Translation {
  maddr: number;
  writable: boolean;
  user: boolean;
  /** The leaf entry. */
  pte: bigint;
}

const ADDR = 0x000ffffffffff000n;

export function walk(mem: GuestMemory, cr3: bigint, va: bigint, levels: 3 | 4): Translation | undefined {
  let table = cr3 & ADDR;
  let writable = true;
  let user = true;
  for (let l: number = levels; l >= 1; l--) {
    const shift = 12n + 9n * BigInt(l - 1);
    const index = levels === 3 && l === 3 ? (va >> 30n) & 3n : (va >> shift) & 511n;
    const e = mem.read64(Number(table + index * 8n));
    if ((e & 1n) === 0n) return undefined;
    // PAE's top level (PDPTEs) carries no access rights.
    if (!(levels === 3 && l === 3)) {
      writable &&= (e & 2n) !== 0n;
      user &&= (e & 4n) !== 0n;
    }
    if (l > 1 && (e & 0x80n) !== 0n) throw new Error('superpages are not expected in the initial tables');
    table = e & ADDR;
    if (l === 1) return { maddr: Number(table + (va & 0xfffn)), writable, user, pte: e };
  }
  return undefined;
}

/** Read bytes through the page tables. */
export function readVirt(mem: GuestMemory, cr3: bigint, va: bigint, length: number, levels: 3 | 4): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; ) {
    const t = walk(mem, cr3, va + BigInt(i), levels);
    if (!t) throw new Error(`0x${(va + BigInt(i)).toString(16)} is not mapped`);
    const n = Math.min(length - i, 4096 - Number((va + BigInt(i)) & 0xfffn));
    out.set(mem.readBytes(t.maddr, n), i);
    i += n;
  }
  return out;
}
