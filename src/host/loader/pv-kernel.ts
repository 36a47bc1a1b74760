/**
 * A Xen PV kernel ready to be laid out: the ELF (from a file, or from a
 * bzImage's decompressed payload), its Xen guest information, and the
 * addresses Xen's libelf derives from them (elf_xen_addr_calc_check):
 * segments are placed by physical address, virtual = paddr + VIRT_BASE -
 * PADDR_OFFSET, so a segment whose p_vaddr is 0 (Linux's per-CPU area)
 * still lands inside the kernel image.
 */
import { BadImageError } from '../../cli/user-error.js';
import type { GuestArch } from '../../abi/layout.js';
import { PAE_HV_START_ALIGN, PV_ADDRESS_SPACE } from '../../abi/xen/arch-x86.js';
import { XenElfNote, XenFeature } from '../../abi/xen/elfnote.js';
import { extractBzImage } from './bzimage.js';
import { decompressImage } from './compressed-image.js';
import type { Compression } from './decompress/index.js';
import { EM_386, EM_X86_64, isElf, parseElf, PT_LOAD, type ElfImage } from './elf.js';
import { isBzImage } from './detect.js';
import { featureName, readXenGuestInfo, type XenGuestInfo } from './xen-notes.js';

export const PAGE = 4096n;

/** A PT_LOAD segment at its guest virtual address. */
export interface PvSegment {
  vaddr: bigint;
  fileOffset: number;
  filesz: number;
  memsz: number;
}

export interface PvKernel {
  file: string;
  arch: GuestArch;
  /** How the ELF was found: directly, or inside a bzImage with this compression. */
  container: { kind: 'elf' } | { kind: 'compressed-elf'; compression: Compression } | { kind: 'bzimage'; compression: Compression; protocol: number };
  elf: ElfImage;
  info: XenGuestInfo;
  virtBase: bigint;
  paddrOffset: bigint;
  /** Page-aligned start and (exclusive) end of the loaded image. */
  kernelStart: bigint;
  kernelEnd: bigint;
  entry: bigint;
  hypercallPage?: bigint;
  /** INIT_P2M: where the guest wants its p2m list mapped (64-bit only). */
  p2mBase?: bigint;
  /** Start of the hypervisor hole for this guest (HV_START_LOW moves it on 32-bit). */
  hypervisorStart: bigint;
  /** MOD_START_PFN: the initrd may be left unmapped, given by frame number. */
  unmappedInitrd: boolean;
  segments: PvSegment[];
}

/** Features a PV kernel may require that xenner cannot give a PV guest. */
const UNSUPPORTED_REQUIRED = [XenFeature.auto_translated_physmap, XenFeature.supervisor_mode_kernel, XenFeature.hvm_callback_vector];

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const alignDown = (v: bigint, a: bigint): bigint => v - (v % a);
const alignUp = (v: bigint, a: bigint): bigint => alignDown(v + a - 1n, a);

/** Read a kernel file: a PV ELF, a bzImage whose payload is one, or a compressed PV ELF. */
export function loadPvKernel(bytes: Uint8Array, file: string): PvKernel {
  if (isElf(bytes)) return resolvePvKernel(parseElf(bytes, file), file, { kind: 'elf' });
  if (isBzImage(bytes)) {
    const bz = extractBzImage(bytes, file);
    if (!isElf(bz.kernel)) throw new BadImageError(file, `bzImage ${bz.compression} payload is not an ELF kernel`);
    const elf = parseElf(bz.kernel, `${file} (payload)`);
    return resolvePvKernel(elf, file, { kind: 'bzimage', compression: bz.compression, protocol: bz.header.protocol });
  }
  const inner = decompressImage(bytes, file);
  if (inner !== undefined) {
    if (!isElf(inner.bytes)) throw new BadImageError(file, `${inner.compression}-compressed image is not an ELF kernel`);
    return resolvePvKernel(parseElf(inner.bytes, `${file} (${inner.compression})`), file, { kind: 'compressed-elf', compression: inner.compression });
  }
  throw new BadImageError(file, 'not a Xen PV kernel (neither an ELF, a bzImage, nor a compressed ELF)');
}

