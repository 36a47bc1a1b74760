/**
 * emu's frames and its part of the hole (docs/emu.md).
 *
 * The builder reserves frames above the guest's and the hypervisor's; the
 * pv machine lays them out as
 *
 *   emu image | per-vCPU frames | zero page | hole page tables |
 *   page-type table | grant-table frames
 *
 * and maps them through hole entries emu copies into every table the guest
 * gives it. 64-bit: L4 entries put into every top-level table: the image at
 * EMU64.BASE and each vCPU's area at EMU64.PERCPU (slot 262), and all
 * machine memory at EMU64.PHYSMAP (slot 264), supervisor-only, so the guest
 * kernel (ring 3) cannot reach them. PAE: L2 entries of the top L2 (EMU32):
 * the image, the per-vCPU areas, the mapping window and the page-type
 * table; the ring-1 kernel is kept out by its segment limits.
 */
import { EMU32, EMU64, EMU_PCPU_BACKED, EMU_PCPU_FRAMES, EmuPcpuPage } from '../../abi/emu-image.js';
import { PAGE_SIZE, type GuestMemory } from '../../memory/guest-memory.js';
import type { EmuImage } from './emu-image.js';
import type { GuestArch } from '../../abi/layout.js';

/** A run of machine frames. */
export interface FrameRun {
  mfn: number;
  count: number;
}

export interface EmuFramePlan {
  image: FrameRun;
  /** vCPU n's frames: [pcpu.mfn + n * EMU_PCPU_FRAMES, ...). */
  pcpu: FrameRun;
  zeroMfn: number;
  tables: FrameRun;
  frameInfo: FrameRun;
  grant: FrameRun;
  /** Everything but the grant frames: emu's own. */
  emu: FrameRun;
}

/** Xen's default maximum of grant-table frames per domain (gnttab_max_frames). */
export const GRANT_FRAMES = 64;

const GIB = 1 << 30;
const PTE_P = 1n;
const PTE_RW = 2n;
const PTE_A = 0x20n;
const PTE_D = 0x40n;
const PTE_PS = 0x80n;
const TABLE = PTE_P | PTE_RW | PTE_A;
const LEAF = PTE_P | PTE_RW | PTE_A | PTE_D;

/** The page-type table: one u32 per machine frame. */
const frameInfoPages = (machineFrames: number): number => Math.ceil((machineFrames * 4) / PAGE_SIZE);

/** Hole page tables for a machine of `machineFrames` frames and `vcpus` vCPUs. */
function tableFrames(arch: GuestArch, vcpus: number, machineFrames: number): number {
  if (arch === 'x86_32') {
    // The image's L1, one L1 per vCPU, the mapping window's L1, the page-type table's L1s.
    return 2 + vcpus + Math.ceil(frameInfoPages(machineFrames) / 512);
  }
  const physmapL2 = Math.ceil((machineFrames * PAGE_SIZE) / GIB);
  // emu: L3, L2, the image's L1, one L1 per vCPU; physmap: L3 and its L2s.
  return 3 + vcpus + 1 + physmapL2;
}

/**
 * How many frames to reserve for emu when the guest has `guestFrames`
 * frames and the hypervisor's own (shared_info, the M2P and its tables)
 * about `hypervisorFrames`: the page-type table must cover every machine
 * frame, its own included.
 */
export function emuReservation(arch: GuestArch, imagePages: number, vcpus: number, guestFrames: number, hypervisorFrames: number): number {
  const fixed = imagePages + vcpus * EMU_PCPU_FRAMES + 1 + GRANT_FRAMES;
  let reserve = fixed;
  for (;;) {
    const machine = guestFrames + hypervisorFrames + reserve;
    const next = fixed + tableFrames(arch, vcpus, machine) + frameInfoPages(machine);
    if (next <= reserve) return reserve;
    reserve = next;
  }
}

