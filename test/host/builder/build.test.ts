import { describe, expect, it } from 'vitest';
import { FlatSelectors } from '../../../src/abi/xen/arch-x86.js';
import { XenElfNote } from '../../../src/abi/xen/elfnote.js';
import { Hypercall } from '../../../src/abi/xen/hypercalls.js';
import { SIF } from '../../../src/abi/xen/start-info.js';
import { buildDomain, type BuildOptions } from '../../../src/host/builder/build.js';
import { GuestMemory } from '../../../src/memory/guest-memory.js';
import { xenHypercallPage } from '../../../src/host/builder/hypercall-page.js';
import { regionOf } from '../../../src/host/builder/layout.js';
import { loadPvKernel } from '../../../src/host/loader/pv-kernel.js';
import { checkDomain } from '../../helpers/check-domain.js';
import { readVirt, walk } from '../../helpers/page-walk.js';
import { buildTestElf, linuxLike32, linuxLike64, pattern, type TestElfSpec } from '../../helpers/xen-elf.js';

function build(spec: TestElfSpec, opts: BuildOptions) {
  return buildDomain(loadPvKernel(buildTestElf(spec), 'test.elf'), opts);
}

const SHUFFLED = { kind: 'shuffled', seed: 42 } as const;

describe.each([
  ['identity', { kind: 'identity' } as const],
  ['shuffled', SHUFFLED],
])('64-bit PV start of day, %s p2m', (_name, p2m) => {
  it('lays out and maps every region as Xen does', () => {
    const d = build(linuxLike64(), { memoryMiB: 32, p2m, cmdline: 'console=hvc0 root=/dev/xvda' });
    const si = checkDomain(d);
    expect(si.cmd_line).toBe('console=hvc0 root=/dev/xvda');
    expect(si.flags).toBe(SIF.VIRT_P2M_4TOOLS);
    expect(si.store_evtchn).toBe(1);
    expect(si.console_evtchn).toBe(2);
    expect(si.mod_start).toBe(0n);
    if (p2m.kind === 'shuffled') expect([...d.p2m].filter((m, i) => m !== i).length).toBeGreaterThan(d.nrPages / 2);
  });

  it('has the L4[511] -> L3[510] -> L2 shape Linux expects, and the M2P in slot 256', () => {
    const d = build(linuxLike64(), { memoryMiB: 32, p2m });
    const top = d.pageTables.topMfn * 4096;
    const present = [...Array(512).keys()].filter((i) => (d.memory.read64(top + i * 8) & 1n) === 1n);
    expect(present).toEqual([256, 511]);
    const l3 = Number(d.memory.read64(top + 511 * 8) & 0x000ffffffffff000n);
    const l3present = [...Array(512).keys()].filter((i) => (d.memory.read64(l3 + i * 8) & 1n) === 1n);
    expect(l3present).toEqual([510]);
    const levels = d.pageTables.frames.reduce<Record<number, number>>((acc, f) => ({ ...acc, [f.level]: (acc[f.level] ?? 0) + 1 }), {});
    expect(levels[4]).toBe(1);
    expect(levels[3]).toBe(1);
    expect(levels[2]).toBe(1);
    // 16 MiB below the kernel + kernel + structures, rounded to 4 MiB: one L1 per 2 MiB.
    expect(levels[1]).toBe(Number((d.layout.mappedEnd - d.layout.virtBase) >> 21n));
  });

  it('starts the vCPU at the entry with rsi = start_info and the flat ring-3 selectors', () => {
    const d = build(linuxLike64(), { memoryMiB: 32, p2m });
    expect(d.vcpu.rip).toBe(0xffffffff81000040n);
    expect(d.vcpu.cs.selector).toBe(FlatSelectors.x86_64.FLAT_RING3_CS64);
    expect(d.vcpu.ss.selector).toBe(FlatSelectors.x86_64.FLAT_RING3_SS64);
    expect(d.vcpu.ds.selector).toBe(FlatSelectors.x86_64.FLAT_RING3_DS64);
    expect(d.vcpu.kernelRing).toBe(3);
    expect(d.vcpu.rflags).toBe(0x200n);
  });

  it('fills the hypercall page with syscall stubs (number in eax)', () => {
    const d = build(linuxLike64(), { memoryMiB: 32, p2m });
    const page = readVirt(d.memory, d.vcpu.cr3, 0xffffffff81001000n, 4096, 4);
    const want = new Uint8Array(4096);
    xenHypercallPage('x86_64', want);
    expect(Buffer.from(page).equals(Buffer.from(want))).toBe(true);
    // Stub 29 (sched_op): push rcx; push r11; mov eax, 29; syscall; pop r11; pop rcx; ret
    expect([...page.subarray(29 * 32, 29 * 32 + 14)]).toEqual([0x51, 0x41, 0x53, 0xb8, 29, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3]);
    // iret does not return: push rcx; push r11; push rax; mov eax, 23; syscall
    expect([...page.subarray(Hypercall.iret * 32, Hypercall.iret * 32 + 11)]).toEqual([0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05]);
    expect(page[14]).toBe(0xcc);
  });

  it('uses the stub generator it is given', () => {
    const d = build(linuxLike64(), { memoryMiB: 32, p2m, hypercallPage: (arch, page) => page.fill(arch === 'x86_64' ? 0x90 : 0) });
    expect(readVirt(d.memory, d.vcpu.cr3, 0xffffffff81001000n, 4096, 4).every((b) => b === 0x90)).toBe(true);
  });

  it('maps the initrd after the kernel and gives its virtual address', () => {
    const initrd = pattern(10000, 9);
    const d = build(linuxLike64(), { memoryMiB: 32, p2m, initrd });
    const si = checkDomain(d);
    const r = regionOf(d.layout, 'initrd')!;
    expect(r.pfn).toBe(regionOf(d.layout, 'kernel')!.pfn + regionOf(d.layout, 'kernel')!.pages);
    expect(si.mod_start).toBe(r.vstart);
    expect(si.mod_len).toBe(10000n);
    expect(Buffer.from(readVirt(d.memory, d.vcpu.cr3, si.mod_start, 10000, 4)).equals(Buffer.from(initrd))).toBe(true);
  });

  it('honours MOD_START_PFN and INIT_P2M: unmapped initrd by frame, p2m mapped at 512 GiB', () => {
    const initrd = pattern(3 * 4096 + 5, 4);
    const d = build(linuxLike64({ initP2m: true, modStartPfn: true }), { memoryMiB: 32, p2m, initrd });
    const si = checkDomain(d);
    expect(si.flags & SIF.MOD_START_PFN).toBe(SIF.MOD_START_PFN);
    const r = regionOf(d.layout, 'initrd')!;
    expect(r.vstart).toBeUndefined();
    expect(r.pfn).toBe(regionOf(d.layout, 'padding')!.pfn + regionOf(d.layout, 'padding')!.pages);
    expect(si.mod_start).toBe(BigInt(r.pfn));
    for (let i = 0; i < 4; i++) {
      const n = Math.min(4096, initrd.length - i * 4096);
      expect(Buffer.from(d.memory.readBytes(d.p2m[r.pfn + i]! * 4096, n)).equals(Buffer.from(initrd.subarray(i * 4096, i * 4096 + n)))).toBe(true);
    }
    expect(si.mfn_list).toBe(0x8000000000n);
    const p2mRegion = regionOf(d.layout, 'p2m')!;
    expect(p2mRegion.pfn).toBe(r.pfn + r.pages);
    expect(si.first_p2m_pfn).toBe(BigInt(p2mRegion.pfn));
    expect(si.nr_p2m_frames).toBe(BigInt(p2mRegion.pages));
    // The p2m's own tables are in its frames after the list (an L3, an L2, an L1), read-only nowhere since unmapped.
    const listFrames = Math.ceil((d.nrPages * 8) / 4096);
    expect(p2mRegion.pages).toBe(listFrames + 3);
    expect(d.pageTables.frames.filter((f) => f.pfn >= p2mRegion.pfn).map((f) => f.level)).toEqual([3, 2, 1]);
    expect(walk(d.memory, d.vcpu.cr3, 0x8000000000n + BigInt(listFrames * 4096), 4)).toBeUndefined();
    // nr_pt_frames counts only the initial mapping's tables.
    expect(si.nr_pt_frames).toBe(BigInt(regionOf(d.layout, 'page tables')!.pages));
  });

  it('reserves machine frames for emu above the hypervisor frames, outside the guest', () => {
    const d = build(linuxLike64(), { memoryMiB: 32, p2m, reservedFrames: 64 });
    expect(d.reserved.count).toBe(64);
    expect(d.reserved.firstMfn + 64).toBe(d.machineFrames);
    expect(d.reserved.firstMfn).toBeGreaterThan(d.sharedInfoMfn);
    expect(d.memory.size).toBe(d.machineFrames * 4096);
  });
});

