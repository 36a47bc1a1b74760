/**
 * The start-of-day layout of a PV guest, planned before anything is
 * written (so `xenner info` can print it). The order is Xen's
 * (xen/include/public/xen.h, "start of day memory layout", and
 * libxenguest's xc_dom_build_image), all in guest frames contiguous from
 * VIRT_BASE:
 *
 *   kernel image, [initrd], [p2m list], start_info, xenstore ring,
 *   console ring, page tables, boot stack, padding to a 4 MiB boundary
 *   with at least 512 KiB spare,
 *
 * then, outside the initial mapping: the initrd when the kernel takes it
 * by frame number (MOD_START_PFN), and the p2m list with its own page
 * tables when the kernel asks for it at INIT_P2M.
 */
import { BadImageError } from '../../cli/user-error.js';
import type { GuestArch } from '../../abi/layout.js';
import { PV_ADDRESS_SPACE } from '../../abi/xen/arch-x86.js';
import type { PvKernel } from '../loader/pv-kernel.js';
import { PAGING_PAE, PAGING_X86_64, planMapping, tableFrames, type Mapping, type PagingParams } from './page-tables.js';

export const PAGE_SIZE = 4096;
const PAGE = 4096n;
/** Spare room mapped after the boot stack (xen.h: "at least 512kB padding"). */
export const BOOT_PADDING = 512 * 1024;
/** The initial mapping ends on a 4 MiB boundary. */
const MAPPING_ALIGN_MASK = (1n << 22n) - 1n;

export type RegionName = 'kernel' | 'initrd' | 'p2m' | 'start_info' | 'xenstore' | 'console' | 'page tables' | 'boot stack' | 'padding';

/** A run of guest frames and, when mapped, its virtual address. */
export interface Region {
  name: RegionName;
  pfn: number;
  pages: number;
  /** Virtual start; undefined for regions outside every mapping. */
  vstart?: bigint;
  /** Pages mapped from vstart when fewer than `pages` (INIT_P2M: the list, not its tables). */
  mappedPages?: number;
}

export interface DomainLayout {
  arch: GuestArch;
  paging: PagingParams;
  /** Guest pages (start_info.nr_pages). */
  nrPages: number;
  virtBase: bigint;
  regions: Region[];
  /** First mapping: VIRT_BASE to `mappedEnd`; second (INIT_P2M) when present. */
  mappings: Mapping[];
  /** End (exclusive) of the initial VIRT_BASE mapping. */
  mappedEnd: bigint;
  /** Frames in use; the rest of the guest's pages are free. */
  pfnAllocEnd: number;
  /** Page-table frames and their levels (1 = L1), both mappings. */
  pageTableFrames: { pfn: number; level: number }[];
  /** Where the initrd is, as start_info.mod_start gives it (a virtual address or a frame). */
  initrd?: { modStart: bigint; length: number; byPfn: boolean };
}

export interface LayoutRequest {
  memoryMiB: number;
  initrdLength?: number;
}

export function regionOf(layout: DomainLayout, name: RegionName): Region | undefined {
  return layout.regions.find((r) => r.name === name);
}

