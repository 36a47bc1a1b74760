import { constants, struct, type StructDecl } from '../layout.js';

/** The XENMEM_* subops xenner serves (memory.h). */
export const XenMem = {
  increase_reservation: 0,
  decrease_reservation: 1,
  maximum_ram_page: 2,
  current_reservation: 3,
  maximum_reservation: 4,
  machphys_mfn_list: 5,
  populate_physmap: 6,
  add_to_physmap: 7,
  memory_map: 9,
  machphys_mapping: 12,
  maximum_gpfn: 14,
} as const;

/** XENMAPSPACE_* for add_to_physmap. */
export const XenMapSpace = {
  shared_info: 0,
  grant_table: 1,
  gmfn: 2,
  gmfn_range: 3,
} as const;

/** E820 entry types the memory map reports. */
export const E820Type = { RAM: 1, RESERVED: 2 } as const;

export const xenMemoryReservation: StructDecl = struct('xen_memory_reservation', [
  { name: 'extent_start', type: 'ulong' },
  { name: 'nr_extents', type: 'ulong' },
  { name: 'extent_order', type: 'u32' },
  { name: 'mem_flags', type: 'u32' },
  { name: 'domid', type: 'u16' },
], 'struct xen_memory_reservation');

export const xenMemoryMap: StructDecl = struct('xen_memory_map', [
  { name: 'nr_entries', type: 'u32' },
  { name: 'buffer', type: 'ulong' },
], 'struct xen_memory_map');

/** struct e820entry as Xen fills it: packed, 20 bytes (not a C layout we can declare). */
export const E820_ENTRY_SIZE = 20;

export const xenMachphysMapping: StructDecl = struct('xen_machphys_mapping', [
  { name: 'v_start', type: 'ulong' },
  { name: 'v_end', type: 'ulong' },
  { name: 'max_mfn', type: 'ulong' },
], 'struct xen_machphys_mapping');

export const xenAddToPhysmap: StructDecl = struct('xen_add_to_physmap', [
  { name: 'domid', type: 'u16' },
  { name: 'size', type: 'u16' },
  { name: 'space', type: 'u32' },
  { name: 'idx', type: 'ulong' },
  { name: 'gpfn', type: 'ulong' },
], 'struct xen_add_to_physmap');

export const xenMemConsts = constants('XENMEM_', XenMem);
export const xenMapSpaceConsts = constants('XENMAPSPACE_', XenMapSpace);
