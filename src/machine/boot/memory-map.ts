/**
 * The bare machine's physical memory map, as a PC BIOS reports it (E820):
 * conventional memory up to the EBDA, the BIOS area reserved, and RAM from
 * 1 MiB to the end. Guest memory is RAM everywhere in our model; the
 * reserved ranges only tell the kernel to keep out, as on a PC.
 */
import { UserError } from '../../cli/user-error.js';

export const E820_RAM = 1;
export const E820_RESERVED = 2;

/** Top of conventional memory (639 KiB; the EBDA follows). */
export const LOW_MEMORY_END = 0x9fc00;
export const EBDA_END = 0xa0000;
export const BIOS_START = 0xf0000;
export const HIGH_MEMORY_START = 0x100000;

export interface MemoryRange {
  addr: number;
  size: number;
  type: typeof E820_RAM | typeof E820_RESERVED;
}

export function bareMemoryMap(memoryBytes: number): MemoryRange[] {
  if (memoryBytes <= HIGH_MEMORY_START) throw new UserError('the bare machine needs more than 1 MiB of memory (--memory)');
  return [
    { addr: 0, size: LOW_MEMORY_END, type: E820_RAM },
    { addr: LOW_MEMORY_END, size: EBDA_END - LOW_MEMORY_END, type: E820_RESERVED },
    { addr: BIOS_START, size: HIGH_MEMORY_START - BIOS_START, type: E820_RESERVED },
    { addr: HIGH_MEMORY_START, size: memoryBytes - HIGH_MEMORY_START, type: E820_RAM },
  ];
}
