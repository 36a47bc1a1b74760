/**
 * What every boot protocol of the bare machine puts above the kernel: the
 * memory map, the command line and the modules (--initrd). Multiboot's
 * information structure and PVH's hvm_start_info lay the same facts out in
 * their own formats; this is the one description both are written from.
 */
import type { MachineConfig } from '../machine.js';
import type { MemoryRange } from './memory-map.js';

export interface BootModule {
  bytes: Uint8Array;
  /** The module's string (multiboot) or command line (PVH): the file it came from. */
  name: string;
}

export interface BootDataSpec {
  /** Where boot data may start: the end of the kernel. */
  after: number;
  memoryMap: readonly MemoryRange[];
  cmdline: string;
  modules: readonly BootModule[];
  /** The kernel file, for error messages. */
  file: string;
}

/** The modules the command line asked for: the --initrd file, if any. */
export function bootModules(config: Pick<MachineConfig, 'initrd'>): BootModule[] {
  return config.initrd ? [{ bytes: config.initrd.bytes, name: config.initrd.file }] : [];
}
