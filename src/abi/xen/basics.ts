import { constants } from '../layout.js';

/*
 * The first Xen constants the PV test guests need (from elfnote.h, sched.h
 * and xen.h). Kept small on purpose: the full definitions of each header
 * live in their own files beside this one.
 */

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

/** sched_op commands (sched.h, SCHEDOP_*). */
export const SchedOp = {
  yield: 0,
  block: 1,
  shutdown: 2,
  poll: 3,
  remote_shutdown: 4,
  shutdown_code: 5,
  watchdog: 6,
  pin_override: 7,
} as const;

/** Shutdown reasons (sched.h, SHUTDOWN_*). */
export const ShutdownReason = {
  poweroff: 0,
  reboot: 1,
  suspend: 2,
  crash: 3,
  watchdog: 4,
  soft_reset: 5,
} as const;

/** console_io commands (xen.h, CONSOLEIO_*). */
export const ConsoleIo = { write: 0, read: 1 } as const;

export const basicsConsts = [
  constants('XEN_ELFNOTE_', XenElfNote, 'xen/elfnote.h'),
  constants('SCHEDOP_', SchedOp, 'xen/sched.h'),
  constants('SHUTDOWN_', ShutdownReason, 'xen/sched.h'),
  constants('CONSOLEIO_', ConsoleIo, 'xen/xen.h'),
];
