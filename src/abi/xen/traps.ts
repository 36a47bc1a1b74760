import { constants, struct, type ConstGroup, type StructDecl } from '../layout.js';

/**
 * struct trap_info (arch-x86/xen.h): one entry of the virtual IDT given to
 * set_trap_table; flags bits 0-1 are the DPL that may raise it with `int`,
 * bit 2 clears the event mask on entry (like an interrupt gate).
 */
export const trapInfo: StructDecl = struct('trap_info', [
  { name: 'vector', type: 'u8' },
  { name: 'flags', type: 'u8' },
  { name: 'cs', type: 'u16' },
  { name: 'address', type: 'ulong' },
], 'struct trap_info');

export const TRAP_INFO_FLAG_IF = 4;

/**
 * The flat selectors Xen's reserved GDT entries give a PV guest
 * (arch-x86/xen-x86_64.h, xen-x86_32.h FLAT_*). A 64-bit PV kernel runs in
 * ring 3 with the ring-3 selectors; a 32-bit one in ring 1.
 */
export const flatSelectors: ConstGroup = {
  prefix: 'FLAT_',
  values: {},
  perArch: {
    x86_64: {
      RING3_CS32: 0xe023,
      RING3_CS64: 0xe033,
      RING3_DS32: 0xe02b,
      RING3_DS64: 0,
      RING3_SS32: 0xe02b,
      RING3_SS64: 0xe02b,
      KERNEL_CS: 0xe033,
      KERNEL_DS: 0,
      KERNEL_SS: 0xe02b,
      USER_CS: 0xe033,
      USER_DS: 0,
      USER_SS: 0xe02b,
      USER_CS32: 0xe023,
      USER_DS32: 0xe02b,
    },
    x86_32: {
      RING1_CS: 0xe019,
      RING1_DS: 0xe021,
      RING1_SS: 0xe021,
      RING3_CS: 0xe02b,
      RING3_DS: 0xe033,
      RING3_SS: 0xe033,
      KERNEL_CS: 0xe019,
      KERNEL_DS: 0xe021,
      KERNEL_SS: 0xe021,
      USER_CS: 0xe02b,
      USER_DS: 0xe033,
      USER_SS: 0xe033,
    },
  },
  cHeader: 'xen/xen.h',
};



/** set_segment_base registers (arch-x86/xen-x86_64.h SEGBASE_*; 64-bit guests only). */
export const segBase: ConstGroup = {
  prefix: 'SEGBASE_',
  values: {},
  perArch: { x86_64: { FS: 0, GS_USER: 1, GS_KERNEL: 2, GS_USER_SEL: 3 }, x86_32: {} },
  cHeader: 'xen/xen.h',
};

export const trapConsts = [flatSelectors, segBase, constants('TRAP_INFO_FLAG_', { IF: TRAP_INFO_FLAG_IF })];
