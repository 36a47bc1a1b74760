import { constants } from '../layout.js';

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
