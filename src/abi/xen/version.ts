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

/** struct xen_compile_info (version.h): four NUL-padded strings. */
export const xenCompileInfo = struct('xen_compile_info', [
  { name: 'compiler', type: 'u8', count: 64 },
  { name: 'compile_by', type: 'u8', count: 16 },
  { name: 'compile_domain', type: 'u8', count: 32 },
  { name: 'compile_date', type: 'u8', count: 32 },
], 'struct xen_compile_info');

/** struct xen_platform_parameters (version.h): where the hypervisor's hole starts. */
export const xenPlatformParameters = struct('xen_platform_parameters', [{ name: 'virt_start', type: 'ulong' }], 'struct xen_platform_parameters');

/** Lengths of the string buffers the string subcommands fill (version.h). */
export const XenVerLen = {
  EXTRAVERSION_LEN: 16,
  CAPABILITIES_INFO_LEN: 1024,
  CHANGESET_INFO_LEN: 64,
} as const;
export const versionLenConsts = constants('XEN_', XenVerLen, 'xen/version.h');
/** xen_commandline_t is char[1024]; version.h names no constant for it. */
export const XEN_COMMANDLINE_LEN = 1024;
