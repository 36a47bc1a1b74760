/** The `pvh` machine: boots an ELF kernel at its PVH entry note with an hvm_start_info. */
import { BadImageError } from '../../cli/user-error.js';
import { isElf, parseElf } from '../../host/loader/elf.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { BootState } from '../bare-machine.js';
import { flat32Regs, flat32Sregs } from '../boot/flat32.js';
import { checkEntry, loadElfSegments } from '../boot/load-elf.js';
import { bootModules } from '../boot/boot-data.js';
import { bareMemoryMap } from '../boot/memory-map.js';
import type { MachineConfig } from '../machine.js';
import { pvhEntry } from './entry-note.js';
import { writeHvmStartInfo } from './start-info.js';

/** The PVH ABI: "TR: must be a 32-bit TSS (active) with a base of '0' and a limit of '0x67'". */
const PVH_TR_LIMIT = 0x67;

export function bootPvh(config: MachineConfig, memory: GuestMemory): BootState {
  if (!isElf(config.image)) throw new BadImageError(config.file, 'a PVH kernel must be an ELF image');
  const elf = parseElf(config.image, config.file);
  const eip = pvhEntry(elf, config.file);
  const loaded = loadElfSegments(elf, memory, config.file);
  checkEntry(eip, loaded, config.file);
  const si = writeHvmStartInfo(memory, {
    after: loaded.end,
    memoryMap: bareMemoryMap(memory.size),
    cmdline: config.cmdline,
    modules: bootModules(config),
    file: config.file,
  });
  config.logger.debug({ entry: eip, startInfo: si }, 'PVH kernel loaded');
  const entry = { eip, eax: 0, ebx: si, trLimit: PVH_TR_LIMIT };
  return { regs: flat32Regs(entry), sregs: flat32Sregs(entry) };
}
