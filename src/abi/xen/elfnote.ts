/**
 * Xen ELF notes (xen/include/public/elfnote.h) and the guest feature flags
 * a kernel names in them (xen/include/public/features.h).
 */
import { constants } from '../layout.js';

/** Note types, in the "Xen" note namespace. */
export const XenElfNote = {
  INFO: 0,
  ENTRY: 1,
  HYPERCALL_PAGE: 2,
  VIRT_BASE: 3,
  PADDR_OFFSET: 4,
  XEN_VERSION: 5,
  GUEST_OS: 6,
  GUEST_VERSION: 7,
  LOADER: 8,
  PAE_MODE: 9,
  FEATURES: 10,
  BSD_SYMTAB: 11,
  HV_START_LOW: 12,
  L1_MFN_VALID: 13,
  SUSPEND_CANCEL: 14,
  INIT_P2M: 15,
  MOD_START_PFN: 16,
  SUPPORTED_FEATURES: 17,
  PHYS32_ENTRY: 18,
} as const;

export type XenElfNoteName = keyof typeof XenElfNote;

/** The note name every Xen note carries. */
export const XEN_NOTE_NAME = 'Xen';

/** The legacy (pre-notes) section holding "KEY=VALUE,..." guest information. */
export const XEN_GUEST_SECTION = '__xen_guest';

/** Guest feature bit numbers (features.h XENFEAT_*). */
export const XenFeature = {
  writable_page_tables: 0,
  writable_descriptor_tables: 1,
  auto_translated_physmap: 2,
  supervisor_mode_kernel: 3,
  pae_pgdir_above_4gb: 4,
  mmu_pt_update_preserve_ad: 5,
  highmem_assist: 6,
  gnttab_map_avail_bits: 7,
  hvm_callback_vector: 8,
  hvm_safe_pvclock: 9,
  hvm_pirqs: 10,
  dom0: 11,
  memory_op_vnode_supported: 13,
  linux_rsdp_unrestricted: 15,
  not_direct_mapped: 16,
  direct_mapped: 17,
} as const;

export type XenFeatureName = keyof typeof XenFeature;

export const xenElfNoteConsts = constants('XEN_ELFNOTE_', XenElfNote, 'xen/elfnote.h');
export const xenFeatureConsts = constants('XENFEAT_', XenFeature, 'xen/features.h');
