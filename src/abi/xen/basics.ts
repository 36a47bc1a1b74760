import { constants } from '../layout.js';

/* The Xen ELF note types (elfnote.h). */

/** ELF note types (elfnote.h, XEN_ELFNOTE_*). */
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

export const basicsConsts = [constants('XEN_ELFNOTE_', XenElfNote, 'xen/elfnote.h')];
