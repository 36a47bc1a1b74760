/**
 * Reads a built PV domain back through its own page tables and checks
 * every start-of-day promise of the Xen ABI (xen.h "start of day"): used
 * for synthetic kernels and for Debian's. Fails with expect().
 */
import { expect } from 'vitest';
import { layout } from '../../src/abi/layout.js';
import { PV_ADDRESS_SPACE } from '../../src/abi/xen/arch-x86.js';
import { START_INFO_MAGIC, startInfo } from '../../src/abi/xen/start-info.js';
import type { BuiltDomain } from '../../src/host/builder/build.js';
import { BOOT_PADDING, regionOf } from '../../src/host/builder/layout.js';
import { INVALID_M2P_32, INVALID_M2P_64 } from '../../src/host/builder/m2p.js';
import { readVirt, walk } from './page-walk.js';

export interface StartInfoView {
  magic: string;
  nr_pages: bigint;
  shared_info: bigint;
  flags: number;
  store_mfn: bigint;
  store_evtchn: number;
  console_mfn: bigint;
  console_evtchn: number;
  pt_base: bigint;
  nr_pt_frames: bigint;
  mfn_list: bigint;
  mod_start: bigint;
  mod_len: bigint;
  cmd_line: string;
  first_p2m_pfn: bigint;
  nr_p2m_frames: bigint;
}

/** start_info as the guest sees it: read at rsi through the page tables. */
export function readStartInfo(d: BuiltDomain): StartInfoView {
  const l = layout(startInfo, d.arch);
  const levels = d.layout.paging.levels;
  const raw = readVirt(d.memory, d.vcpu.cr3, d.vcpu.rsi, l.size, levels);
  const dv = new DataView(raw.buffer);
  const w = (f: string): bigint => (d.arch === 'x86_64' ? dv.getBigUint64(l.offset(f), true) : BigInt(dv.getUint32(l.offset(f), true)));
  const str = (f: string, n: number): string => {
    const b = raw.subarray(l.offset(f), l.offset(f) + n);
    const end = b.indexOf(0);
    return Buffer.from(b.subarray(0, end < 0 ? n : end)).toString('latin1');
  };
  return {
    magic: str('magic', 32),
    nr_pages: w('nr_pages'),
    shared_info: w('shared_info'),
    flags: dv.getUint32(l.offset('flags'), true),
    store_mfn: w('store_mfn'),
    store_evtchn: dv.getUint32(l.offset('store_evtchn'), true),
    console_mfn: w('console.mfn'),
    console_evtchn: dv.getUint32(l.offset('console.evtchn'), true),
    pt_base: w('pt_base'),
    nr_pt_frames: w('nr_pt_frames'),
    mfn_list: w('mfn_list'),
    mod_start: w('mod_start'),
    mod_len: w('mod_len'),
    cmd_line: str('cmd_line', 1024),
    first_p2m_pfn: w('first_p2m_pfn'),
    nr_p2m_frames: w('nr_p2m_frames'),
  };
}

