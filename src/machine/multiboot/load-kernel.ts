/**
 * Puts a multiboot kernel's bytes in guest memory: by the a.out kludge's
 * addresses when header flag 16 is set, otherwise as an ELF image (as GRUB
 * and QEMU do). Every address is checked against guest RAM first.
 */
import { BadImageError } from '../../cli/user-error.js';
import type { DetectedImage } from '../../host/loader/detect.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { checkEntry, loadElfSegments, physicalEntry } from '../boot/load-elf.js';
import type { AoutKludge, MultibootHeader } from './header.js';

export interface LoadedKernel {
  entry: number;
  /** First byte past everything loaded (bss included). */
  end: number;
}

export function loadMultibootKernel(image: Uint8Array, detected: DetectedImage, header: MultibootHeader, memory: GuestMemory, file: string): LoadedKernel {
  if (header.aout !== undefined) return loadAout(image, header, header.aout, memory, file);
  if (detected.elf === undefined) {
    throw new BadImageError(file, 'multiboot kernel is neither ELF nor has the a.out kludge addresses (header flag 16)');
  }
  const loaded = loadElfSegments(detected.elf, memory, file);
  const entry = physicalEntry(detected.elf);
  if (entry >= 2n ** 32n) throw new BadImageError(file, `entry point 0x${entry.toString(16)} is above 4 GiB`);
  checkEntry(Number(entry), loaded, file);
  return { entry: Number(entry), end: loaded.end };
}

function loadAout(image: Uint8Array, header: MultibootHeader, k: AoutKludge, memory: GuestMemory, file: string): LoadedKernel {
  const bad = (detail: string): never => {
    throw new BadImageError(file, `multiboot a.out kludge: ${detail}`);
  };
  if (k.loadAddr > k.headerAddr) bad(`load_addr 0x${k.loadAddr.toString(16)} above header_addr 0x${k.headerAddr.toString(16)}`);
  // The file offset the load starts from: the header sits at header_addr.
  const fileStart = header.offset - (k.headerAddr - k.loadAddr);
  if (fileStart < 0) bad('load_addr lies before the start of the file');
  const loadEnd = k.loadEndAddr === 0 ? k.loadAddr + (image.length - fileStart) : k.loadEndAddr;
  if (loadEnd < k.loadAddr) bad('load_end_addr below load_addr');
  const fileLength = loadEnd - k.loadAddr;
  if (fileStart + fileLength > image.length) bad(`load_end_addr 0x${loadEnd.toString(16)} lies beyond the end of the file`);
  const bssEnd = k.bssEndAddr === 0 ? loadEnd : k.bssEndAddr;
  if (bssEnd < loadEnd) bad('bss_end_addr below load_end_addr');
  if (!memory.contains(k.loadAddr, bssEnd - k.loadAddr)) {
    bad(`image 0x${k.loadAddr.toString(16)}-0x${bssEnd.toString(16)} lies outside guest memory (${memory.size >>> 20} MiB)`);
  }
  if (k.entryAddr < k.loadAddr || k.entryAddr >= loadEnd) bad(`entry_addr 0x${k.entryAddr.toString(16)} outside the loaded image`);
  memory.writeBytes(k.loadAddr, image.subarray(fileStart, fileStart + fileLength));
  if (bssEnd > loadEnd) memory.fill(loadEnd, bssEnd - loadEnd, 0);
  return { entry: k.entryAddr, end: bssEnd };
}
