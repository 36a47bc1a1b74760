import { constants, struct, type StructDecl } from './layout.js';

/**
 * Multiboot (v1, spec 0.6.96): the header a kernel carries and the
 * information structure the boot loader hands it in EBX. Only 32-bit
 * fields; the layout is the same for every guest architecture.
 */

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** In EAX at the kernel's entry. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

/** Header flags: bits 0-15 are requirements the loader must meet or refuse. */
export const MultibootHeaderFlag = {
  PAGE_ALIGN: 1 << 0,
  MEMORY_INFO: 1 << 1,
  VIDEO_MODE: 1 << 2,
  AOUT_KLUDGE: 1 << 16,
} as const;

/** multiboot_info.flags: which fields are valid. */
export const MultibootInfoFlag = {
  MEMORY: 1 << 0,
  BOOTDEV: 1 << 1,
  CMDLINE: 1 << 2,
  MODS: 1 << 3,
  AOUT_SYMS: 1 << 4,
  ELF_SHDR: 1 << 5,
  MEM_MAP: 1 << 6,
  DRIVE_INFO: 1 << 7,
  CONFIG_TABLE: 1 << 8,
  BOOT_LOADER_NAME: 1 << 9,
  APM_TABLE: 1 << 10,
  VBE_INFO: 1 << 11,
  FRAMEBUFFER_INFO: 1 << 12,
} as const;

/** multiboot_mmap_entry.type */
export const MultibootMemoryType = {
  AVAILABLE: 1,
  RESERVED: 2,
} as const;

export const multibootHeader: StructDecl = struct('multiboot_header', [
  { name: 'magic', type: 'u32' },
  { name: 'flags', type: 'u32' },
  { name: 'checksum', type: 'u32' },
  { name: 'header_addr', type: 'u32' },
  { name: 'load_addr', type: 'u32' },
  { name: 'load_end_addr', type: 'u32' },
  { name: 'bss_end_addr', type: 'u32' },
  { name: 'entry_addr', type: 'u32' },
  { name: 'mode_type', type: 'u32' },
  { name: 'width', type: 'u32' },
  { name: 'height', type: 'u32' },
  { name: 'depth', type: 'u32' },
]);

export const multibootInfo: StructDecl = struct('multiboot_info', [
  { name: 'flags', type: 'u32' },
  { name: 'mem_lower', type: 'u32' },
  { name: 'mem_upper', type: 'u32' },
  { name: 'boot_device', type: 'u32' },
  { name: 'cmdline', type: 'u32' },
  { name: 'mods_count', type: 'u32' },
  { name: 'mods_addr', type: 'u32' },
  { name: 'syms', type: 'u32', count: 4 },
  { name: 'mmap_length', type: 'u32' },
  { name: 'mmap_addr', type: 'u32' },
  { name: 'drives_length', type: 'u32' },
  { name: 'drives_addr', type: 'u32' },
  { name: 'config_table', type: 'u32' },
  { name: 'boot_loader_name', type: 'u32' },
  { name: 'apm_table', type: 'u32' },
  { name: 'vbe_control_info', type: 'u32' },
  { name: 'vbe_mode_info', type: 'u32' },
  { name: 'vbe_mode', type: 'u16' },
  { name: 'vbe_interface_seg', type: 'u16' },
  { name: 'vbe_interface_off', type: 'u16' },
  { name: 'vbe_interface_len', type: 'u16' },
  { name: 'framebuffer_addr_lo', type: 'u32' },
  { name: 'framebuffer_addr_hi', type: 'u32' },
  { name: 'framebuffer_pitch', type: 'u32' },
  { name: 'framebuffer_width', type: 'u32' },
  { name: 'framebuffer_height', type: 'u32' },
  { name: 'framebuffer_bpp', type: 'u8' },
  { name: 'framebuffer_type', type: 'u8' },
  { name: 'color_info', type: 'u8', count: 6 },
]);

export const multibootModule: StructDecl = struct('multiboot_module', [
  { name: 'mod_start', type: 'u32' },
  { name: 'mod_end', type: 'u32' },
  { name: 'string', type: 'u32' },
  { name: 'reserved', type: 'u32' },
]);

/**
 * One memory-map entry. `size` (the entry's size not counting itself) comes
 * first, so the 64-bit fields sit at offsets 4 and 12: declared as 32-bit
 * halves, because the structure is packed.
 */
export const multibootMmapEntry: StructDecl = struct('multiboot_mmap_entry', [
  { name: 'size', type: 'u32' },
  { name: 'addr_lo', type: 'u32' },
  { name: 'addr_hi', type: 'u32' },
  { name: 'len_lo', type: 'u32' },
  { name: 'len_hi', type: 'u32' },
  { name: 'type', type: 'u32' },
]);

export const multibootConsts = [
  constants('MULTIBOOT_', {
    HEADER_MAGIC: MULTIBOOT_HEADER_MAGIC,
    BOOTLOADER_MAGIC: MULTIBOOT_BOOTLOADER_MAGIC,
    ...Object.fromEntries(Object.entries(MultibootHeaderFlag).map(([k, v]) => [`HF_${k}`, v])),
    ...Object.fromEntries(Object.entries(MultibootInfoFlag).map(([k, v]) => [`INFO_${k}`, v])),
    ...Object.fromEntries(Object.entries(MultibootMemoryType).map(([k, v]) => [`MEMORY_${k}`, v])),
  }),
];