/** Lay out the reserved frames [first, first + count). */
export function planEmuFrames(arch: GuestArch, imagePages: number, vcpus: number, first: number, count: number, machineFrames: number): EmuFramePlan {
  let next = first;
  const take = (n: number): FrameRun => {
    const run = { mfn: next, count: n };
    next += n;
    return run;
  };
  const image = take(imagePages);
  const pcpu = take(vcpus * EMU_PCPU_FRAMES);
  const zeroMfn = take(1).mfn;
  const tables = take(tableFrames(arch, vcpus, machineFrames));
  const frameInfo = take(frameInfoPages(machineFrames));
  const grant = take(GRANT_FRAMES);
  if (next > first + count) throw new Error(`emu needs ${next - first} reserved frames, the builder reserved ${count}`);
  return { image, pcpu, zeroMfn, tables, frameInfo, grant, emu: { mfn: first, count: grant.mfn - first } };
}

const index = (virt: bigint, level: number): number => Number((virt >> BigInt(12 + 9 * (level - 1))) & 511n);
const at = (mfn: number, i: number): number => mfn * PAGE_SIZE + i * 8;
const entry = (mfn: number, flags: bigint): bigint => (BigInt(mfn) << 12n) | flags;

/** Hole entries for the guest's tables: which table gets them (the top level, or PAE's top L2), slot -> entry. */
export interface HoleEntries {
  level: 2 | 4;
  entries: Map<number, bigint>;
}

/** Zero emu's frames and copy the image in. */
function loadImage(mem: GuestMemory, plan: EmuFramePlan, image: EmuImage): void {
  for (let f = plan.image.mfn; f < plan.tables.mfn + plan.tables.count; f++) mem.fill(f * PAGE_SIZE, PAGE_SIZE, 0);
  mem.writeBytes(plan.image.mfn * PAGE_SIZE, image.bytes);
}

/** vCPU `v`'s area in its L1: the GDT window on the zero page, then its own frames. */
function mapPcpuArea(mem: GuestMemory, plan: EmuFramePlan, l1: number, v: number): void {
  for (let p = 0; p < EmuPcpuPage.GDT_GUEST_PAGES; p++) mem.write64(at(l1, p), entry(plan.zeroMfn, PTE_P | PTE_A));
  EMU_PCPU_BACKED.forEach((page, i) => mem.write64(at(l1, page), entry(plan.pcpu.mfn + v * EMU_PCPU_FRAMES + i, LEAF)));
}

/**
 * Copy the image into its frames and write the hole's page tables; returns
 * the hole entries to put into the guest's initial tables.
 */
export function mapEmu(arch: GuestArch, mem: GuestMemory, plan: EmuFramePlan, image: EmuImage, vcpus: number, machineFrames: number): HoleEntries {
  loadImage(mem, plan, image);
  return arch === 'x86_32' ? mapEmu32(mem, plan, image, vcpus, machineFrames) : mapEmu64(mem, plan, image, vcpus, machineFrames);
}

