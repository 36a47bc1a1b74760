import { constants, struct, type StructDecl } from '../layout.js';

/** callback_op: the entry points a PV kernel registers (callback.h). */
export const CallbackType = {
  event: 0,
  failsafe: 1,
  syscall: 2,
  sysenter_deprecated: 3,
  nmi: 4,
  sysenter: 5,
  syscall32: 7,
} as const;

export const CallbackOp = { register: 0, unregister: 1 } as const;

/** CALLBACKF_mask_events: mask events on entry, as an interrupt gate clears IF. */
export const CALLBACKF_MASK_EVENTS = 1;

/**
 * struct callback_register. xen_callback_t is an address on x86_64 and a
 * {cs, eip} pair on x86_32.
 */
export const callbackRegister: StructDecl = struct('callback_register', [
  { name: 'type', type: 'u16' },
  { name: 'flags', type: 'u16' },
  { name: 'address', type: 'ulong', arch: 'x86_64' },
  {
    name: 'address',
    arch: 'x86_32',
    type: struct('xen_callback', [
      { name: 'cs', type: 'ulong' },
      { name: 'eip', type: 'ulong' },
    ]),
  },
], 'struct callback_register');

/** iret_context.flags: return as from a syscall (x86_64 only; VGCF_in_syscall). */
export const VGCF_IN_SYSCALL = 1 << 8;

export const callbackConsts = [
  constants('CALLBACKTYPE_', CallbackType, 'xen/callback.h'),
  constants('CALLBACKOP_', CallbackOp, 'xen/callback.h'),
  constants('CALLBACKF_', { mask_events: CALLBACKF_MASK_EVENTS }, 'xen/callback.h'),
  constants('VGCF_', { in_syscall: VGCF_IN_SYSCALL }),
];
