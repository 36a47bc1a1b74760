import { constants, struct, type StructDecl } from '../layout.js';

/** SCHEDOP_* (sched.h). */
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

/** SHUTDOWN_* reasons (sched.h). */
export const ShutdownReason = {
  poweroff: 0,
  reboot: 1,
  suspend: 2,
  crash: 3,
  watchdog: 4,
  soft_reset: 5,
} as const;
export type ShutdownReason = (typeof ShutdownReason)[keyof typeof ShutdownReason];
export const SHUTDOWN_MAX = 5;

/** Most ports one SCHEDOP_poll may name (Xen's limit). */
export const SCHED_POLL_MAX_PORTS = 128;

export const schedShutdown: StructDecl = struct('sched_shutdown', [{ name: 'reason', type: 'u32' }], 'struct sched_shutdown');

export const schedPoll: StructDecl = struct('sched_poll', [
  { name: 'ports', type: 'ulong' },
  { name: 'nr_ports', type: 'u32' },
  { name: 'timeout', type: 'u64' },
], 'struct sched_poll');

export const schedRemoteShutdown: StructDecl = struct('sched_remote_shutdown', [
  { name: 'domain_id', type: 'u16' },
  { name: 'reason', type: 'u32' },
], 'struct sched_remote_shutdown');

export const schedOpConsts = constants('SCHEDOP_', SchedOp, 'xen/sched.h');
export const shutdownConsts = constants('SHUTDOWN_', ShutdownReason, 'xen/sched.h');