/** Check everything the ABI promises about the start of day. */
export function checkDomain(d: BuiltDomain): StartInfoView {
  const { layout: lay, memory: mem, p2m, vcpu } = d;
  const levels = lay.paging.levels;
  const space = PV_ADDRESS_SPACE[d.arch];
  const word = space.wordSize;
  const si = readStartInfo(d);

  // p2m is a permutation of the guest's machine frames.
  const seen = new Uint8Array(d.nrPages);
  for (const m of p2m) {
    expect(m).toBeLessThan(d.nrPages);
    expect(seen[m]).toBe(0);
    seen[m] = 1;
  }

  // Regions are in Xen's order and the mapping ends on a 4 MiB boundary with >= 512 KiB spare.
  const order = ['kernel', 'initrd', 'p2m', 'start_info', 'xenstore', 'console', 'page tables', 'boot stack', 'padding'];
  const mappedRegions = lay.regions.filter((r) => r.vstart !== undefined && r.vstart >= lay.virtBase && r.vstart < lay.mappedEnd);
  const names = mappedRegions.map((r) => r.name);
  expect(names).toEqual(order.filter((n) => names.includes(n as never)));
  for (let i = 1; i < mappedRegions.length; i++) expect(mappedRegions[i]!.pfn).toBe(mappedRegions[i - 1]!.pfn + mappedRegions[i - 1]!.pages);
  expect(lay.mappedEnd % (4n << 20n)).toBe(0n);
  const stack = regionOf(lay, 'boot stack')!;
  const stackEnd = lay.virtBase + BigInt((stack.pfn + 1) * 4096);
  expect(lay.mappedEnd - stackEnd).toBeGreaterThanOrEqual(BigInt(BOOT_PADDING));

  // Every page from VIRT_BASE to the end of the mapping maps pfn (va - VIRT_BASE) / 4096;
  // page-table frames read-only, everything else writable.
  const ptPfns = new Set(d.pageTables.frames.map((f) => f.pfn));
  for (let va = lay.virtBase; va < lay.mappedEnd; va += 4096n) {
    const pfn = Number((va - lay.virtBase) >> 12n);
    const t = walk(mem, vcpu.cr3, va, levels);
    expect(t, `0x${va.toString(16)} mapped`).toBeDefined();
    expect(t!.maddr).toBe(p2m[pfn]! * 4096);
    expect(t!.writable, `0x${va.toString(16)} writable`).toBe(!ptPfns.has(pfn));
    if (d.arch === 'x86_64') expect(t!.user).toBe(true);
  }
  expect(walk(mem, vcpu.cr3, lay.mappedEnd, levels)).toBeUndefined();
  expect(walk(mem, vcpu.cr3, lay.virtBase - 4096n, levels)).toBeUndefined();

  // The kernel's segments, by physical address.
  for (const s of d.kernel.segments) {
    const bytes = readVirt(mem, vcpu.cr3, s.vaddr, s.memsz, levels);
    const want = new Uint8Array(s.memsz);
    want.set(d.kernel.elf.bytes.subarray(s.fileOffset, s.fileOffset + s.filesz));
    // The hypercall page is ours, whatever the image had there.
    const hc = d.kernel.hypercallPage;
    if (hc !== undefined && hc >= s.vaddr && hc < s.vaddr + BigInt(s.memsz)) {
      const at = Number(hc - s.vaddr);
      want.set(readVirt(mem, vcpu.cr3, hc, 4096, levels).subarray(0, Math.min(4096, s.memsz - at)), at);
    }
    expect(Buffer.from(bytes).equals(Buffer.from(want)), `segment at 0x${s.vaddr.toString(16)}`).toBe(true);
  }

  // start_info.
  expect(si.magic).toBe(START_INFO_MAGIC[d.arch]);
  expect(si.nr_pages).toBe(BigInt(d.nrPages));
  expect(si.shared_info).toBe(BigInt(d.sharedInfoMfn) * 4096n);
  expect(si.store_mfn).toBe(BigInt(p2m[regionOf(lay, 'xenstore')!.pfn]!));
  expect(si.console_mfn).toBe(BigInt(p2m[regionOf(lay, 'console')!.pfn]!));
  const pt = regionOf(lay, 'page tables')!;
  expect(si.pt_base).toBe(lay.virtBase + BigInt(pt.pfn * 4096));
  expect(si.nr_pt_frames).toBe(BigInt(pt.pages));
  expect(vcpu.cr3).toBe(BigInt(p2m[pt.pfn]!) * 4096n);
  expect(vcpu.rsi).toBe(lay.virtBase + BigInt(regionOf(lay, 'start_info')!.pfn * 4096));
  expect(vcpu.rsp).toBe(stackEnd);
  expect(vcpu.rip).toBe(d.kernel.entry);
  expect(walk(mem, vcpu.cr3, vcpu.rip, levels)).toBeDefined();

  // The rings are zeroed guest pages.
  for (const r of ['xenstore', 'console'] as const) expect(mem.readBytes(p2m[regionOf(lay, r)!.pfn]! * 4096, 4096).every((b) => b === 0)).toBe(true);

  // The p2m list at mfn_list, in the guest's word size.
  const list = readVirt(mem, vcpu.cr3, si.mfn_list, d.nrPages * word, levels);
  const ldv = new DataView(list.buffer);
  for (let pfn = 0; pfn < d.nrPages; pfn++) {
    const v = word === 8 ? Number(ldv.getBigUint64(pfn * 8, true)) : ldv.getUint32(pfn * 4, true);
    if (v !== p2m[pfn]) expect(v, `p2m[${pfn}]`).toBe(p2m[pfn]);
  }

  // The M2P at the ABI address, read-only, inverse of the p2m.
  const m2pVa = d.arch === 'x86_64' ? space.m2pVirtStart : d.kernel.hypervisorStart;
  expect(d.m2p.virt).toBe(m2pVa);
  const m2p = readVirt(mem, vcpu.cr3, m2pVa, d.machineFrames * word, levels);
  const mdv = new DataView(m2p.buffer);
  for (let pfn = 0; pfn < d.nrPages; pfn++) {
    const m = p2m[pfn]!;
    const v = word === 8 ? Number(mdv.getBigUint64(m * 8, true)) : mdv.getUint32(m * 4, true);
    if (v !== pfn) expect(v, `m2p[${m}]`).toBe(pfn);
  }
  const hv = d.sharedInfoMfn;
  expect(word === 8 ? mdv.getBigUint64(hv * 8, true) : BigInt(mdv.getUint32(hv * 4, true))).toBe(word === 8 ? INVALID_M2P_64 : BigInt(INVALID_M2P_32));
  const m2pT = walk(mem, vcpu.cr3, m2pVa, levels)!;
  expect(m2pT.writable).toBe(false);
  if (d.arch === 'x86_64') expect(m2pT.user).toBe(true);

  // The page-table frames the builder lists are exactly those reachable from
  // cr3 (Xen's M2P hook aside), each at its level: emu pins and tracks these.
  const reach: string[] = [];
  const hook = d.m2p.hook;
  const visit = (mfn: number, level: number): void => {
    reach.push(`${mfn}:${level}`);
    if (level === 1) return;
    const n = levels === 3 && level === 3 ? 4 : 512;
    for (let i = 0; i < n; i++) {
      const e = mem.read64(mfn * 4096 + i * 8);
      if ((e & 1n) === 0n) continue;
      if (level === hook.level && i >= hook.firstIndex && i < hook.firstIndex + hook.entries.length) {
        expect(e).toBe(hook.entries[i - hook.firstIndex]);
        continue;
      }
      visit(Number((e & 0x000ffffffffff000n) >> 12n), level - 1);
    }
  };
  visit(d.pageTables.topMfn, levels);
  expect(reach.sort()).toEqual(d.pageTables.frames.map((f) => `${f.mfn}:${f.level}`).sort());
  for (const f of d.pageTables.frames) expect(f.mfn).toBe(p2m[f.pfn]);

  // shared_info: events masked on every legacy vCPU.
  for (let v = 0; v < 32; v++) expect(mem.read8(d.sharedInfoMfn * 4096 + v * 64 + 1)).toBe(1);
  return si;
}
