/**
 * The initial page tables of a PV guest, planned and written the way Xen's
 * domain builder (libxenguest's x86 PV code) does it, so that a kernel
 * finds exactly the shape it was promised: one top-level table, then for
 * each lower level just the tables that cover the mapped range, allocated
 * top level first, in guest frames right after each other. A second
 * mapping (the INIT_P2M list) shares the top level and the tables that
 * already cover it.
 *
 * Addresses are handled masked to the paging width (48 bits in long mode,
 * 32 in PAE), as the hardware indexes them.
 */
import { PTE } from '../../abi/xen/arch-x86.js';

export interface PagingParams {
  levels: 3 | 4;
  /** All ones over the translated virtual bits. */
  vaddrMask: bigint;
  /** Entry flags per level (index 0 = L1). */
  prot: readonly bigint[];
}

const PAGE_SHIFT = 12n;
const LEVEL_SHIFT = 9n;

/**
 * Long mode. The kernel runs in ring 3, so its pages must be USER: Xen's
 * builder writes L1 entries without it and Xen adds it when it validates
 * the tables at pin time (adjust_guest_l1e); we write what the guest then
 * sees.
 */
export const PAGING_X86_64: PagingParams = {
  levels: 4,
  vaddrMask: (1n << 48n) - 1n,
  prot: [
    PTE.PRESENT | PTE.RW | PTE.ACCESSED | PTE.USER,
    PTE.PRESENT | PTE.RW | PTE.ACCESSED | PTE.DIRTY | PTE.USER,
    PTE.PRESENT | PTE.RW | PTE.ACCESSED | PTE.DIRTY | PTE.USER,
    PTE.PRESENT | PTE.RW | PTE.ACCESSED | PTE.DIRTY | PTE.USER,
  ],
};

/**
 * PAE: the top level is the 4-entry PDPT, whose entries real PAE hardware
 * allows only PRESENT (and cache bits) in: RW/USER/A/D are reserved there.
 * We write PRESENT alone so that emu32 can load it with PAE paging as is.
 */
export const PAGING_PAE: PagingParams = {
  levels: 3,
  vaddrMask: (1n << 32n) - 1n,
  prot: [
    PTE.PRESENT | PTE.RW | PTE.ACCESSED,
    PTE.PRESENT | PTE.RW | PTE.ACCESSED | PTE.DIRTY | PTE.USER,
    PTE.PRESENT,
  ],
};

/** The tables of one level of one mapping: entries from..to (inclusive), in `count` frames from `pfn`. */
export interface LevelTables {
  from: bigint;
  to: bigint;
  pfn: number;
  count: number;
}

/** One virtually contiguous range backed by contiguous guest frames. */
export interface Mapping {
  /** The mapped range, inclusive, masked. */
  from: bigint;
  to: bigint;
  /** Guest frame mapped at `from`. */
  pfn: number;
  /** Page-table frames this mapping added (all levels). */
  tableCount: number;
  /** Per level, index 0 = L1. */
  levels: LevelTables[];
}

const span = (level: number): bigint => PAGE_SHIFT + BigInt(level + 1) * LEVEL_SHIFT;
const mask = (bits: bigint): bigint => (1n << bits) - 1n;

/**
 * Plan the tables of a new mapping [from, to] whose tables start at guest
 * frame `tablePfn`, given the mappings already planned (whose tables it
 * reuses where they cover the same range).
 */
export function planMapping(params: PagingParams, existing: readonly Mapping[], from: bigint, to: bigint, areaPfn: number, tablePfn: number): Mapping {
  const m: Mapping = { from: from & params.vaddrMask, to: to & params.vaddrMask, pfn: areaPfn, tableCount: 0, levels: [] };
  const levels: LevelTables[] = new Array(params.levels);
  for (let l = params.levels - 1; l >= 0; l--) {
    const lvl: LevelTables = { from: 0n, to: 0n, pfn: tablePfn + m.tableCount, count: 0 };
    levels[l] = lvl;
    if (l === params.levels - 1) {
      // One top-level table, owned by the first mapping.
      if (existing.length === 0) {
        lvl.to = params.vaddrMask;
        lvl.count = 1;
        m.tableCount++;
      }
      continue;
    }
    const bits = span(l);
    lvl.from = m.from & ~mask(bits);
    lvl.to = m.to | mask(bits);
    // PAE: Xen's entries live in the L2 of the top gigabyte, so the first
    // mapping always gets the L2 tables up to it.
    if (params.levels === 3 && existing.length === 0 && to < 0xc0000000n && l === 1) lvl.to = params.vaddrMask;
    for (const other of existing) {
      const o = other.levels[l]!;
      if (o.from === o.to) continue;
      if (lvl.from >= o.from && lvl.to <= o.to) {
        lvl.from = 0n;
        lvl.to = 0n;
        break;
      }
      if (lvl.from >= o.from && lvl.from <= o.to) lvl.from = o.to + 1n;
      if (lvl.to >= o.from && lvl.to <= o.to) lvl.to = o.from - 1n;
    }
    if (lvl.from < lvl.to) lvl.count = Number((lvl.to - lvl.from) >> bits) + 1;
    m.tableCount += lvl.count;
  }
  m.levels = levels;
  return m;
}

/** Every page-table frame of the planned mappings, with its level (1 = L1). */
export function tableFrames(maps: readonly Mapping[]): { pfn: number; level: number }[] {
  const out: { pfn: number; level: number }[] = [];
  for (const m of maps) {
    m.levels.forEach((lvl, l) => {
      for (let i = 0; i < lvl.count; i++) out.push({ pfn: lvl.pfn + i, level: l + 1 });
    });
  }
  return out.sort((a, b) => a.pfn - b.pfn);
}

/** Writes one 8-byte entry: into table frame `pfn`, slot `index`. */
export type EntryWriter = (pfn: number, index: number, value: bigint) => void;

/**
 * Fill the planned tables. Each entry points at the machine frame of the
 * next level's table (or, in L1, of the mapped page); page-table frames
 * themselves are mapped read-only, as a PV guest must see them.
 */
export function writeMappings(params: PagingParams, maps: readonly Mapping[], p2m: (pfn: number) => number, write: EntryWriter): void {
  const isTableFrame = (pfn: number): boolean =>
    maps.some((m) => {
      const first = m.levels[params.levels - 1]!.pfn;
      return pfn >= first && pfn < first + m.tableCount;
    });
  for (let l = params.levels - 1; l >= 0; l--) {
    const shift = PAGE_SHIFT + BigInt(l) * LEVEL_SHIFT;
    for (const m1 of maps) {
      const t = m1.levels[l]!;
      if (t.count === 0) continue;
      for (const m2 of maps) {
        // What this level points at: the next level's tables, or (L1) the mapped area.
        const target = l > 0 ? m2.levels[l - 1]! : { from: m2.from, to: m2.to, pfn: m2.pfn, count: 1 };
        if (l > 0 && target.count === 0) continue;
        if (target.from >= t.to || target.to <= t.from) continue;
        const lo = target.from > t.from ? target.from : t.from;
        const hi = target.to < t.to ? target.to : t.to;
        const first = Number((lo - t.from) >> shift);
        const last = Number((hi - t.from) >> shift);
        let pfn = Number((lo - target.from) >> shift) + target.pfn;
        for (let p = first; p <= last; p++, pfn++) {
          let prot = params.prot[l]!;
          if (l === 0 && isTableFrame(pfn)) prot &= ~PTE.RW;
          write(t.pfn + (p >>> 9), p & 511, (BigInt(p2m(pfn)) << PAGE_SHIFT) | prot);
        }
      }
    }
  }
}
