/**
 * x86 PV address-space and segment facts of the Xen ABI
 * (xen/include/public/arch-x86/xen-x86_64.h, xen-x86_32.h, xen.h) and the
 * page-table entry bits the domain builder and emu share.
 */
import { constants, type GuestArch } from '../layout.js';

/** Where Xen's reserved area and its read-only M2P table live, per guest arch. */
export interface PvAddressSpace {
  /** Start of the hypervisor's hole in the guest address space. */
  readonly hypervisorVirtStart: bigint;
  /** End (exclusive) of the hole; 2^32 for 32-bit PAE guests. */
  readonly hypervisorVirtEnd: bigint;
  /** The read-only machine-to-phys table (RO_MPT_VIRT_START). */
  readonly m2pVirtStart: bigint;
  readonly m2pVirtEnd: bigint;
  /** Bytes per M2P / P2M entry: the guest's unsigned long. */
  readonly wordSize: 4 | 8;
  /** Paging levels: 4 (long mode) or 3 (PAE). */
  readonly levels: 3 | 4;
  /** Significant virtual address bits the page tables translate. */
  readonly virtBits: 48 | 32;
}

export const PV_ADDRESS_SPACE: Readonly<Record<GuestArch, PvAddressSpace>> = {
  x86_64: {
    hypervisorVirtStart: 0xffff800000000000n,
    hypervisorVirtEnd: 0xffff880000000000n,
    m2pVirtStart: 0xffff800000000000n,
    m2pVirtEnd: 0xffff804000000000n,
    wordSize: 8,
    levels: 4,
    virtBits: 48,
  },
  x86_32: {
    hypervisorVirtStart: 0xf5800000n,
    hypervisorVirtEnd: 0x100000000n,
    m2pVirtStart: 0xf5800000n,
    m2pVirtEnd: 0xf6800000n,
    wordSize: 4,
    levels: 3,
    virtBits: 32,
  },
};

/**
 * A 32-bit guest's HV_START_LOW is rounded up to this (an L2 entry's span):
 * Xen moves its compat area only in 2 MiB steps.
 */
export const PAE_HV_START_ALIGN = 1n << 21n;

/** Flat segment selectors in Xen's reserved GDT entries (GDT index 259+). */
export const FlatSelectors = {
  x86_64: {
    FLAT_RING3_CS32: 0xe023,
    FLAT_RING3_CS64: 0xe033,
    FLAT_RING3_DS32: 0xe02b,
    FLAT_RING3_DS64: 0x0000,
    FLAT_RING3_SS32: 0xe02b,
    FLAT_RING3_SS64: 0xe02b,
    FLAT_USER_CS: 0xe033,
    FLAT_USER_DS: 0x0000,
    FLAT_USER_SS: 0xe02b,
    FLAT_USER_CS32: 0xe023,
    FLAT_USER_DS32: 0xe02b,
  },
  x86_32: {
    FLAT_RING1_CS: 0xe019,
    FLAT_RING1_DS: 0xe021,
    FLAT_RING1_SS: 0xe021,
    FLAT_RING3_CS: 0xe02b,
    FLAT_RING3_DS: 0xe033,
    FLAT_RING3_SS: 0xe033,
    FLAT_USER_CS: 0xe02b,
    FLAT_USER_DS: 0xe033,
    FLAT_USER_SS: 0xe033,
  },
} as const;

/** The selectors a PV kernel starts with (FLAT_KERNEL_* per arch). */
export interface KernelSelectors {
  readonly cs: number;
  readonly ds: number;
  readonly ss: number;
}

export const FLAT_KERNEL_SELECTORS: Readonly<Record<GuestArch, KernelSelectors>> = {
  x86_64: { cs: FlatSelectors.x86_64.FLAT_RING3_CS64, ds: FlatSelectors.x86_64.FLAT_RING3_DS64, ss: FlatSelectors.x86_64.FLAT_RING3_SS64 },
  x86_32: { cs: FlatSelectors.x86_32.FLAT_RING1_CS, ds: FlatSelectors.x86_32.FLAT_RING1_DS, ss: FlatSelectors.x86_32.FLAT_RING1_SS },
};

/** The vector of the 32-bit PV hypercall trap (`int 0x82`). */
export const HYPERCALL_VECTOR_32 = 0x82;

/** Page-table entry bits. */
export const PTE = {
  PRESENT: 1n << 0n,
  RW: 1n << 1n,
  USER: 1n << 2n,
  ACCESSED: 1n << 5n,
  DIRTY: 1n << 6n,
  PSE: 1n << 7n,
  NX: 1n << 63n,
} as const;

/** Bits 12..51 of an entry: the machine frame it points to. */
export const PTE_ADDR_MASK = 0x000ffffffffff000n;

/** VCPUOP-style initial flags Xen sets in a new vCPU context (VGCF_*). */
export const VGCF = {
  i387_valid: 1 << 0,
  in_kernel: 1 << 2,
  failsafe_disables_events: 1 << 3,
  syscall_disables_events: 1 << 4,
  online: 1 << 5,
} as const;

export const flatSelectorConsts = {
  prefix: '',
  values: {},
  perArch: {
    x86_64: { ...FlatSelectors.x86_64, FLAT_KERNEL_CS: FLAT_KERNEL_SELECTORS.x86_64.cs, FLAT_KERNEL_DS: FLAT_KERNEL_SELECTORS.x86_64.ds, FLAT_KERNEL_SS: FLAT_KERNEL_SELECTORS.x86_64.ss },
    x86_32: { ...FlatSelectors.x86_32, FLAT_KERNEL_CS: FLAT_KERNEL_SELECTORS.x86_32.cs, FLAT_KERNEL_DS: FLAT_KERNEL_SELECTORS.x86_32.ds, FLAT_KERNEL_SS: FLAT_KERNEL_SELECTORS.x86_32.ss },
  },
  cHeader: 'xen/xen.h',
} as const;

export const pvAddressConsts = {
  prefix: '',
  values: {},
  perArch: {
    x86_64: {
      HYPERVISOR_VIRT_START: PV_ADDRESS_SPACE.x86_64.hypervisorVirtStart,
      HYPERVISOR_VIRT_END: PV_ADDRESS_SPACE.x86_64.hypervisorVirtEnd,
      MACH2PHYS_VIRT_START: PV_ADDRESS_SPACE.x86_64.m2pVirtStart,
      MACH2PHYS_VIRT_END: PV_ADDRESS_SPACE.x86_64.m2pVirtEnd,
    },
    x86_32: {
      HYPERVISOR_VIRT_START: PV_ADDRESS_SPACE.x86_32.hypervisorVirtStart,
      MACH2PHYS_VIRT_START: PV_ADDRESS_SPACE.x86_32.m2pVirtStart,
      MACH2PHYS_VIRT_END: PV_ADDRESS_SPACE.x86_32.m2pVirtEnd,
    },
  },
  cHeader: 'xen/xen.h',
} as const;

export const pteConsts = constants('_PAGE_', { PRESENT: 1, RW: 2, USER: 4, ACCESSED: 0x20, DIRTY: 0x40, PSE: 0x80 });
