/**
 * What kind of kernel image a file is. `xenner run` picks the machine from
 * this (unless --machine overrides) and `xenner info` reports it.
 */
import { XEN_GUEST_SECTION, XEN_NOTE_NAME, XenElfNote } from '../../abi/xen/elfnote.js';
import { decompressImage } from './compressed-image.js';
import type { Compression } from './decompress/index.js';
import { isElf, parseElf, type ElfImage } from './elf.js';

export type ImageKind =
  /** ELF with Xen ELF notes or a __xen_guest section: a Xen PV kernel. */
  | 'xen-pv'
  /** ELF whose only Xen note is the PVH entry (XEN_ELFNOTE_PHYS32_ENTRY). */
  | 'pvh'
  /** A Linux bzImage (its payload decides PV or not). */
  | 'bzimage'
  /** A kernel with a multiboot (v1) header in its first 8 KiB. */
  | 'multiboot'
  /** An ELF with none of the above. */
  | 'elf'
  | 'unknown';

export const XEN_ELFNOTE_PHYS32_ENTRY = XenElfNote.PHYS32_ENTRY;
export const MULTIBOOT_MAGIC = 0x1badb002;
/** The multiboot header must lie, 4-aligned, in the first 8192 bytes. */
export const MULTIBOOT_SEARCH = 8192;

export interface DetectedImage {
  kind: ImageKind;
  elf?: ElfImage;
  /** Offset of the multiboot header, when there is one. */
  multibootOffset?: number;
  /** Set when the file is a compressed ELF (`elf` is then the decompressed one). */
  compression?: Compression;
}

export function findMultibootHeader(bytes: Uint8Array): number | undefined {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = Math.min(bytes.length - 12, MULTIBOOT_SEARCH - 12);
  for (let o = 0; o <= end; o += 4) {
    if (dv.getUint32(o, true) !== MULTIBOOT_MAGIC) continue;
    const flags = dv.getUint32(o + 4, true);
    const checksum = dv.getUint32(o + 8, true);
    if (((MULTIBOOT_MAGIC + flags + checksum) >>> 0) === 0) return o;
  }
  return undefined;
}

export function isBzImage(bytes: Uint8Array): boolean {
  // "HdrS" at 0x202 and the boot-sector signature 0xaa55 at 0x1fe.
  return bytes.length > 0x260 && bytes[0x1fe] === 0x55 && bytes[0x1ff] === 0xaa && bytes[0x202] === 0x48 && bytes[0x203] === 0x64 && bytes[0x204] === 0x72 && bytes[0x205] === 0x53;
}

function classifyElf(elf: ElfImage, mb: number | undefined): DetectedImage {
  const withMb = mb === undefined ? {} : { multibootOffset: mb };
  const xenNotes = elf.notes.filter((n) => n.name === XEN_NOTE_NAME);
  const legacy = elf.sections.some((s) => s.name === XEN_GUEST_SECTION);
  if (legacy || xenNotes.some((n) => n.type !== XEN_ELFNOTE_PHYS32_ENTRY)) return { kind: 'xen-pv', elf, ...withMb };
  if (xenNotes.length > 0) return { kind: 'pvh', elf, ...withMb };
  if (mb !== undefined) return { kind: 'multiboot', elf, ...withMb };
  return { kind: 'elf', elf };
}

export function detectImage(bytes: Uint8Array, file: string): DetectedImage {
  const mb = findMultibootHeader(bytes);
  const withMb = mb === undefined ? {} : { multibootOffset: mb };
  if (isElf(bytes)) return classifyElf(parseElf(bytes, file), mb);
  if (isBzImage(bytes)) return { kind: 'bzimage', ...withMb };
  if (mb !== undefined) return { kind: 'multiboot', ...withMb };
  const inner = decompressImage(bytes, file);
  if (inner !== undefined && isElf(inner.bytes)) {
    const innerMb = findMultibootHeader(inner.bytes);
    return { ...classifyElf(parseElf(inner.bytes, `${file} (${inner.compression})`), innerMb), compression: inner.compression };
  }
  return { kind: 'unknown' };
}
