import { constants, struct, union, type StructDecl } from '../layout.js';

/** mmu_update request types: the low 2 bits of mmu_update.ptr (xen.h MMU_*). */
export const MmuUpdateType = {
  NORMAL_PT_UPDATE: 0,
  MACHPHYS_UPDATE: 1,
  PT_UPDATE_PRESERVE_AD: 2,
  PT_UPDATE_NO_TRANSLATE: 3,
} as const;

/** mmuext_op commands (xen.h MMUEXT_*). */
export const MmuExtCmd = {
  PIN_L1_TABLE: 0,
  PIN_L2_TABLE: 1,
  PIN_L3_TABLE: 2,
  PIN_L4_TABLE: 3,
  UNPIN_TABLE: 4,
  NEW_BASEPTR: 5,
  TLB_FLUSH_LOCAL: 6,
  INVLPG_LOCAL: 7,
  TLB_FLUSH_MULTI: 8,
  INVLPG_MULTI: 9,
  TLB_FLUSH_ALL: 10,
  INVLPG_ALL: 11,
  FLUSH_CACHE: 12,
  SET_LDT: 13,
  NEW_USER_BASEPTR: 15,
  CLEAR_PAGE: 16,
  COPY_PAGE: 17,
  FLUSH_CACHE_GLOBAL: 18,
  MARK_SUPER: 19,
  UNMARK_SUPER: 20,
} as const;

/** update_va_mapping flags (xen.h UVMF_*). */
export const Uvmf = {
  NONE: 0,
  TLB_FLUSH: 1,
  INVLPG: 2,
  FLUSHTYPE_MASK: 3,
  MULTI: 0,
  LOCAL: 0,
  ALL: 4,
} as const;

/** vm_assist (xen.h VMASST_*). */
export const VmAssist = {
  CMD_enable: 0,
  CMD_disable: 1,
  TYPE_4gb_segments: 0,
  TYPE_4gb_segments_notify: 1,
  TYPE_writable_pagetables: 2,
  TYPE_pae_extended_cr3: 3,
  TYPE_architectural_iopl: 4,
  TYPE_runstate_update_flag: 5,
  TYPE_m2p_strict: 32,
} as const;

/** struct mmu_update */
export const mmuUpdate: StructDecl = struct('mmu_update', [
  { name: 'ptr', type: 'u64' },
  { name: 'val', type: 'u64' },
], 'struct mmu_update');

/** struct mmuext_op; arg2's vcpumask is a guest handle (a pointer: ulong). */
export const mmuextOp: StructDecl = struct('mmuext_op', [
  { name: 'cmd', type: 'u32' },
  { name: 'arg1', type: union('mmuext_arg1', [{ name: 'mfn', type: 'ulong' }, { name: 'linear_addr', type: 'ulong' }]) },
  {
    name: 'arg2',
    type: union('mmuext_arg2', [{ name: 'nr_ents', type: 'u32' }, { name: 'vcpumask', type: 'ulong' }, { name: 'src_mfn', type: 'ulong' }]),
  },
], 'struct mmuext_op');

export const mmConsts = [
  constants('MMU_', MmuUpdateType, 'xen/xen.h'),
  constants('MMUEXT_', MmuExtCmd, 'xen/xen.h'),
  constants('UVMF_', Uvmf, 'xen/xen.h'),
  constants('VMASST_', VmAssist, 'xen/xen.h'),
];
