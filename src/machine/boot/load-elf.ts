/**
 * Copies an ELF image's PT_LOAD segments to their physical addresses
 * (p_paddr) and zeroes the rest of each segment (.bss), after checking that
 * every segment lies inside guest RAM. Both multiboot (ELF) and PVH boot
 * this way.
 */
import { BadImageError } from '../../cli/user-error.js';
import { PT_LOAD, type ElfImage } from '../../host/loader/elf.js';
import type { GuestMemory } from '../../memory/guest-memory.js';

export interface LoadedImage {
  /** Lowest and highest physical byte used (end exclusive). */
  start: number;
  end: number;
}

export function loadElfSegments(elf: ElfImage, memory: GuestMemory, file: string): LoadedImage {
  let start = Infinity;
  let end = 0;
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (loads.length === 0) throw new BadImageError(file, 'ELF image has nothing to load (no PT_LOAD segment)');
  for (const ph of loads) {
    if (ph.paddr > BigInt(Number.MAX_SAFE_INTEGER) || !memory.contains(Number(ph.paddr), ph.memsz)) {
      throw new BadImageError(file, `segment at physical 0x${ph.paddr.toString(16)} (+0x${ph.memsz.toString(16)}) lies outside guest memory (${memory.size >>> 20} MiB)`);
    }
    const paddr = Number(ph.paddr);
    start = Math.min(start, paddr);
    end = Math.max(end, paddr + ph.memsz);
  }
  // Copy after checking all, so that a bad image leaves memory untouched.
  for (const ph of loads) {
    const paddr = Number(ph.paddr);
    memory.writeBytes(paddr, elf.bytes.subarray(ph.offset, ph.offset + ph.filesz));
    if (ph.memsz > ph.filesz) memory.fill(paddr + ph.filesz, ph.memsz - ph.filesz, 0);
  }
  return { start, end };
}

/** The entry point must lie in what was loaded: anything else is a broken image. */
export function checkEntry(entry: number, loaded: LoadedImage, file: string): void {
  if (entry < loaded.start || entry >= loaded.end) {
    throw new BadImageError(file, `entry point 0x${entry.toString(16)} lies outside the loaded image (0x${loaded.start.toString(16)}-0x${loaded.end.toString(16)})`);
  }
}

/**
 * A virtual entry point inside a segment whose vaddr differs from its paddr
 * becomes the physical address there (GRUB does this for multiboot ELF
 * kernels linked high); otherwise the entry is taken as physical.
 */
export function physicalEntry(elf: ElfImage): bigint {
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_LOAD) continue;
    if (elf.entry >= ph.vaddr && elf.entry < ph.vaddr + BigInt(ph.memsz)) return elf.entry - ph.vaddr + ph.paddr;
  }
  return elf.entry;
}
