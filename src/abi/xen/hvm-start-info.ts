import { constants, struct, type StructDecl } from '../layout.js';

/**
 * The PVH boot ABI (xen/include/public/arch-x86/hvm/start_info.h): a PVH
 * kernel is entered in 32-bit protected mode at its XEN_ELFNOTE_PHYS32_ENTRY
 * with EBX pointing at an hvm_start_info. All fields are fixed-width, so the
 * layout is the same for both guest architectures.
 */

/** "xEn3" with the 0x80 bit of the "E" set. */
export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
/** Version 1 added the memory map. */
export const HVM_START_INFO_VERSION = 1;

/** hvm_memmap_table_entry.type (XEN_HVM_MEMMAP_TYPE_*), the E820 types. */
export const HvmMemmapType = {
  RAM: 1,
  RESERVED: 2,
  ACPI: 3,
  NVS: 4,
  UNUSABLE: 5,
  DISABLED: 6,
  PMEM: 7,
} as const;

export const hvmStartInfo: StructDecl = struct('hvm_start_info', [
  { name: 'magic', type: 'u32' },
  { name: 'version', type: 'u32' },
  { name: 'flags', type: 'u32' },
  { name: 'nr_modules', type: 'u32' },
  { name: 'modlist_paddr', type: 'u64' },
  { name: 'cmdline_paddr', type: 'u64' },
  { name: 'rsdp_paddr', type: 'u64' },
  { name: 'memmap_paddr', type: 'u64' },
  { name: 'memmap_entries', type: 'u32' },
  { name: 'reserved', type: 'u32' },
], 'struct hvm_start_info');

export const hvmModlistEntry: StructDecl = struct('hvm_modlist_entry', [
  { name: 'paddr', type: 'u64' },
  { name: 'size', type: 'u64' },
  { name: 'cmdline_paddr', type: 'u64' },
  { name: 'reserved', type: 'u64' },
], 'struct hvm_modlist_entry');

export const hvmMemmapTableEntry: StructDecl = struct('hvm_memmap_table_entry', [
  { name: 'addr', type: 'u64' },
  { name: 'size', type: 'u64' },
  { name: 'type', type: 'u32' },
  { name: 'reserved', type: 'u32' },
], 'struct hvm_memmap_table_entry');

export const hvmStartConsts = constants('XEN_HVM_', {
  START_MAGIC_VALUE: XEN_HVM_START_MAGIC_VALUE,
  ...Object.fromEntries(Object.entries(HvmMemmapType).map(([k, v]) => [`MEMMAP_TYPE_${k}`, v])),
});
