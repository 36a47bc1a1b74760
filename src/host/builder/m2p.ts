/**
 * The read-only machine-to-phys table (M2P), which a PV guest reads at the
 * ABI address (RO_MPT_VIRT_START: 0xffff800000000000 in long mode; the
 * start of the hypervisor area, 0xf5800000 unless HV_START_LOW moves it,
 * for 32-bit PAE). It lives in machine frames that belong to the
 * hypervisor, not the guest, and is mapped by tables that are the
 * hypervisor's too; the entries that hook those tables into a guest
 * top-level table (L4 slot 256) or into the L2 of the top gigabyte (PAE)
 * are what Xen copies into every page table the guest pins, and emu must
 * do the same.
 */
import { PTE } from '../../abi/xen/arch-x86.js';

const PAGE = 4096;
const ENTRIES = 512;
/** Invalid M2P entry (INVALID_M2P_ENTRY, ~0): frames the guest does not own. */
export const INVALID_M2P_32 = 0xffffffff;
export const INVALID_M2P_64 = 0xffffffffffffffffn;

/** The table's contents for `machineFrames` frames: each guest frame's pfn, ~0 for the rest. */
export function m2pTableBytes(p2m: Uint32Array, machineFrames: number, wordSize: 4 | 8): Uint8Array {
  const bytes = new Uint8Array(Math.ceil((machineFrames * wordSize) / PAGE) * PAGE);
  const dv = new DataView(bytes.buffer);
  // All ones is ~0 in either word size.
  bytes.fill(0xff, 0, machineFrames * wordSize);
  for (let pfn = 0; pfn < p2m.length; pfn++) {
    if (wordSize === 8) dv.setBigUint64(p2m[pfn]! * 8, BigInt(pfn), true);
    else dv.setUint32(p2m[pfn]! * 4, pfn, true);
  }
  return bytes;
}

/** Read-only data, readable from the guest kernel's ring (3 on 64-bit). */
const M2P_LEAF = PTE.PRESENT | PTE.USER | PTE.ACCESSED;
const M2P_TABLE = PTE.PRESENT | PTE.RW | PTE.USER | PTE.ACCESSED | PTE.DIRTY;

export function m2pFramesFor(entries: number, wordSize: 4 | 8, levels: 3 | 4): { table: number; pageTables: number } {
  const table = Math.ceil((entries * wordSize) / PAGE);
  const l1 = Math.ceil(table / ENTRIES);
  // Long mode: an L3 and the L2s under L4 slot 256; PAE: only L1s, hooked into the guest's top L2.
  const upper = levels === 4 ? 1 + Math.ceil(l1 / ENTRIES) : 0;
  return { table, pageTables: l1 + upper };
}

/** Entries that hook the M2P into a guest table: into `level` at `firstIndex` onwards. */
export interface HypervisorEntries {
  level: 2 | 4;
  firstIndex: number;
  entries: bigint[];
}

export interface M2pMapping {
  /** Virtual address of the table. */
  virt: bigint;
  /** First machine frame of the table; it is contiguous. */
  tableMfn: number;
  tableFrames: number;
  /** Machine frames of the tables mapping it. */
  pageTableMfns: number[];
  hook: HypervisorEntries;
}

export interface M2pWriter {
  write64(maddr: number, value: bigint): void;
}

/**
 * Map `tableFrames` frames from `tableMfn` at `virt`, with page tables in
 * the frames from `ptMfn`. Returns the entries to hook into the guest.
 */
export function mapM2p(mem: M2pWriter, levels: 3 | 4, virt: bigint, tableMfn: number, tableFrames: number, ptMfn: number): M2pMapping {
  const l1Count = Math.ceil(tableFrames / ENTRIES);
  const pageTableMfns: number[] = [];
  const l1s: number[] = [];
  for (let i = 0; i < l1Count; i++) l1s.push(ptMfn + i);
  pageTableMfns.push(...l1s);
  for (let f = 0; f < tableFrames; f++) {
    mem.write64(l1s[f >>> 9]! * PAGE + (f & 511) * 8, (BigInt(tableMfn + f) << 12n) | M2P_LEAF);
  }
  const l2Index = Number((virt >> 21n) & 511n);
  if (levels === 3) {
    if (l2Index + l1Count > ENTRIES) throw new RangeError(`the M2P (${tableFrames} frames) does not fit below 4 GiB from ${virt.toString(16)}`);
    return {
      virt,
      tableMfn,
      tableFrames,
      pageTableMfns,
      hook: { level: 2, firstIndex: l2Index, entries: l1s.map((m) => (BigInt(m) << 12n) | M2P_TABLE) },
    };
  }
  // Long mode: L3 -> L2s -> L1s, the table starting at a 1 GiB boundary (slot 256 of the L4).
  const l2Count = Math.ceil(l1Count / ENTRIES);
  const l3 = ptMfn + l1Count;
  const l2s: number[] = [];
  for (let i = 0; i < l2Count; i++) l2s.push(l3 + 1 + i);
  pageTableMfns.push(l3, ...l2s);
  l1s.forEach((m, i) => mem.write64(l2s[i >>> 9]! * PAGE + (i & 511) * 8, (BigInt(m) << 12n) | M2P_TABLE));
  l2s.forEach((m, i) => mem.write64(l3 * PAGE + (Number((virt >> 30n) & 511n) + i) * 8, (BigInt(m) << 12n) | M2P_TABLE));
  return {
    virt,
    tableMfn,
    tableFrames,
    pageTableMfns,
    hook: { level: 4, firstIndex: Number((virt >> 39n) & 511n), entries: [(BigInt(l3) << 12n) | M2P_TABLE] },
  };
}
