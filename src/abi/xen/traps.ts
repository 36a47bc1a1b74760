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

/** set_segment_base registers (arch-x86/xen-x86_64.h SEGBASE_*; 64-bit guests only). */
export const segBase: ConstGroup = {
  prefix: 'SEGBASE_',
  values: {},
  perArch: { x86_64: { FS: 0, GS_USER: 1, GS_KERNEL: 2, GS_USER_SEL: 3 }, x86_32: {} },
  cHeader: 'xen/xen.h',
};

export const trapConsts = [segBase, constants('TRAP_INFO_FLAG_', { IF: TRAP_INFO_FLAG_IF })];
