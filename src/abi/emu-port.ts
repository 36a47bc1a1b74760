/**
 * The emu port: how emu (ring 0 inside the guest) and, later, the PV-on-HVM
 * hypercall page ask the host for what they cannot do alone. Defined once
 * here; src/abi/nasm/<arch>/emu-port.inc is generated from it and
 * docs/emu-port.md explains it.
 *
 * Shape: every vCPU registers one 4 KiB *request page* in guest-physical
 * memory once at boot (SETUP). A request is then a single `out` to the CALL
 * port with the op code in eax: emu fills the page first (arguments and a
 * copy of the hypercall's argument structure), the host serves the request
 * during that one I/O exit and writes the result into the page before the
 * vCPU resumes. So the software CPU and KVM handle a request identically,
 * with exactly one exit and no string I/O, and the host never walks guest
 * page tables: emu copies guest-virtual arguments into the page (and results
 * back out), translating the few addresses the host must keep
 * (runstate area) to guest-physical ones.
 *
 * Forwarded hypercalls use Xen's own hypercall number as the op code and
 * Xen's own structure layouts (of the guest's word size) in the data area;
 * emu-private ops are numbered from 0x100.
 */
import { constants, struct, type StructDecl } from './layout.js';

/** Protocol version: major in bits 16-31, minor in 0-15. A major mismatch is fatal. */
export const EMU_PROTOCOL_MAJOR = 1;
export const EMU_PROTOCOL_MINOR = 0;
export const EMU_PROTOCOL_VERSION = (EMU_PROTOCOL_MAJOR << 16) | EMU_PROTOCOL_MINOR;

/** "XEMU" read as a little-endian dword from the MAGIC port. */
export const EMU_PORT_MAGIC_VALUE = 0x554d4558;

/** I/O ports (32-bit accesses only). 0xe00-0xe0f is unused on a PC. */
export const EmuPort = {
  BASE: 0x0e00,
  /** in: EMU_PORT_MAGIC_VALUE, so emu can tell it runs under xenner. */
  MAGIC: 0x0e00,
  /** in: EMU_PROTOCOL_VERSION of the host. */
  VERSION: 0x0e04,
  /** out: guest frame number of this vCPU's request page (its `version` field set first). */
  SETUP: 0x0e08,
  /** out: op code (EmuOp or a Xen hypercall number); arguments and result in the request page. */
  CALL: 0x0e0c,
  COUNT: 16,
} as const;

/**
 * Op codes written to the CALL port. Below 0x100 they are Xen hypercall
 * numbers of the hypercalls emu forwards (arguments as documented per
 * hypercall in docs/emu-port.md); from 0x100 emu's own requests.
 */
export const EmuOp = {
  memory_op: 12,
  set_timer_op: 15,
  console_io: 18,
  grant_table_op: 20,
  vcpu_op: 24,
  sched_op: 29,
  event_channel_op: 32,
  /** Fill emu_boot_info into data. */
  BOOT_INFO: 0x100,
  /** arg0 = length; data = text: a line for the host's log. */
  LOG: 0x101,
  /** arg0 = code, arg1 = length; data = text: emu cannot go on, crash the domain. */
  CRASH: 0x102,
  /**
   * arg0 = guest-physical address (page aligned, in emu's frames) of a table
   * of one u32 per event-channel port (EvtchnShadow) that the host keeps
   * current from then on.
   */
  EVTCHN_TABLE: 0x103,
} as const;

/**
 * An entry of the event-channel table the host publishes for emu
 * (EMU_OP_EVTCHN_TABLE). With it emu serves EVTCHNOP_send and
 * EVTCHNOP_unmask itself when the only vCPU to notify is the one it runs
 * on: bits 0-15 are the port a send raises when that needs no host
 * (a loopback channel's peer, or the IPI port itself; 0 means "forward the
 * send to the host"), bits 16-23 the vCPU the port notifies, bit 31 set
 * while the port is open.
 */
export const EvtchnShadow = {
  LOCAL_MASK: 0xffff,
  VCPU_SHIFT: 16,
  VCPU_MASK: 0xff,
  OPEN: 0x80000000,
} as const;
export type EmuOpName = keyof typeof EmuOp;

/** Size of the request header; the data area follows. */
export const EMU_REQ_HEADER_SIZE = 128;
export const EMU_REQ_PAGE_SIZE = 4096;
export const EMU_REQ_DATA_SIZE = EMU_REQ_PAGE_SIZE - EMU_REQ_HEADER_SIZE;
/**
 * Where in the data area an array that a hypercall structure points to
 * through a guest handle goes (sched_poll ports, setup_table frame list,
 * reservation extents, the memory map), after the structure itself.
 */
export const EMU_DATA_ARRAY_OFFSET = 64;
export const EMU_DATA_ARRAY_SIZE = EMU_REQ_DATA_SIZE - EMU_DATA_ARRAY_OFFSET;

