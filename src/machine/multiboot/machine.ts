/** The `multiboot` machine: boots a multiboot (v1) kernel on the bare machine. */
import { BadImageError } from '../../cli/user-error.js';
import { MULTIBOOT_BOOTLOADER_MAGIC } from '../../abi/multiboot.js';
import { detectImage } from '../../host/loader/detect.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { BootState } from '../bare-machine.js';
import { flat32Regs, flat32Sregs } from '../boot/flat32.js';
import { bootModules } from '../boot/boot-data.js';
import { bareMemoryMap } from '../boot/memory-map.js';
import type { MachineConfig } from '../machine.js';
import { writeMultibootInfo } from './boot-info.js';
import { parseMultibootHeader } from './header.js';
import { loadMultibootKernel } from './load-kernel.js';

/** TR limit for multiboot entry: unspecified; KVM's reset value. */
const TR_LIMIT = 0xffff;

export function bootMultiboot(config: MachineConfig, memory: GuestMemory): BootState {
  const detected = detectImage(config.image, config.file);
  if (detected.multibootOffset === undefined) throw new BadImageError(config.file, 'no multiboot header in the first 8 KiB');
  const header = parseMultibootHeader(config.image, detected.multibootOffset, config.file);
  if (header.flags & 0x4) config.logger.info('the kernel asks for a video mode; the bare machine has none and boots it in text mode');
  const kernel = loadMultibootKernel(config.image, detected, header, memory, config.file);
  const info = writeMultibootInfo(memory, {
    after: kernel.end,
    memoryMap: bareMemoryMap(memory.size),
    cmdline: config.cmdline === '' ? config.file : `${config.file} ${config.cmdline}`,
    modules: bootModules(config),
    file: config.file,
  });
  config.logger.debug({ entry: kernel.entry, info }, 'multiboot kernel loaded');
  const entry = { eip: kernel.entry, eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: info, trLimit: TR_LIMIT };
  return { regs: flat32Regs(entry), sregs: flat32Sregs(entry) };
}
