/**
 * The PV domain builder: lays a Xen PV kernel out in a fresh GuestMemory
 * exactly as Xen's domain builder would, and describes the result for
 * what runs next (emu and the vCPU): where the page tables are and which
 * frames hold them, the p2m and M2P, start_info, the rings, the shared
 * info frame and the initial vCPU state.
 *
 * Machine frames: [0, nrPages) are the guest's, handed out through the
 * p2m (identity or shuffled); above them come the hypervisor's frames
 * (shared_info, the M2P and its page tables) and any frames reserved for
 * emu. The guest owns none of those: their M2P entries are invalid.
 */
import { layout as abiLayout, type GuestArch } from '../../abi/layout.js';
import { vcpuInfo, XEN_LEGACY_MAX_VCPUS } from '../../abi/xen/shared-info.js';
import { PV_ADDRESS_SPACE } from '../../abi/xen/arch-x86.js';
import { SIF } from '../../abi/xen/start-info.js';
import { UserError } from '../../cli/user-error.js';
import { GuestMemory } from '../../memory/guest-memory.js';
import type { PvKernel } from '../loader/pv-kernel.js';
import { xenHypercallPage, type HypercallPageWriter } from './hypercall-page.js';
import { PAGE_SIZE, planLayout, pfnToVirt, regionOf, startOfDayAddresses, type DomainLayout, type Region, type RegionName } from './layout.js';
import { m2pFramesFor, m2pTableBytes, mapM2p, type M2pMapping } from './m2p.js';
import { makeP2m, p2mListBytes, type P2mSpec } from './p2m.js';
import { writeMappings } from './page-tables.js';
import { initialVcpu, type InitialVcpuState } from './initial-vcpu.js';
import { startInfoPage } from './start-info-page.js';

export type { InitialVcpuState, SelectorValue } from './initial-vcpu.js';

/** shared_info begins with vcpu_info[32], 64 bytes each; evtchn_upcall_mask is byte 1 (xen.h). */

export interface BuildOptions {
  memoryMiB: number;
  cmdline?: string;
  initrd?: Uint8Array;
  p2m?: P2mSpec;
  /** Fills the hypercall page (default: Xen's own stubs). */
  hypercallPage?: HypercallPageWriter;
  /** Machine frames to reserve above the hypervisor's, for emu. */
  reservedFrames?: number;
  /**
   * Build into this (zeroed) memory instead of a new one; it must be at
   * least as large as the plan needs, and frames past the plan are
   * reserved too.
   */
  memory?: GuestMemory;
  storeEvtchn?: number;
  consoleEvtchn?: number;
}

export interface FrameRef {
  pfn: number;
  mfn: number;
  /** Virtual address, when the frame is mapped at start of day. */
  virt?: bigint;
}

export interface BuiltDomain {
  arch: GuestArch;
  kernel: PvKernel;
  memory: GuestMemory;
  layout: DomainLayout;
  nrPages: number;
  /** Machine frames of the VM, all covered by the M2P. */
  machineFrames: number;
  /** pfn -> mfn. */
  p2m: Uint32Array;
  startInfo: FrameRef;
  xenstore: FrameRef & { evtchn: number };
  console: FrameRef & { evtchn: number };
  sharedInfoMfn: number;
  bootStack: FrameRef;
  hypercallPage?: FrameRef;
  pageTables: {
    /** Machine frame of the top-level table (L4, or the PAE L3). */
    topMfn: number;
    /** Every page-table frame of the initial tables, with its level (1 = L1). */
    frames: { pfn: number; mfn: number; level: number }[];
  };
  p2mList: { virt: bigint; pfn: number; frames: number };
  m2p: M2pMapping;
  /** Frames reserved for emu: [first, first + count). */
  reserved: { firstMfn: number; count: number };
  vcpu: InitialVcpuState;
}

const PAGE = BigInt(PAGE_SIZE);
/** A typed array over the VM's memory holds at most 2^32 bytes (V8's limit). */
const MAX_VM_BYTES = 2 ** 32;

/** Plan the machine frames: the guest's, then the hypervisor's. */
/**
 * Plan the machine frames: the guest's, then the hypervisor's, then the
 * reserve. The M2P covers every machine frame (its own included, hence
 * the fixed point), and at least `cover` frames when the memory is given.
 */
