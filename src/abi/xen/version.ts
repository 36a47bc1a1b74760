import { constants, struct } from '../layout.js';

/** xen_version commands (version.h XENVER_*). */
export const XenVer = {
  version: 0,
  extraversion: 1,
  compile_info: 2,
  capabilities: 3,
  changeset: 4,
  platform_parameters: 5,
  get_features: 6,
  pagesize: 7,
  guest_handle: 8,
  commandline: 9,
  build_id: 10,
} as const;

export const versionConsts = [constants('XENVER_', XenVer, 'xen/version.h')];

/** Feature bits in submap 0 of XENVER_get_features (features.h XENFEAT_*; the ARM-only bits are left out). */
export const XenFeat = {
  writable_page_tables: 0,
  writable_descriptor_tables: 1,
  auto_translated_physmap: 2,
  supervisor_mode_kernel: 3,
  pae_pgdir_above_4gb: 4,
  mmu_pt_update_preserve_ad: 5,
  highmem_assist: 6,
  gnttab_map_avail_bits: 7,
  hvm_callback_vector: 8,
  hvm_safe_pvclock: 9,
  hvm_pirqs: 10,
  dom0: 11,
  memory_op_vnode_supported: 13,
  linux_rsdp_unrestricted: 15,
  not_direct_mapped: 16,
  direct_mapped: 17,
} as const;

/** struct xen_feature_info (version.h): submap_idx in, submap out. */
export const xenFeatureInfo = struct('xen_feature_info', [
  { name: 'submap_idx', type: 'u32' },
  { name: 'submap', type: 'u32' },
], 'struct xen_feature_info');

export const featureConsts = [constants('XENFEAT_', XenFeat, 'xen/features.h')];