describe.each([
  ['identity', { kind: 'identity' } as const],
  ['shuffled', SHUFFLED],
])('32-bit PAE PV start of day, %s p2m', (_name, p2m) => {
  it('lays out and maps every region as Xen does', () => {
    const initrd = pattern(5000, 7);
    const d = build(linuxLike32(), { memoryMiB: 48, p2m, initrd, cmdline: 'ro' });
    const si = checkDomain(d);
    expect(si.cmd_line).toBe('ro');
    expect(si.mod_len).toBe(5000n);
    expect(Buffer.from(readVirt(d.memory, d.vcpu.cr3, si.mod_start, 5000, 3)).equals(Buffer.from(initrd))).toBe(true);
    expect(d.vcpu.cs.selector).toBe(FlatSelectors.x86_32.FLAT_RING1_CS);
    expect(d.vcpu.ds.selector).toBe(FlatSelectors.x86_32.FLAT_RING1_DS);
    expect(d.vcpu.ss.selector).toBe(FlatSelectors.x86_32.FLAT_RING1_SS);
    expect(d.vcpu.kernelRing).toBe(1);
    expect(d.vcpu.paeExtendedCr3).toBe(true);
  });

  it('has one PAE L3 with only PRESENT entries, and Xen\'s M2P entries in the top L2', () => {
    const d = build(linuxLike32(), { memoryMiB: 48, p2m });
    const l3 = d.pageTables.topMfn * 4096;
    const entries = [0, 1, 2, 3].map((i) => d.memory.read64(l3 + i * 8));
    expect(entries.map((e) => e & 0xfffn)).toEqual([0n, 0n, 0n, 1n]);
    const l2 = Number(entries[3]! & 0x000ffffffffff000n);
    // 0xf5800000 is L2 slot 428 of the top gigabyte.
    expect(d.m2p.hook).toMatchObject({ level: 2, firstIndex: 428 });
    expect(d.memory.read64(l2 + 428 * 8)).toBe(d.m2p.hook.entries[0]);
  });

  it('fills the hypercall page with int $0x82 stubs', () => {
    const d = build(linuxLike32(), { memoryMiB: 48, p2m });
    const page = readVirt(d.memory, d.vcpu.cr3, 0xc1002000n, 4096, 3);
    expect([...page.subarray(17 * 32, 17 * 32 + 8)]).toEqual([0xb8, 17, 0, 0, 0, 0xcd, 0x82, 0xc3]);
    expect([...page.subarray(23 * 32, 23 * 32 + 8)]).toEqual([0x50, 0xb8, 23, 0, 0, 0, 0xcd, 0x82]);
  });

  it('moves the M2P down with HV_START_LOW (rounded up to 2 MiB)', () => {
    const d = build(linuxLike32({ hvStartLow: 0xf4100000n }), { memoryMiB: 48, p2m });
    expect(d.kernel.hypervisorStart).toBe(0xf4200000n);
    checkDomain(d);
  });

  it('gives an unmapped initrd by frame number with MOD_START_PFN', () => {
    const d = build(linuxLike32({ modStartPfn: true }), { memoryMiB: 48, p2m, initrd: pattern(100, 1) });
    const si = checkDomain(d);
    expect(si.flags & SIF.MOD_START_PFN).toBe(SIF.MOD_START_PFN);
    expect(si.mod_start).toBe(BigInt(regionOf(d.layout, 'initrd')!.pfn));
  });
});