function planMachine(layout: DomainLayout, reserved: number, cover: number): { sharedInfo: number; m2pTable: number; m2pTables: number; m2pPt: number; reservedFirst: number; total: number; covered: number } {
  const space = PV_ADDRESS_SPACE[layout.arch];
  const fixed = layout.nrPages + 1 + reserved;
  let total = fixed;
  for (;;) {
    const covered = Math.max(total, cover);
    const f = m2pFramesFor(covered, space.wordSize, layout.paging.levels);
    const next = fixed + f.table + f.pageTables;
    if (next === total) {
      const sharedInfo = layout.nrPages;
      return { sharedInfo, m2pTable: sharedInfo + 1, m2pTables: f.table, m2pPt: sharedInfo + 1 + f.table, reservedFirst: sharedInfo + 1 + f.table + f.pageTables, total, covered };
    }
    total = next;
  }
}

export function buildDomain(kernel: PvKernel, opts: BuildOptions): BuiltDomain {
  const arch = kernel.arch;
  const space = PV_ADDRESS_SPACE[arch];
  const lay = planLayout(kernel, { memoryMiB: opts.memoryMiB, ...(opts.initrd ? { initrdLength: opts.initrd.length } : {}) });
  const machine = planMachine(lay, opts.reservedFrames ?? 0, opts.memory?.pages ?? 0);
  if (machine.total * PAGE_SIZE > MAX_VM_BYTES) {
    const spare = Math.floor((MAX_VM_BYTES - (machine.total - lay.nrPages) * PAGE_SIZE) / (1 << 20));
    throw new UserError(`--memory ${opts.memoryMiB} MiB leaves no room for the hypervisor's ${machine.total - lay.nrPages} frames in the VM's 4 GiB: use at most ${spare} MiB`);
  }
  if (opts.memory !== undefined && opts.memory.pages < machine.total) {
    throw new RangeError(`the given guest memory has ${opts.memory.pages} frames; the plan needs ${machine.total}`);
  }
  const mem = opts.memory ?? new GuestMemory(machine.total * PAGE_SIZE);
  const p2m = makeP2m(lay.nrPages, opts.p2m ?? { kind: 'identity' });
  const addrs = startOfDayAddresses(kernel, lay);
  const mfn = (pfn: number): number => {
    if (pfn < 0 || pfn >= p2m.length) throw new RangeError(`pfn ${pfn} outside the guest`);
    return p2m[pfn]!;
  };
  const region = (name: RegionName): Region => {
    const r = regionOf(lay, name);
    if (r === undefined) throw new Error(`layout has no ${name}`);
    return r;
  };
  const frame = (pfn: number): FrameRef => ({ pfn, mfn: mfn(pfn), virt: pfnToVirt(lay, pfn) });

  /** Copy bytes to guest frames from (pfn, offset), following the p2m page by page. */
  const writeGuest = (pfn: number, offset: number, data: Uint8Array): void => {
    let done = 0;
    while (done < data.length) {
      const at = offset + done;
      const p = pfn + Math.floor(at / PAGE_SIZE);
      const inPage = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, data.length - done);
      mem.writeBytes(mfn(p) * PAGE_SIZE + inPage, data.subarray(done, done + n));
      done += n;
    }
  };

  // The kernel, by physical address (segments relative to VIRT_BASE).
  for (const s of kernel.segments) {
    const rel = s.vaddr - lay.virtBase;
    writeGuest(Number(rel / PAGE), Number(rel % PAGE), kernel.elf.bytes.subarray(s.fileOffset, s.fileOffset + s.filesz));
    // The rest of memsz is .bss: guest memory starts zeroed.
  }

  let hypercallPage: FrameRef | undefined;
  if (kernel.hypercallPage !== undefined) {
    const page = new Uint8Array(PAGE_SIZE);
    (opts.hypercallPage ?? xenHypercallPage)(arch, page);
    const pfn = Number((kernel.hypercallPage - lay.virtBase) / PAGE);
    writeGuest(pfn, 0, page);
    hypercallPage = frame(pfn);
  }

  if (opts.initrd && lay.initrd) writeGuest(region('initrd').pfn, 0, opts.initrd);

  // The p2m list, in the guest's word size.
  const p2mRegion = region('p2m');
  const word = space.wordSize;
  writeGuest(p2mRegion.pfn, 0, p2mListBytes(p2m, word));

  // The page tables (Xen's builder writes the entries with machine frames).
  const tables = lay.pageTableFrames.map((t) => ({ ...t, mfn: mfn(t.pfn) }));
  writeMappings(lay.paging, lay.mappings, mfn, (pfn, index, value) => mem.write64(mfn(pfn) * PAGE_SIZE + index * 8, value));
  const top = lay.mappings[0]!.levels[lay.paging.levels - 1]!;
  const topMfn = mfn(top.pfn);
  if (arch === 'x86_32' && kernel.info.paeMode === 'yes' && topMfn >= 0x100000) {
    // Only extended-cr3 guests may have their L3 above 4 GiB; our machine never gets that big.
    throw new Error(`PAE L3 at machine frame ${topMfn} is above 4 GiB`);
  }

  // The M2P: guest frames map back to their pfn; the hypervisor's are invalid.
  mem.writeBytes(machine.m2pTable * PAGE_SIZE, m2pTableBytes(p2m, machine.covered, word));
  const m2pVirt = addrs.m2p;
  const m2p = mapM2p(mem, lay.paging.levels, m2pVirt, machine.m2pTable, machine.m2pTables, machine.m2pPt);
  // Hook it into the guest's tables, as Xen does when the guest's top level is pinned.
  const hookPfn = m2p.hook.level === 4 ? top.pfn : paeL2For(lay, m2pVirt);
  m2p.hook.entries.forEach((e, i) => mem.write64(mfn(hookPfn) * PAGE_SIZE + (m2p.hook.firstIndex + i) * 8, e));

  // shared_info: every vCPU starts with event delivery masked, as under Xen.
  const vi = abiLayout(vcpuInfo, arch);
  const upcallMask = vi.offset('evtchn_upcall_mask');
  for (let v = 0; v < XEN_LEGACY_MAX_VCPUS; v++) mem.write8(machine.sharedInfo * PAGE_SIZE + v * vi.size + upcallMask, 1);

  // start_info.
  const siFrame = frame(region('start_info').pfn);
  const store = { ...frame(region('xenstore').pfn), evtchn: opts.storeEvtchn ?? 1 };
  const cons = { ...frame(region('console').pfn), evtchn: opts.consoleEvtchn ?? 2 };
  writeGuest(
    siFrame.pfn,
    0,
    startInfoPage(arch, {
      nrPages: lay.nrPages,
      sharedInfo: BigInt(machine.sharedInfo) * PAGE,
      flags: SIF.VIRT_P2M_4TOOLS | (lay.initrd?.byPfn ? SIF.MOD_START_PFN : 0),
      storeMfn: store.mfn,
      storeEvtchn: store.evtchn,
      consoleMfn: cons.mfn,
      consoleEvtchn: cons.evtchn,
      ptBase: addrs.pageTables,
      nrPtFrames: lay.mappings[0]!.tableCount,
      mfnList: p2mRegion.vstart!,
      ...(lay.initrd ? { modStart: lay.initrd.modStart, modLen: lay.initrd.length } : {}),
      cmdline: opts.cmdline ?? '',
      ...(kernel.p2mBase !== undefined ? { firstP2mPfn: p2mRegion.pfn, nrP2mFrames: p2mRegion.pages } : {}),
    }),
  );

  const bootStack = frame(region('boot stack').pfn);
  const vcpu = initialVcpu(kernel, addrs, topMfn);

  return {
    arch,
    kernel,
    memory: mem,
    layout: lay,
    nrPages: lay.nrPages,
    machineFrames: machine.covered,
    p2m,
    startInfo: siFrame,
    xenstore: store,
    console: cons,
    sharedInfoMfn: machine.sharedInfo,
    bootStack,
    ...(hypercallPage ? { hypercallPage } : {}),
    pageTables: { topMfn, frames: tables },
    p2mList: { virt: p2mRegion.vstart!, pfn: p2mRegion.pfn, frames: Math.ceil((lay.nrPages * word) / PAGE_SIZE) },
    m2p,
    reserved: { firstMfn: machine.reservedFirst, count: mem.pages - machine.reservedFirst },
    vcpu,
  };
}

/** PAE: the guest frame of the L2 mapping `virt` (the hypervisor area's gigabyte), where Xen's entries go. */
function paeL2For(lay: DomainLayout, virt: bigint): number {
  const l2 = lay.mappings[0]!.levels[1]!;
  const gb = virt & ~((1n << 30n) - 1n);
  if (l2.count === 0 || gb < l2.from || gb > l2.to) throw new Error(`PAE layout has no L2 for ${virt.toString(16)}`);
  return l2.pfn + Number((gb - l2.from) >> 30n);
}