/**
 * The interrupt vector the machine injects into a vCPU when the host has
 * set its evtchn_upcall_pending (or a timer fired): emu's handler checks
 * vcpu_info and bounces the event upcall to the guest kernel.
 */
export const EMU_EVENT_VECTOR = 0xf3;

/** The per-vCPU request page. */
export const emuRequest: StructDecl = struct('emu_request', [
  /** emu: EMU_PROTOCOL_VERSION, written before SETUP. */
  { name: 'version', type: 'u32' },
  /** host: this page's vCPU id, written at SETUP. */
  { name: 'vcpu', type: 'u32' },
  /** host: the op code of the last request (for emu's debugging). */
  { name: 'op', type: 'u32' },
  { name: 'pad0', type: 'u32' },
  /** host: the result, a Xen error code (negative) or a value. */
  { name: 'ret', type: 'u64' },
  { name: 'arg', type: 'u64', count: 6 },
  { name: 'reserved', type: 'u8', count: 56 },
  { name: 'data', type: 'u8', count: EMU_REQ_DATA_SIZE },
]);

/** EMU_OP_BOOT_INFO's answer: what emu needs to build its world. All frame numbers are guest frames. */
export const emuBootInfo: StructDecl = struct('emu_boot_info', [
  { name: 'version', type: 'u32' },
  /** 64 or 32 */
  { name: 'guest_bits', type: 'u32' },
  { name: 'nr_vcpus', type: 'u32' },
  { name: 'domid', type: 'u32' },
  /** Frames of guest RAM (start_info.nr_pages). */
  { name: 'nr_pages', type: 'u64' },
  /** Frames of guest-physical memory in all (RAM and what the host reserved). */
  { name: 'total_frames', type: 'u64' },
  { name: 'shared_info_mfn', type: 'u64' },
  { name: 'start_info_mfn', type: 'u64' },
  { name: 'console_mfn', type: 'u64' },
  { name: 'console_evtchn', type: 'u64' },
  { name: 'store_mfn', type: 'u64' },
  { name: 'store_evtchn', type: 'u64' },
  /** emu's own frames (code, data, per-vCPU pages). */
  { name: 'emu_mfn', type: 'u64' },
  { name: 'emu_nr_frames', type: 'u64' },
  /** The frames holding the M2P table and where the guest sees it. */
  { name: 'm2p_mfn', type: 'u64' },
  { name: 'm2p_nr_frames', type: 'u64' },
  { name: 'm2p_virt_start', type: 'u64' },
  { name: 'm2p_virt_end', type: 'u64' },
  /** TSC frequency the pvclock data is computed for. */
  { name: 'tsc_hz', type: 'u64' },
  /** Host frames of the grant table (the guest may map them). */
  { name: 'grant_mfn', type: 'u64' },
  { name: 'grant_nr_frames', type: 'u64' },
  /** emu's frames for its page-type table (one u32 per machine frame). */
  { name: 'frame_info_mfn', type: 'u64' },
  { name: 'frame_info_nr_frames', type: 'u64' },
  /** The guest kernel's start of day, as Xen's builder sets it. */
  { name: 'kernel_entry', type: 'u64' },
  { name: 'kernel_sp', type: 'u64' },
  { name: 'start_info_virt', type: 'u64' },
  /** Machine frame of the initial top-level page table (pinned for the guest). */
  { name: 'top_mfn', type: 'u64' },
  /** Start of the hole (32-bit guests: HV_START_LOW; emu's segment limits stop below it). */
  { name: 'hypervisor_virt_start', type: 'u64' },
  /** EMU_BOOT_* flags. */
  { name: 'flags', type: 'u64' },
]);

/** emu_boot_info.flags */
export const EmuBootFlag = {
  /** The host logs at debug level: emu may send LOG requests for what Xen logs at debug level (refused entries, type conflicts). */
  DEBUG_LOG: 1,
} as const;

export const emuPortConsts = constants('EMU_PORT_', {
  MAGIC_VALUE: EMU_PORT_MAGIC_VALUE,
  ...Object.fromEntries(Object.entries(EmuPort).map(([k, v]) => [k, v])),
});
export const emuOpConsts = constants('EMU_OP_', EmuOp);
export const emuBootFlagConsts = constants('EMU_BOOT_', EmuBootFlag);
export const evtchnShadowConsts = constants('EMU_EVTCHN_SHADOW_', EvtchnShadow);
export const emuMiscConsts = constants('EMU_', {
  PROTOCOL_VERSION: EMU_PROTOCOL_VERSION,
  REQ_HEADER_SIZE: EMU_REQ_HEADER_SIZE,
  REQ_DATA_SIZE: EMU_REQ_DATA_SIZE,
  DATA_ARRAY_OFFSET: EMU_DATA_ARRAY_OFFSET,
  DATA_ARRAY_SIZE: EMU_DATA_ARRAY_SIZE,
  EVENT_VECTOR: EMU_EVENT_VECTOR,
});
