import { constants, struct, union, type StructDecl } from '../layout.js';

/** GNTTABOP_* (grant_table.h). */
export const GnttabOp = {
  map_grant_ref: 0,
  unmap_grant_ref: 1,
  setup_table: 2,
  dump_table: 3,
  transfer: 4,
  copy: 5,
  query_size: 6,
  unmap_and_replace: 7,
  set_version: 8,
  get_status_frames: 9,
  get_version: 10,
  swap_grant_ref: 11,
  cache_flush: 12,
} as const;

/** grant_entry_v1.flags (GTF_*). */
export const Gtf = {
  invalid: 0,
  permit_access: 1,
  accept_transfer: 2,
  transitive: 3,
  type_mask: 3,
  readonly: 1 << 2,
  reading: 1 << 3,
  writing: 1 << 4,
  PWT: 1 << 5,
  PCD: 1 << 6,
  PAT: 1 << 7,
  sub_page: 1 << 8,
} as const;

/** GNTMAP_* (map flags). */
export const GntMap = {
  device_map: 1 << 0,
  host_map: 1 << 1,
  readonly: 1 << 2,
  application_map: 1 << 3,
  contains_pte: 1 << 4,
} as const;

/** GNTCOPY_* (gnttab_copy.flags). */
export const GntCopy = {
  source_gref: 1 << 0,
  dest_gref: 1 << 1,
} as const;

/** GNTST_* per-operation status codes. */
export const Gntst = {
  okay: 0,
  general_error: -1,
  bad_domain: -2,
  bad_gntref: -3,
  bad_handle: -4,
  bad_virt_addr: -5,
  bad_dev_addr: -6,
  no_device_space: -7,
  permission_denied: -8,
  bad_page: -9,
  bad_copy_arg: -10,
  address_too_big: -11,
  eagain: -12,
  no_space: -13,
} as const;
export type Gntst = (typeof Gntst)[keyof typeof Gntst];

/** struct grant_entry_v1: 8 bytes, 512 per 4 KiB frame. */
export const grantEntryV1: StructDecl = struct('grant_entry_v1', [
  { name: 'flags', type: 'u16' },
  { name: 'domid', type: 'u16' },
  { name: 'frame', type: 'u32' },
], 'struct grant_entry_v1');
export const GRANT_ENTRY_V1_SIZE = 8;

export const gnttabSetupTable: StructDecl = struct('gnttab_setup_table', [
  { name: 'dom', type: 'u16' },
  { name: 'nr_frames', type: 'u32' },
  { name: 'status', type: 'u16' },
  { name: 'frame_list', type: 'ulong' },
], 'struct gnttab_setup_table');

export const gnttabQuerySize: StructDecl = struct('gnttab_query_size', [
  { name: 'dom', type: 'u16' },
  { name: 'nr_frames', type: 'u32' },
  { name: 'max_nr_frames', type: 'u32' },
  { name: 'status', type: 'u16' },
], 'struct gnttab_query_size');

export const gnttabSetVersion: StructDecl = struct('gnttab_set_version', [{ name: 'version', type: 'u32' }], 'struct gnttab_set_version');

export const gnttabGetVersion: StructDecl = struct('gnttab_get_version', [
  { name: 'dom', type: 'u16' },
  { name: 'pad', type: 'u16' },
  { name: 'version', type: 'u32' },
], 'struct gnttab_get_version');

const gnttabCopyPtr: StructDecl = struct('gnttab_copy_ptr', [
  {
    name: 'u',
    type: union('gnttab_copy_ptr_u', [
      { name: 'ref', type: 'u32' },
      { name: 'gmfn', type: 'ulong' },
    ]),
  },
  { name: 'domid', type: 'u16' },
  { name: 'offset', type: 'u16' },
]);

export const gnttabCopy: StructDecl = struct('gnttab_copy', [
  { name: 'source', type: gnttabCopyPtr },
  { name: 'dest', type: gnttabCopyPtr },
  { name: 'len', type: 'u16' },
  { name: 'flags', type: 'u16' },
  { name: 'status', type: 'u16' },
], 'struct gnttab_copy');

export const gnttabOpConsts = constants('GNTTABOP_', GnttabOp);
export const gtfConsts = constants('GTF_', Gtf);
export const gntstConsts = constants('GNTST_', Gntst);
