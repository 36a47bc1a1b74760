/**
 * Builds hvm_start_info (version 1) above the kernel: the command line, the
 * modules (--initrd) and the E820 memory map. No ACPI tables: rsdp_paddr 0.
 */
import { layout } from '../../abi/layout.js';
import {
  HVM_START_INFO_VERSION, XEN_HVM_START_MAGIC_VALUE, hvmMemmapTableEntry, hvmModlistEntry, hvmStartInfo,
} from '../../abi/xen/hvm-start-info.js';
import { PAGE_SIZE, type GuestMemory } from '../../memory/guest-memory.js';
import { BootAllocator } from '../boot/boot-allocator.js';
import type { BootDataSpec } from '../boot/boot-data.js';

// Fixed-width fields only: one layout serves both architectures.
const SI = layout(hvmStartInfo, 'x86_64');
const MOD = layout(hvmModlistEntry, 'x86_64');
const MAP = layout(hvmMemmapTableEntry, 'x86_64');

export function writeHvmStartInfo(memory: GuestMemory, spec: BootDataSpec): number {
  const alloc = new BootAllocator(memory, spec.after, spec.file);
  const si = alloc.alloc(SI.size, PAGE_SIZE);
  memory.fill(si, SI.size, 0);
  memory.write32(si + SI.offset('magic'), XEN_HVM_START_MAGIC_VALUE);
  memory.write32(si + SI.offset('version'), HVM_START_INFO_VERSION);

  const map = alloc.alloc(MAP.size * spec.memoryMap.length, 8);
  spec.memoryMap.forEach((r, i) => {
    const e = map + i * MAP.size;
    memory.write64(e + MAP.offset('addr'), BigInt(r.addr));
    memory.write64(e + MAP.offset('size'), BigInt(r.size));
    memory.write32(e + MAP.offset('type'), r.type);
    memory.write32(e + MAP.offset('reserved'), 0);
  });
  memory.write64(si + SI.offset('memmap_paddr'), BigInt(map));
  memory.write32(si + SI.offset('memmap_entries'), spec.memoryMap.length);

  memory.write64(si + SI.offset('cmdline_paddr'), BigInt(alloc.placeString(spec.cmdline)));

  if (spec.modules.length > 0) {
    const list = alloc.alloc(MOD.size * spec.modules.length, 8);
    spec.modules.forEach(({ bytes }, i) => {
      const start = alloc.place(bytes, PAGE_SIZE);
      const e = list + i * MOD.size;
      memory.write64(e + MOD.offset('paddr'), BigInt(start));
      memory.write64(e + MOD.offset('size'), BigInt(bytes.length));
      memory.write64(e + MOD.offset('cmdline_paddr'), 0n);
      memory.write64(e + MOD.offset('reserved'), 0n);
    });
    memory.write64(si + SI.offset('modlist_paddr'), BigInt(list));
    memory.write32(si + SI.offset('nr_modules'), spec.modules.length);
  }
  return si;
}
