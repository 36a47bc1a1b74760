/**
 * The multiboot (v1) header: where it is, what the kernel requires, and,
 * with the a.out kludge, where its bytes go.
 */
import { BadImageError } from '../../cli/user-error.js';
import { layout } from '../../abi/layout.js';
import { MultibootHeaderFlag, multibootHeader } from '../../abi/multiboot.js';

const H = layout(multibootHeader, 'x86_32');

/** Requirement bits (0-15) this loader meets. Bit 2 asks for a video mode: see below. */
const SUPPORTED_REQUIREMENTS = MultibootHeaderFlag.PAGE_ALIGN | MultibootHeaderFlag.MEMORY_INFO | MultibootHeaderFlag.VIDEO_MODE;

export interface AoutKludge {
  headerAddr: number;
  loadAddr: number;
  /** 0: load to the end of the file. */
  loadEndAddr: number;
  /** 0: no bss. */
  bssEndAddr: number;
  entryAddr: number;
}

export interface MultibootHeader {
  offset: number;
  flags: number;
  /** Present when flag bit 16 is set: load by these addresses, not as ELF. */
  aout?: AoutKludge;
}

export function parseMultibootHeader(image: Uint8Array, offset: number, file: string): MultibootHeader {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const u32 = (field: string): number => dv.getUint32(offset + H.offset(field), true);
  const flags = u32('flags');
  const unsupported = flags & 0xffff & ~SUPPORTED_REQUIREMENTS;
  if (unsupported !== 0) {
    throw new BadImageError(file, `multiboot header requires features xenner does not offer (flag bits 0x${unsupported.toString(16)})`);
  }
  if (!(flags & MultibootHeaderFlag.AOUT_KLUDGE)) return { offset, flags };
  if (offset + H.offset('entry_addr') + 4 > image.length) throw new BadImageError(file, 'multiboot header truncated (a.out kludge fields)');
  return {
    offset,
    flags,
    aout: {
      headerAddr: u32('header_addr'),
      loadAddr: u32('load_addr'),
      loadEndAddr: u32('load_end_addr'),
      bssEndAddr: u32('bss_end_addr'),
      entryAddr: u32('entry_addr'),
    },
  };
}