describe('page-table shapes beyond Linux\'s', () => {
  const notes = (virtBase: bigint, entry: bigint): TestElfSpec['notes'] => [
    [XenElfNote.GUEST_OS, 'Mini-OS'],
    [XenElfNote.LOADER, 'generic'],
    [XenElfNote.XEN_VERSION, 'xen-3.0'],
    [XenElfNote.VIRT_BASE, virtBase],
    [XenElfNote.PADDR_OFFSET, virtBase],
    [XenElfNote.ENTRY, entry],
    [XenElfNote.PAE_MODE, 'yes'],
  ];

  it('64-bit: a mapping that crosses a 1 GiB boundary gets two L2s under one L3', () => {
    const base = 0x3fe00000n;
    const d = build({ class: 64, entry: base, notes: notes(base, base), segments: [{ paddr: base, data: pattern(0x1000, 1), memsz: 0x300000 }] }, { memoryMiB: 16, p2m: SHUFFLED });
    checkDomain(d);
    const count = (level: number): number => d.pageTables.frames.filter((f) => f.level === level).length;
    expect([count(4), count(3), count(2)]).toEqual([1, 1, 2]);
  });

  it('32-bit PAE below 3 GiB: Xen\'s extra L2s reach up to the hypervisor\'s gigabyte', () => {
    const base = 0x80000000n;
    const spec: TestElfSpec = { class: 32, entry: base + 0x10n, notes: notes(base, base + 0x10n), segments: [{ paddr: base, data: pattern(0x2000, 2) }] };
    const d = build(spec, { memoryMiB: 16, p2m: SHUFFLED });
    checkDomain(d);
    // L2s for gigabytes 2 and 3: the kernel's, and the one Xen's entries go into.
    expect(d.pageTables.frames.filter((f) => f.level === 2)).toHaveLength(2);
    expect(d.m2p.hook.firstIndex).toBe(428);
  });
});

describe('building into given memory', () => {
  it('uses it, reserves the frames past the plan, and refuses memory that is too small', () => {
    const plan = build(linuxLike64(), { memoryMiB: 32 });
    const mem = new GuestMemory((plan.machineFrames + 100) * 4096);
    const d = build(linuxLike64(), { memoryMiB: 32, memory: mem, p2m: SHUFFLED });
    expect(d.memory).toBe(mem);
    expect(d.reserved).toEqual({ firstMfn: plan.machineFrames, count: 100 });
    expect(d.machineFrames).toBe(mem.pages);
    checkDomain(d);
    expect(() => build(linuxLike64(), { memoryMiB: 32, memory: new GuestMemory(32 << 20) })).toThrow(/needs/);
  });
});

describe('VM size', () => {
  it('refuses --memory that leaves no room for the hypervisor frames, with one clear line', () => {
    expect(() => build(linuxLike64(), { memoryMiB: 4096 })).toThrow(/--memory 4096 MiB leaves no room .* use at most 40[0-9]{2} MiB/);
  });
});
