import { constants, struct, union, type StructDecl } from '../layout.js';

/** EVTCHNOP_* (event_channel.h). */
export const EvtchnOp = {
  bind_interdomain: 0,
  bind_virq: 1,
  bind_pirq: 2,
  close: 3,
  send: 4,
  status: 5,
  alloc_unbound: 6,
  bind_ipi: 7,
  bind_vcpu: 8,
  unmask: 9,
  reset: 10,
  init_control: 11,
  expand_array: 12,
  set_priority: 13,
  reset_cont: 14,
} as const;

/** EVTCHNSTAT_* (evtchn_status.status). */
export const EvtchnStat = {
  closed: 0,
  unbound: 1,
  interdomain: 2,
  pirq: 3,
  virq: 4,
  ipi: 5,
} as const;
export type EvtchnStat = (typeof EvtchnStat)[keyof typeof EvtchnStat];

/** VIRQ_* (xen.h). */
export const Virq = {
  TIMER: 0,
  DEBUG: 1,
  CONSOLE: 2,
  DOM_EXC: 3,
  TBUF: 4,
  DEBUGGER: 6,
  XENOPROF: 7,
  CON_RING: 8,
  PCPU_STATE: 9,
  MEM_EVENT: 10,
  ARGO: 11,
  ENOMEM: 12,
  XENPMU: 13,
  ARCH_0: 16,
  ARCH_1: 17,
  ARCH_2: 18,
  ARCH_3: 19,
  ARCH_4: 20,
  ARCH_5: 21,
  ARCH_6: 22,
  ARCH_7: 23,
} as const;
export const NR_VIRQS = 24;

/**
 * Per-vCPU VIRQs (Xen's virq_is_global is false for these): they are bound
 * on a given vCPU; the rest are global and must be bound on vCPU 0.
 */
export const PER_VCPU_VIRQS: ReadonlySet<number> = new Set([Virq.TIMER, Virq.DEBUG, Virq.XENOPROF, Virq.XENPMU]);

/** Special domain ids (xen.h). */
export const DomId = {
  SELF: 0x7ff0,
  IO: 0x7ff1,
  XEN: 0x7ff2,
  COW: 0x7ff3,
  INVALID: 0x7ff4,
  IDLE: 0x7fff,
  FIRST_RESERVED: 0x7ff0,
} as const;

/** 2-level ABI channel counts: bits in the shared_info bitmaps. */
export const EVTCHN_2L_NR_CHANNELS = { x86_64: 4096, x86_32: 1024 } as const;

export const evtchnAllocUnbound: StructDecl = struct('evtchn_alloc_unbound', [
  { name: 'dom', type: 'u16' },
  { name: 'remote_dom', type: 'u16' },
  { name: 'port', type: 'u32' },
], 'struct evtchn_alloc_unbound');

export const evtchnBindInterdomain: StructDecl = struct('evtchn_bind_interdomain', [
  { name: 'remote_dom', type: 'u16' },
  { name: 'remote_port', type: 'u32' },
  { name: 'local_port', type: 'u32' },
], 'struct evtchn_bind_interdomain');

export const evtchnBindVirq: StructDecl = struct('evtchn_bind_virq', [
  { name: 'virq', type: 'u32' },
  { name: 'vcpu', type: 'u32' },
  { name: 'port', type: 'u32' },
], 'struct evtchn_bind_virq');

export const evtchnBindIpi: StructDecl = struct('evtchn_bind_ipi', [
  { name: 'vcpu', type: 'u32' },
  { name: 'port', type: 'u32' },
], 'struct evtchn_bind_ipi');

/** close, send and unmask all carry just a port. */
export const evtchnPortOnly: StructDecl = struct('evtchn_port_arg', [{ name: 'port', type: 'u32' }], 'struct evtchn_send');

export const evtchnStatus: StructDecl = struct('evtchn_status', [
  { name: 'dom', type: 'u16' },
  { name: 'port', type: 'u32' },
  { name: 'status', type: 'u32' },
  { name: 'vcpu', type: 'u32' },
  {
    name: 'u',
    type: union('evtchn_status_u', [
      { name: 'unbound_dom', cPath: 'unbound.dom', type: 'u16' },
      {
        name: 'interdomain',
        type: struct('evtchn_status_interdomain', [
          { name: 'dom', type: 'u16' },
          { name: 'port', type: 'u32' },
        ]),
      },
      { name: 'pirq', type: 'u32' },
      { name: 'virq', type: 'u32' },
    ]),
  },
], 'struct evtchn_status');

export const evtchnBindVcpu: StructDecl = struct('evtchn_bind_vcpu', [
  { name: 'port', type: 'u32' },
  { name: 'vcpu', type: 'u32' },
], 'struct evtchn_bind_vcpu');

export const evtchnReset: StructDecl = struct('evtchn_reset', [{ name: 'dom', type: 'u16' }], 'struct evtchn_reset');

export const evtchnOpConsts = constants('EVTCHNOP_', EvtchnOp);
export const evtchnStatConsts = constants('EVTCHNSTAT_', EvtchnStat);
export const virqConsts = constants('VIRQ_', { ...Virq, NR: NR_VIRQS });
export const domIdConsts = constants('DOMID_', DomId, 'xen/xen.h');
