/**
 * Builds the multiboot information structure (EBX at entry) in guest
 * memory, above the kernel: memory sizes and the E820 map, the command line
 * ("<kernel file> <--cmdline>", as GRUB and QEMU pass it), the modules
 * (--initrd, page-aligned) and the boot loader's name.
 */
import { layout } from '../../abi/layout.js';
import { MultibootInfoFlag, multibootInfo, multibootMmapEntry, multibootModule } from '../../abi/multiboot.js';
import { PAGE_SIZE, type GuestMemory } from '../../memory/guest-memory.js';
import { BootAllocator } from '../boot/boot-allocator.js';
import type { BootDataSpec } from '../boot/boot-data.js';
import { E820_RAM, HIGH_MEMORY_START, LOW_MEMORY_END, type MemoryRange } from '../boot/memory-map.js';

const INFO = layout(multibootInfo, 'x86_32');
const MOD = layout(multibootModule, 'x86_32');
const MMAP = layout(multibootMmapEntry, 'x86_32');

export const BOOT_LOADER_NAME = 'xenner';

/** Writes the structure and everything it points at; returns its address. */
export function writeMultibootInfo(memory: GuestMemory, spec: BootDataSpec): number {
  const alloc = new BootAllocator(memory, spec.after, spec.file);
  const info = alloc.alloc(INFO.size, PAGE_SIZE);
  memory.fill(info, INFO.size, 0);
  const put = (field: string, value: number): void => memory.write32(info + INFO.offset(field), value);

  let flags = MultibootInfoFlag.MEMORY | MultibootInfoFlag.MEM_MAP | MultibootInfoFlag.CMDLINE | MultibootInfoFlag.BOOT_LOADER_NAME;
  put('mem_lower', LOW_MEMORY_END >>> 10);
  put('mem_upper', upperMemoryKiB(spec.memoryMap));

  const mmap = alloc.alloc(MMAP.size * spec.memoryMap.length, 8);
  spec.memoryMap.forEach((r, i) => {
    const e = mmap + i * MMAP.size;
    memory.write32(e + MMAP.offset('size'), MMAP.size - 4);
    memory.write64(e + MMAP.offset('addr_lo'), BigInt(r.addr));
    memory.write64(e + MMAP.offset('len_lo'), BigInt(r.size));
    memory.write32(e + MMAP.offset('type'), r.type);
  });
  put('mmap_addr', mmap);
  put('mmap_length', MMAP.size * spec.memoryMap.length);

  put('cmdline', alloc.placeString(spec.cmdline));
  put('boot_loader_name', alloc.placeString(BOOT_LOADER_NAME));

  if (spec.modules.length > 0) {
    flags |= MultibootInfoFlag.MODS;
    const list = alloc.alloc(MOD.size * spec.modules.length, 16);
    const strings = spec.modules.map((m) => alloc.placeString(m.name));
    spec.modules.forEach((m, i) => {
      const start = alloc.place(m.bytes, PAGE_SIZE);
      const e = list + i * MOD.size;
      memory.write32(e + MOD.offset('mod_start'), start);
      memory.write32(e + MOD.offset('mod_end'), start + m.bytes.length);
      memory.write32(e + MOD.offset('string'), strings[i]!);
      memory.write32(e + MOD.offset('reserved'), 0);
    });
    put('mods_addr', list);
    put('mods_count', spec.modules.length);
  }
  put('flags', flags);
  return info;
}

/** KiB of RAM contiguous from 1 MiB (mem_upper), capped at 4 GiB. */
function upperMemoryKiB(map: readonly MemoryRange[]): number {
  const high = map.find((r) => r.addr === HIGH_MEMORY_START && r.type === E820_RAM);
  if (high === undefined) return 0;
  return Math.floor(Math.min(high.size, 2 ** 32 - HIGH_MEMORY_START) / 1024);
}
