import { constants, struct, type StructDecl } from '../layout.js';

/** vcpu_info slots embedded in shared_info (XEN_LEGACY_MAX_VCPUS). */
export const XEN_LEGACY_MAX_VCPUS = 32;

/** vcpu_time_info.flags (xen.h). */
export const PvclockFlags = {
  TSC_STABLE_BIT: 1 << 0,
  GUEST_STOPPED: 1 << 1,
} as const;

/**
 * struct vcpu_time_info (xen.h): the pvclock record. The guest computes
 *   system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32
 * (a negative shift shifts right), reading between two equal, even versions.
 */
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

/** struct arch_vcpu_info (arch-x86/xen-x86_{32,64}.h): padding keeps vcpu_info at 64 bytes. */
export const archVcpuInfo: StructDecl = struct('arch_vcpu_info', [
  { name: 'cr2', type: 'ulong' },
  { name: 'pad', type: 'ulong', count: { x86_64: 1, x86_32: 5 } },
], 'struct arch_vcpu_info');

/** struct vcpu_info (xen.h): 64 bytes on both word sizes. */
export const vcpuInfo: StructDecl = struct('vcpu_info', [
  { name: 'evtchn_upcall_pending', type: 'u8' },
  { name: 'evtchn_upcall_mask', type: 'u8' },
  { name: 'evtchn_pending_sel', type: 'ulong' },
  { name: 'arch', type: archVcpuInfo },
  { name: 'time', type: vcpuTimeInfo },
], 'struct vcpu_info');

/** struct arch_shared_info (arch-x86/xen.h); x86_32 keeps wc_sec_hi here. */
export const archSharedInfo: StructDecl = struct('arch_shared_info', [
  { name: 'max_pfn', type: 'ulong' },
  { name: 'pfn_to_mfn_frame_list_list', type: 'ulong' },
  { name: 'nmi_reason', type: 'ulong' },
  { name: 'p2m_cr3', type: 'ulong' },
  { name: 'p2m_vaddr', type: 'ulong' },
  { name: 'p2m_generation', type: 'ulong' },
  { name: 'wc_sec_hi', type: 'u32', arch: 'x86_32' },
], 'struct arch_shared_info');

/**
 * struct shared_info (xen.h). The 2-level event-channel bitmaps are one
 * guest word per 64 (or 32) ports: 64*64 = 4096 ports on x86_64, 32*32 =
 * 1024 on x86_32.
 */
export const sharedInfo: StructDecl = struct('shared_info', [
  { name: 'vcpu_info', type: vcpuInfo, count: XEN_LEGACY_MAX_VCPUS },
  { name: 'evtchn_pending', type: 'ulong', count: { x86_64: 64, x86_32: 32 } },
  { name: 'evtchn_mask', type: 'ulong', count: { x86_64: 64, x86_32: 32 } },
  { name: 'wc_version', type: 'u32' },
  { name: 'wc_sec', type: 'u32' },
  { name: 'wc_nsec', type: 'u32' },
  { name: 'wc_sec_hi', type: 'u32', arch: 'x86_64' },
  { name: 'arch', type: archSharedInfo },
], 'struct shared_info');

export const sharedInfoConsts = constants('XEN_PVCLOCK_', PvclockFlags);
export const legacyVcpuConsts = constants('', { XEN_LEGACY_MAX_VCPUS });
