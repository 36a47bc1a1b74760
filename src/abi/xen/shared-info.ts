import { struct, type StructDecl } from '../layout.js';

/*
 * The shared_info page and the per-vCPU vcpu_info (xen.h, arch-x86/xen*.h).
 * vcpu_info is 64 bytes on both architectures; shared_info holds the first
 * XEN_LEGACY_MAX_VCPUS of them, then the 2-level event-channel bitmaps (one
 * bit per port: 64 words of 64 bits on x86_64, 32 of 32 on x86_32), the
 * wallclock and the arch part.
 */

export const XEN_LEGACY_MAX_VCPUS = 32;

/** struct vcpu_time_info: the pvclock record (32 bytes). */
export const vcpuTimeInfo: StructDecl = struct('vcpu_time_info', [
  { name: 'version', type: 'u32' },
  { name: 'pad0', type: 'u32' },
  { name: 'tsc_timestamp', type: 'u64' },
  { name: 'system_time', type: 'u64' },
  { name: 'tsc_to_system_mul', type: 'u32' },
  { name: 'tsc_shift', type: 'u8' },
  { name: 'flags', type: 'u8' },
  { name: 'pad1', type: 'u8', count: 2 },
], 'struct vcpu_time_info');

/** struct arch_vcpu_info: the faulting address of the last #PF bounced to the guest. */
export const archVcpuInfo: StructDecl = struct('arch_vcpu_info', [
  { name: 'cr2', type: 'ulong' },
  { name: 'pad', type: 'ulong', count: { x86_64: 1, x86_32: 5 } },
], 'struct arch_vcpu_info');

export const vcpuInfo: StructDecl = struct('vcpu_info', [
  { name: 'evtchn_upcall_pending', type: 'u8' },
  { name: 'evtchn_upcall_mask', type: 'u8' },
  { name: 'evtchn_pending_sel', type: 'ulong' },
  { name: 'arch', type: archVcpuInfo },
  { name: 'time', type: vcpuTimeInfo },
], 'struct vcpu_info');

export const archSharedInfo: StructDecl = struct('arch_shared_info', [
  { name: 'max_pfn', type: 'ulong' },
  { name: 'pfn_to_mfn_frame_list_list', type: 'ulong' },
  { name: 'nmi_reason', type: 'ulong' },
  { name: 'p2m_cr3', type: 'ulong' },
  { name: 'p2m_vaddr', type: 'ulong' },
  { name: 'p2m_generation', type: 'ulong' },
  { name: 'wc_sec_hi', type: 'u32', onlyArch: 'x86_32' },
], 'struct arch_shared_info');

/** Words in each event-channel bitmap: sizeof(xen_ulong_t) * 8. */
export const EVTCHN_WORDS = { x86_64: 64, x86_32: 32 } as const;

export const sharedInfo: StructDecl = struct('shared_info', [
  { name: 'vcpu_info', type: vcpuInfo, count: XEN_LEGACY_MAX_VCPUS },
  { name: 'evtchn_pending', type: 'ulong', count: EVTCHN_WORDS },
  { name: 'evtchn_mask', type: 'ulong', count: EVTCHN_WORDS },
  { name: 'wc_version', type: 'u32' },
  { name: 'wc_sec', type: 'u32' },
  { name: 'wc_nsec', type: 'u32' },
  { name: 'wc_sec_hi', type: 'u32', onlyArch: 'x86_64' },
  { name: 'arch', type: archSharedInfo },
], 'struct shared_info');
