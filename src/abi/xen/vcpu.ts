import { constants, struct, type StructDecl } from '../layout.js';

/** VCPUOP_* (vcpu.h). */
export const VcpuOp = {
  initialise: 0,
  up: 1,
  down: 2,
  is_up: 3,
  get_runstate_info: 4,
  register_runstate_memory_area: 5,
  set_periodic_timer: 6,
  stop_periodic_timer: 7,
  set_singleshot_timer: 8,
  stop_singleshot_timer: 9,
  register_vcpu_info: 10,
  send_nmi: 11,
  get_physid: 12,
  register_vcpu_time_memory_area: 13,
} as const;

/** RUNSTATE_* */
export const Runstate = {
  running: 0,
  runnable: 1,
  blocked: 2,
  offline: 3,
} as const;
export type Runstate = (typeof Runstate)[keyof typeof Runstate];

/** Set in state_entry_time while the host rewrites the runstate area. */
export const XEN_RUNSTATE_UPDATE = 1n << 63n;

/** vcpu_set_singleshot_timer.flags */
export const VCPU_SSHOTTMR_future = 1;

export const vcpuRunstateInfo: StructDecl = struct('vcpu_runstate_info', [
  { name: 'state', type: 'u32' },
  { name: 'state_entry_time', type: 'u64' },
  { name: 'time', type: 'u64', count: 4 },
], 'struct vcpu_runstate_info');

export const vcpuSetSingleshotTimer: StructDecl = struct('vcpu_set_singleshot_timer', [
  { name: 'timeout_abs_ns', type: 'u64' },
  { name: 'flags', type: 'u32' },
], 'struct vcpu_set_singleshot_timer');

export const vcpuSetPeriodicTimer: StructDecl = struct('vcpu_set_periodic_timer', [
  { name: 'period_ns', type: 'u64' },
], 'struct vcpu_set_periodic_timer');

export const vcpuRegisterVcpuInfo: StructDecl = struct('vcpu_register_vcpu_info', [
  { name: 'mfn', type: 'u64' },
  { name: 'offset', type: 'u32' },
  { name: 'rsvd', type: 'u32' },
], 'struct vcpu_register_vcpu_info');

export const vcpuOpConsts = constants('VCPUOP_', VcpuOp);
export const runstateConsts = constants('RUNSTATE_', Runstate);
