import { constants, struct } from '../layout.js';

/** Hypercall numbers (xen/include/public/xen.h, __HYPERVISOR_*). */
export const Hypercall = {
  set_trap_table: 0,
  mmu_update: 1,
  set_gdt: 2,
  stack_switch: 3,
  set_callbacks: 4,
  fpu_taskswitch: 5,
  sched_op_compat: 6,
  platform_op: 7,
  set_debugreg: 8,
  get_debugreg: 9,
  update_descriptor: 10,
  memory_op: 12,
  multicall: 13,
  update_va_mapping: 14,
  set_timer_op: 15,
  event_channel_op_compat: 16,
  xen_version: 17,
  console_io: 18,
  physdev_op_compat: 19,
  grant_table_op: 20,
  vm_assist: 21,
  update_va_mapping_otherdomain: 22,
  iret: 23,
  vcpu_op: 24,
  set_segment_base: 25,
  mmuext_op: 26,
  xsm_op: 27,
  nmi_op: 28,
  sched_op: 29,
  callback_op: 30,
  xenoprof_op: 31,
  event_channel_op: 32,
  physdev_op: 33,
  hvm_op: 34,
  sysctl: 35,
  domctl: 36,
  kexec_op: 37,
  tmem_op: 38,
  argo_op: 39,
  xenpmu_op: 40,
  dm_op: 41,
  hypfs_op: 42,
} as const;

export type HypercallName = keyof typeof Hypercall;

/** Each hypercall page entry is 32 bytes: entry N is at page + N*32. */
export const HYPERCALL_STUB_SIZE = 32;

export const hypercallConsts = constants('__HYPERVISOR_', Hypercall, 'xen/xen.h');

/** struct multicall_entry (xen.h): one call of a HYPERVISOR_multicall batch. */
export const multicallEntry = struct('multicall_entry', [
  { name: 'op', type: 'ulong' },
  { name: 'result', type: 'ulong' },
  { name: 'args', type: 'ulong', count: 6 },
], 'struct multicall_entry');