export function planLayout(kernel: PvKernel, req: LayoutRequest): DomainLayout {
  const { arch } = kernel;
  const space = PV_ADDRESS_SPACE[arch];
  const paging = arch === 'x86_64' ? PAGING_X86_64 : PAGING_PAE;
  const nrPages = req.memoryMiB * 256;
  const tooSmall = (what: string): never => {
    throw new BadImageError(kernel.file, `${what} does not fit in ${req.memoryMiB} MiB of guest memory`);
  };
  const virtBase = kernel.virtBase;
  const regions: Region[] = [];
  let virtEnd = virtBase;
  let pfnEnd = 0;
  const pagesFor = (bytes: number): number => Math.ceil(bytes / PAGE_SIZE);
  /** Allocate the next frames, mapped at the next virtual addresses. */
  const mapped = (name: RegionName, pages: number, start = virtEnd): Region => {
    const pfn = Number((start - virtBase) / PAGE);
    const r: Region = { name, pfn, pages, vstart: start };
    if (pfn + pages > nrPages) tooSmall(name === 'kernel' ? `the kernel image (${virtBase.toString(16)}-${(start + BigInt(pages) * PAGE).toString(16)})` : `the ${name}`);
    regions.push(r);
    virtEnd = start + BigInt(pages) * PAGE;
    pfnEnd = pfn + pages;
    return r;
  };
  const unmapped = (name: RegionName, pages: number): Region => {
    const r: Region = { name, pfn: pfnEnd, pages };
    if (pfnEnd + pages > nrPages) tooSmall(`the ${name}`);
    regions.push(r);
    pfnEnd += pages;
    return r;
  };

  mapped('kernel', Number((kernel.kernelEnd - kernel.kernelStart) / PAGE), kernel.kernelStart);
  let initrd: DomainLayout['initrd'];
  const initrdLength = req.initrdLength ?? 0;
  if (initrdLength > 0 && !kernel.unmappedInitrd) {
    const r = mapped('initrd', pagesFor(initrdLength));
    initrd = { modStart: r.vstart!, length: initrdLength, byPfn: false };
  }
  const p2mBytes = nrPages * space.wordSize;
  const p2mPages = pagesFor(p2mBytes);
  if (kernel.p2mBase === undefined) mapped('p2m', p2mPages);
  mapped('start_info', 1);
  mapped('xenstore', 1);
  mapped('console', 1);

  // How many tables map VIRT_BASE up to a 4 MiB boundary past everything,
  // the tables themselves, the boot stack and the padding (libxc's loop).
  const extra = 1 + BOOT_PADDING / PAGE_SIZE;
  let pages = extra;
  let map: Mapping;
  let tryEnd: bigint;
  for (;;) {
    tryEnd = (virtEnd + BigInt(pages) * PAGE) | MAPPING_ALIGN_MASK;
    if (Number((tryEnd - virtBase) >> 12n) >= nrPages) tooSmall('the initial mapping');
    map = planMapping(paging, [], virtBase, tryEnd, 0, pfnEnd);
    pages = map.tableCount + extra;
    if (virtEnd + BigInt(pages) * PAGE <= tryEnd + 1n) break;
  }
  const mappedEnd = tryEnd + 1n;
  if (arch === 'x86_32' ? mappedEnd > kernel.hypervisorStart : virtBase < space.hypervisorVirtEnd && mappedEnd > space.hypervisorVirtStart) {
    throw new BadImageError(kernel.file, `the initial mapping ${virtBase.toString(16)}-${mappedEnd.toString(16)} reaches the hypervisor area at ${kernel.hypervisorStart.toString(16)}`);
  }
  mapped('page tables', map.tableCount);
  mapped('boot stack', 1);
  const padPages = Number((mappedEnd - virtEnd) / PAGE);
  mapped('padding', padPages);
  const mappings = [map];

  if (initrdLength > 0 && kernel.unmappedInitrd) {
    const r = unmapped('initrd', pagesFor(initrdLength));
    initrd = { modStart: BigInt(r.pfn), length: initrdLength, byPfn: true };
  }
  if (kernel.p2mBase !== undefined) {
    // The p2m frames first, then the tables mapping them at INIT_P2M.
    const first = pfnEnd;
    const p2mMap = planMapping(paging, mappings, kernel.p2mBase, kernel.p2mBase + BigInt(p2mPages) * PAGE - 1n, first, first + p2mPages);
    if (first + p2mPages + p2mMap.tableCount > nrPages) tooSmall('the p2m list');
    regions.push({ name: 'p2m', pfn: first, pages: p2mPages + p2mMap.tableCount, vstart: kernel.p2mBase, mappedPages: p2mPages });
    pfnEnd = first + p2mPages + p2mMap.tableCount;
    mappings.push(p2mMap);
  }

  return {
    arch,
    paging,
    nrPages,
    virtBase,
    regions,
    mappings,
    mappedEnd,
    pfnAllocEnd: pfnEnd,
    pageTableFrames: tableFrames(mappings),
    ...(initrd ? { initrd } : {}),
  };
}

/** Virtual address of a mapped frame in the VIRT_BASE mapping. */
export function pfnToVirt(layout: DomainLayout, pfn: number): bigint {
  return layout.virtBase + BigInt(pfn) * PAGE;
}

/** The addresses a kernel is told about at start of day, from the plan alone. */
export interface StartOfDayAddresses {
  startInfo: bigint;
  /** Initial stack pointer: the top of the boot stack page. */
  stackTop: bigint;
  /** The read-only M2P table (RO_MPT_VIRT_START for this guest). */
  m2p: bigint;
  pageTables: bigint;
}

export function startOfDayAddresses(kernel: PvKernel, layout: DomainLayout): StartOfDayAddresses {
  const at = (name: RegionName): bigint => pfnToVirt(layout, regionOf(layout, name)!.pfn);
  return {
    startInfo: at('start_info'),
    stackTop: at('boot stack') + PAGE,
    m2p: kernel.arch === 'x86_32' ? kernel.hypervisorStart : PV_ADDRESS_SPACE.x86_64.m2pVirtStart,
    pageTables: at('page tables'),
  };
}