function mapEmu64(mem: GuestMemory, plan: EmuFramePlan, image: EmuImage, vcpus: number, machineFrames: number): HoleEntries {
  let t = plan.tables.mfn;
  const emuL3 = t++;
  const emuL2 = t++;
  const imageL1 = t++;
  if (index(EMU64.BASE, 3) !== 0 || index(EMU64.BASE, 2) !== 0) throw new Error('EMU64.BASE must start an L3 slot');
  mem.write64(at(emuL3, 0), entry(emuL2, TABLE));
  mem.write64(at(emuL2, index(EMU64.BASE, 2)), entry(imageL1, TABLE));
  for (let p = 0; p < image.pages; p++) mem.write64(at(imageL1, p), entry(plan.image.mfn + p, LEAF));

  for (let v = 0; v < vcpus; v++) {
    const l1 = t++;
    mem.write64(at(emuL2, index(EMU64.PERCPU + BigInt(v * EMU64.PERCPU_STRIDE), 2)), entry(l1, TABLE));
    mapPcpuArea(mem, plan, l1, v);
  }

  // The physmap: every machine frame, in 2 MiB pages.
  const physL3 = t++;
  const bytes = machineFrames * PAGE_SIZE;
  for (let g = 0; g * GIB < bytes; g++) {
    const l2 = t++;
    mem.write64(at(physL3, g), entry(l2, TABLE));
    for (let i = 0; i < 512; i++) {
      const addr = g * GIB + i * (1 << 21);
      if (addr >= bytes) break;
      mem.write64(at(l2, i), (BigInt(addr) & ~0xfffn) | LEAF | PTE_PS);
    }
  }
  if (t > plan.tables.mfn + plan.tables.count) throw new Error('emu hole tables overflowed their frames');
  return {
    level: 4,
    entries: new Map([
      [EMU64.L4_SLOT, entry(emuL3, TABLE)],
      [EMU64.PHYSMAP_L4_SLOT, entry(physL3, TABLE)],
    ]),
  };
}

/**
 * PAE: L1 tables only, hooked into the top L2 (the one under L3 slot 3):
 * the image (with the mapping window's own L1 in its last page), each
 * vCPU's area, the mapping window (empty: emu fills its slots), and the
 * page-type table.
 */
function mapEmu32(mem: GuestMemory, plan: EmuFramePlan, image: EmuImage, vcpus: number, machineFrames: number): HoleEntries {
  const l2 = (virt: bigint): number => index(virt, 2);
  if (image.pages > index(EMU32.MAPCACHE_PT, 1)) throw new Error(`emu32's image (${image.pages} pages) runs into its mapping window's table`);
  if (vcpus > EMU32.MAX_VCPUS) throw new Error(`emu32 has room for ${EMU32.MAX_VCPUS} vCPUs, not ${vcpus}`);
  const fiPages = frameInfoPages(machineFrames);
  if (fiPages > EMU32.FRAME_INFO_MAX_PAGES) throw new Error(`emu32's page-type table cannot cover ${machineFrames} frames`);
  const entries = new Map<number, bigint>();
  let t = plan.tables.mfn;
  const imageL1 = t++;
  const windowL1 = t++;
  entries.set(l2(EMU32.BASE), entry(imageL1, TABLE));
  for (let p = 0; p < image.pages; p++) mem.write64(at(imageL1, p), entry(plan.image.mfn + p, LEAF));
  mem.write64(at(imageL1, index(EMU32.MAPCACHE_PT, 1)), entry(windowL1, LEAF));
  entries.set(l2(EMU32.MAPCACHE), entry(windowL1, TABLE));

  for (let v = 0; v < vcpus; v++) {
    const l1 = t++;
    entries.set(l2(EMU32.PERCPU + BigInt(v * EMU32.PERCPU_STRIDE)), entry(l1, TABLE));
    mapPcpuArea(mem, plan, l1, v);
  }

  for (let p = 0; p < fiPages; p += 512) {
    const l1 = t++;
    entries.set(l2(EMU32.FRAME_INFO) + p / 512, entry(l1, TABLE));
    for (let i = 0; i < 512 && p + i < fiPages; i++) mem.write64(at(l1, i), entry(plan.frameInfo.mfn + p + i, LEAF));
  }
  if (t > plan.tables.mfn + plan.tables.count) throw new Error('emu hole tables overflowed their frames');
  return { level: 2, entries };
}

/** The top of vCPU `v`'s ring-0 stack, where the machine starts it. */
export function emuStackTop(arch: GuestArch, v: number): bigint {
  const layout = arch === 'x86_32' ? EMU32 : EMU64;
  return layout.PERCPU + BigInt(v * layout.PERCPU_STRIDE) + BigInt((EmuPcpuPage.STACK + EmuPcpuPage.STACK_PAGES) * PAGE_SIZE);
}
