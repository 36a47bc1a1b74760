/** The PVH entry point from an ELF kernel's XEN_ELFNOTE_PHYS32_ENTRY note. */
import { BadImageError } from '../../cli/user-error.js';
import { XEN_ELFNOTE_PHYS32_ENTRY } from '../../host/loader/detect.js';
import type { ElfImage } from '../../host/loader/elf.js';

export function pvhEntry(elf: ElfImage, file: string): number {
  const note = elf.notes.find((n) => n.name === 'Xen' && n.type === XEN_ELFNOTE_PHYS32_ENTRY);
  if (note === undefined) throw new BadImageError(file, 'no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel');
  const dv = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength);
  // The note holds a 32-bit physical address; some linkers emit it as a 64-bit quad.
  if (note.desc.length === 4) return dv.getUint32(0, true);
  if (note.desc.length === 8) {
    const v = dv.getBigUint64(0, true);
    if (v < 2n ** 32n) return Number(v);
    throw new BadImageError(file, `PVH entry 0x${v.toString(16)} is above 4 GiB`);
  }
  throw new BadImageError(file, `XEN_ELFNOTE_PHYS32_ENTRY note has ${note.desc.length} bytes (want 4 or 8)`);
}
