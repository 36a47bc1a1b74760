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

/** struct xen_feature_info (version.h): submap_idx in, submap out. */
export const xenFeatureInfo = struct('xen_feature_info', [
  { name: 'submap_idx', type: 'u32' },
  { name: 'submap', type: 'u32' },
], 'struct xen_feature_info');