export function resolvePvKernel(elf: ElfImage, file: string, container: PvKernel['container']): PvKernel {
  const bad = (d: string): never => {
    throw new BadImageError(file, d);
  };
  let arch: GuestArch;
  if (elf.elfClass === 64 && elf.machine === EM_X86_64) arch = 'x86_64';
  else if (elf.elfClass === 32 && elf.machine === EM_386) arch = 'x86_32';
  else return bad(`ELF${elf.elfClass} for machine ${elf.machine} is not an x86 kernel xenner can run`);
  const space = PV_ADDRESS_SPACE[arch];
  const wordMask = arch === 'x86_64' ? (1n << 64n) - 1n : (1n << 32n) - 1n;

  const info = readXenGuestInfo(elf, file);
  if (info === undefined) {
    const pvh = elf.notes.some((n) => n.name === 'Xen' && n.type === XenElfNote.PHYS32_ENTRY);
    return bad(pvh ? 'a PVH-only kernel (only XEN_ELFNOTE_PHYS32_ENTRY), not a PV one' : 'not a Xen PV kernel (no Xen ELF notes and no __xen_guest section)');
  }
  // libelf's elf_xen_note_check: a generic-loader or Linux image, for Xen 3.0.
  if (!(info.loader ?? '').startsWith('generic') && !(info.guestOs ?? '').startsWith('linux')) {
    bad(`Xen notes name loader '${info.loader ?? ''}' and guest OS '${info.guestOs ?? ''}': only the generic loader or Linux images can be loaded`);
  }
  if (!(info.xenVersion ?? '').startsWith('xen-3.0')) bad(`kernel is built for Xen interface '${info.xenVersion ?? ''}', not xen-3.0`);
  if (arch === 'x86_32' && (info.paeMode === undefined || info.paeMode === 'no')) {
    bad('32-bit non-PAE PV kernels are not supported (Xen dropped them too): build with PAE');
  }
  for (const f of UNSUPPORTED_REQUIRED) {
    if (info.featuresRequired.has(f)) bad(`kernel requires Xen feature ${featureName(f)}, which PV guests do not get`);
  }

  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (loads.length === 0) bad('ELF has no loadable segments');
  let pstart = loads[0]!.paddr;
  let pend = 0n;
  for (const p of loads) {
    if (p.paddr < pstart) pstart = p.paddr;
    const e = p.paddr + BigInt(p.memsz);
    if (e > pend) pend = e;
  }

  if (info.paddrOffset !== undefined && info.virtBase === undefined) bad('Xen notes give PADDR_OFFSET without VIRT_BASE');
  const virtBase = info.virtBase ?? 0n;
  // The modern notes default PADDR_OFFSET to 0; the legacy string to VIRT_BASE.
  const paddrOffset = info.paddrOffset ?? (info.source === 'notes' ? 0n : virtBase);
  const toVirt = (paddr: bigint): bigint => (paddr + virtBase - paddrOffset) & wordMask;
  const kstart = toVirt(pstart);
  const kend = kstart + (pend - pstart);
  const entry = info.entry ?? elf.entry;
  if (kend > wordMask + 1n) bad(`kernel image ${hex(kstart)}-${hex(kend)} wraps the address space`);
  if (entry < kstart || entry >= kend) {
    // Linux 5.9+ built for 32-bit keeps its Xen notes for PVH but has no PV entry.
    if (info.entry === undefined && info.phys32Entry !== undefined) bad(`kernel has no Xen PV entry point (no XEN_ELFNOTE_ENTRY), only a PVH one: it cannot run as a PV guest`);
    bad(`entry point ${hex(entry)} lies outside the kernel image ${hex(kstart)}-${hex(kend)}`);
  }
  if (virtBase > kstart) bad(`VIRT_BASE ${hex(virtBase)} lies above the kernel image start ${hex(kstart)}`);
  if (virtBase % PAGE !== 0n) bad(`VIRT_BASE ${hex(virtBase)} is not page aligned`);

  let hypervisorStart = space.hypervisorVirtStart;
  if (arch === 'x86_32' && info.hvStartLow !== undefined) {
    const hv = alignUp(info.hvStartLow, PAE_HV_START_ALIGN);
    if (hv > space.hypervisorVirtStart) bad(`HV_START_LOW ${hex(info.hvStartLow)} lies above Xen's ${hex(space.hypervisorVirtStart)}`);
    hypervisorStart = hv;
  }
  // The kernel (and everything mapped after it) must stay out of the hole.
  if (arch === 'x86_32') {
    if (kend > hypervisorStart) bad(`kernel image ${hex(kstart)}-${hex(kend)} reaches the hypervisor area at ${hex(hypervisorStart)}`);
  } else {
    const canonical = (v: bigint): boolean => v < 0x0000800000000000n || v >= 0xffff800000000000n;
    if (!canonical(kstart) || !canonical(kend - 1n)) bad(`kernel image ${hex(kstart)}-${hex(kend)} is not at canonical addresses`);
    if (kstart < space.hypervisorVirtEnd && kend > space.hypervisorVirtStart) bad(`kernel image ${hex(kstart)}-${hex(kend)} overlaps the hypervisor area`);
  }

  const hypercallPage = info.hypercallPage;
  if (hypercallPage !== undefined) {
    if (hypercallPage % PAGE !== 0n) bad(`HYPERCALL_PAGE ${hex(hypercallPage)} is not page aligned`);
    if (hypercallPage < kstart || hypercallPage + PAGE > alignUp(kend, PAGE)) bad(`HYPERCALL_PAGE ${hex(hypercallPage)} lies outside the kernel image`);
  }

  // INIT_P2M is honoured for 64-bit guests below VIRT_BASE, page aligned (as libxc does); otherwise ignored.
  let p2mBase: bigint | undefined;
  if (arch === 'x86_64' && info.initP2m !== undefined) {
    if (info.initP2m >= kstart && info.initP2m < kend) bad(`INIT_P2M ${hex(info.initP2m)} lies inside the kernel image`);
    if (info.initP2m < virtBase && info.initP2m % PAGE === 0n) p2mBase = info.initP2m;
  }

  const segments = loads.map((p) => ({ vaddr: toVirt(p.paddr), fileOffset: p.offset, filesz: p.filesz, memsz: p.memsz }));
  return {
    file,
    arch,
    container,
    elf,
    info,
    virtBase,
    paddrOffset,
    kernelStart: alignDown(kstart, PAGE),
    kernelEnd: alignUp(kend, PAGE),
    entry,
    ...(hypercallPage !== undefined ? { hypercallPage } : {}),
    ...(p2mBase !== undefined ? { p2mBase } : {}),
    hypervisorStart,
    unmappedInitrd: (info.modStartPfn ?? 0n) !== 0n,
    segments,
  };
}
