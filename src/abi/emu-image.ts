/**
 * The emu image: how the pv machine (src/machine/pv) loads emu and lays out
 * the part of Xen's hole emu lives in. Defined once here; emu includes the
 * generated src/abi/nasm/<arch>/emu-image.inc. docs/emu.md explains the
 * design.
 *
 * emu is a flat binary linked at its hole address. It starts with
 * `emu_image_header`. The machine copies the image (up to `image_end`,
 * its zeroed .bss included) into frames it reserves outside the guest's
 * reservation, gives every vCPU `EMU_PCPU_FRAMES` more frames mapped in its
 * per-vCPU area, maps all of guest-physical memory at the physmap (so emu
 * can read and write any frame by machine address without touching the
 * guest's page tables), and starts vCPU 0 at `entry` in ring 0 with rdi =
 * 0 (the vCPU id) and rsp at the top of that vCPU's stack.
 */
import { constants, struct, type StructDecl } from './layout.js';

/** "EMUI" read as a little-endian dword. */
export const EMU_IMAGE_MAGIC = 0x49554d45;

export const emuImageHeader: StructDecl = struct('emu_image_header', [
  { name: 'magic', type: 'u32' },
  /** EMU_PROTOCOL_VERSION the image speaks (src/abi/emu-port.ts). */
  { name: 'protocol', type: 'u32' },
  /** Virtual address of the boot entry point. */
  { name: 'entry', type: 'u64' },
  /** Virtual address of the end of .bss (page aligned): the image spans link address to here. */
  { name: 'image_end', type: 'u64' },
  /** Word size of the guests this image serves: 64 or 32. */
  { name: 'guest_bits', type: 'u32' },
  { name: 'pad', type: 'u32' },
]);

/**
 * 64-bit guests: where emu lives inside Xen's hole
 * (0xffff800000000000-0xffff87ffffffffff). The M2P keeps L4 slot 256 as
 * under Xen; emu takes slot 262 for itself and slot 264 for the physmap.
 */
export const EMU64 = {
  /** Link address of emu64.bin (L4 slot 262). */
  BASE: 0xffff830000000000n,
  L4_SLOT: 262,
  /** Per-vCPU areas: vCPU n's at PERCPU + n * PERCPU_STRIDE (one L1 table each). */
  PERCPU: 0xffff830000200000n,
  PERCPU_STRIDE: 0x200000,
  /** All guest-physical memory, machine address + PHYSMAP, in 2 MiB pages (L4 slot 264). */
  PHYSMAP: 0xffff840000000000n,
  PHYSMAP_L4_SLOT: 264,
} as const;

/**
 * 32-bit PAE guests: emu lives at the top of Xen's hole
 * (0xf5800000-0xffffffff, the L2 of L3 slot 3), above the M2P. There is no
 * room for a physmap of all memory, so emu reaches frames by machine
 * address through a window of mapping slots (as Xen's map_domain_page),
 * and the page-type table has a fixed mapping of its own. Every range
 * below is one or more whole L2 entries (2 MiB) of that top L2.
 */
export const EMU32 = {
  /** Link address of emu32.bin (L2 index 504); the image may not reach its last page. */
  BASE: 0xff000000n,
  /** The mapping window's L1 table, mapped in the last page of the image's 2 MiB. */
  MAPCACHE_PT: 0xff1ff000n,
  /** Per-vCPU areas: vCPU n's at PERCPU + n * PERCPU_STRIDE (one L1 table each, L2 index 505 + n). */
  PERCPU: 0xff200000n,
  PERCPU_STRIDE: 0x200000,
  MAX_VCPUS: 2,
  /** The mapping window (L2 index 507): 512 slots, MAPCACHE_SLOTS per vCPU. */
  MAPCACHE: 0xff600000n,
  MAPCACHE_SLOTS: 64,
  /** The page-type table (L2 indexes 508-511): 4 bytes per machine frame, at most 8 MiB. */
  FRAME_INFO: 0xff800000n,
  FRAME_INFO_MAX_PAGES: 2048,
  /** The first L2 index of the top L2 that is emu's. */
  FIRST_L2_INDEX: 504,
} as const;

/**
 * The pages of a per-vCPU area, by page index from its start. Pages 0-13
 * are the GDT window for the guest's own GDT frames (the zero page until
 * set_gdt), page 14 holds Xen's reserved GDT entries, so the GDT is 15
 * pages long as under Xen. The pages listed in {@link EMU_PCPU_BACKED}
 * have frames of their own; the rest are unmapped guards.
 */
export const EmuPcpuPage = {
  GDT: 0,
  GDT_GUEST_PAGES: 14,
  GDT_RESERVED: 14,
  /** emu's per-vCPU data (struct pcpu, the TSS). */
  DATA: 16,
  /** The guest's virtual IDT: 256 trap_info-like entries of 16 bytes. */
  TRAPS: 17,
  /** The emu-port request page. */
  REQUEST: 18,
  /** Ring-0 stack, with a guard page below. */
  STACK: 20,
  STACK_PAGES: 4,
  /** IST stack for #DF, NMI and #MC, with a guard page below. */
  IST: 25,
  IST_PAGES: 2,
  /** The window emu maps the guest's LDT frames into (set_ldt): 64 KiB, unmapped until then. */
  LDT: 28,
  LDT_PAGES: 16,
  /** Pages the area spans (guards and the LDT window included). */
  SPAN: 44,
} as const;

/** Pages of a per-vCPU area that have frames, in order: the machine maps frame i of the vCPU's run at page EMU_PCPU_BACKED[i]. */
export const EMU_PCPU_BACKED: readonly number[] = [
  EmuPcpuPage.GDT_RESERVED,
  EmuPcpuPage.DATA,
  EmuPcpuPage.TRAPS,
  EmuPcpuPage.REQUEST,
  ...Array.from({ length: EmuPcpuPage.STACK_PAGES }, (_, i) => EmuPcpuPage.STACK + i),
  ...Array.from({ length: EmuPcpuPage.IST_PAGES }, (_, i) => EmuPcpuPage.IST + i),
];
export const EMU_PCPU_FRAMES = EMU_PCPU_BACKED.length;

export const emuImageConsts = constants('EMU_IMAGE_', { MAGIC: EMU_IMAGE_MAGIC });
export const emu64Consts = constants('EMU64_', { ...EMU64 });
export const emu32Consts = constants('EMU32_', { ...EMU32 });
export const emuPcpuConsts = constants('EMU_PCPU_', { ...EmuPcpuPage, FRAMES: EMU_PCPU_FRAMES });
