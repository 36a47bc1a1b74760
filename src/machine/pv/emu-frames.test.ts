import { describe, expect, it } from 'vitest';
import { EMU32, EMU64, EMU_PCPU_BACKED, EMU_PCPU_FRAMES, EmuPcpuPage } from '../../abi/emu-image.js';
import type { GuestArch } from '../../abi/layout.js';
import { GuestMemory, PAGE_SIZE } from '../../memory/guest-memory.js';
import { emuReservation, emuStackTop, mapEmu, planEmuFrames, type EmuFramePlan } from './emu-frames.js';
import type { EmuImage } from './emu-image.js';

const PTE_P = 1n;
const PTE_RW = 2n;
const PTE_US = 4n;
const ADDR = 0x000ffffffffff000n;

/** A machine of `guestFrames` guest frames with emu's reservation right above them. */
function machine(arch: GuestArch, guestFrames: number, imagePages: number, vcpus = 1): { mem: GuestMemory; plan: EmuFramePlan; image: EmuImage } {
  const reserve = emuReservation(arch, imagePages, vcpus, guestFrames, 0);
  const frames = guestFrames + reserve;
  const mem = new GuestMemory(frames * PAGE_SIZE);
  const plan = planEmuFrames(arch, imagePages, vcpus, guestFrames, reserve, frames);
  const bytes = new Uint8Array(imagePages * PAGE_SIZE - 100).fill(0xab);
  const image: EmuImage = { bytes, base: arch === 'x86_32' ? EMU32.BASE : EMU64.BASE, entry: 0n, pages: imagePages };
  return { mem, plan, image };
}

const frameOf = (e: bigint): number => Number((e & ADDR) >> 12n);
const entryAt = (mem: GuestMemory, table: number, index: number): bigint => mem.read64(table * PAGE_SIZE + index * 8);
const l2Index = (virt: bigint): number => Number((virt >> 21n) & 511n);

describe('emu frames for 32-bit PAE guests', () => {
  it('reserves enough for its own page-type table, whatever the memory size', () => {
    for (const guestFrames of [256, 16384, 262144]) {
      const reserve = emuReservation('x86_32', 20, 1, guestFrames, 100);
      const plan = planEmuFrames('x86_32', 20, 1, guestFrames + 100, reserve, guestFrames + 100 + reserve);
      // One u32 per machine frame, its own frames included.
      expect(plan.frameInfo.count * PAGE_SIZE).toBeGreaterThanOrEqual((guestFrames + 100 + reserve) * 4);
      expect(plan.grant.mfn + plan.grant.count).toBeLessThanOrEqual(guestFrames + 100 + reserve);
    }
  });

  it('hooks the image, the vCPU area, the mapping window and the page-type table into the top L2, supervisor-only', () => {
    const { mem, plan, image } = machine('x86_32', 4096, 12);
    const hole = mapEmu('x86_32', mem, plan, image, 1, mem.pages);
    expect(hole.level).toBe(2);
    const slots = [...hole.entries.keys()].sort((a, b) => a - b);
    expect(slots[0]).toBe(EMU32.FIRST_L2_INDEX);
    expect(slots).toContain(l2Index(EMU32.PERCPU));
    expect(slots).toContain(l2Index(EMU32.MAPCACHE));
    expect(slots).toContain(l2Index(EMU32.FRAME_INFO));
    for (const e of hole.entries.values()) {
      expect(e & PTE_P).toBe(PTE_P);
      expect(e & PTE_US).toBe(0n);
      // Every hole table is one of emu's frames, never a guest frame.
      expect(frameOf(e)).toBeGreaterThanOrEqual(plan.tables.mfn);
      expect(frameOf(e)).toBeLessThan(plan.tables.mfn + plan.tables.count);
    }

    // The image: its frames in order, and the mapping window's own L1 in the last page.
    const imageL1 = frameOf(hole.entries.get(l2Index(EMU32.BASE))!);
    for (let p = 0; p < image.pages; p++) expect(frameOf(entryAt(mem, imageL1, p))).toBe(plan.image.mfn + p);
    expect(mem.read8(plan.image.mfn * PAGE_SIZE)).toBe(0xab);
    const windowPte = entryAt(mem, imageL1, Number((EMU32.MAPCACHE_PT >> 12n) & 511n));
    expect(frameOf(windowPte)).toBe(frameOf(hole.entries.get(l2Index(EMU32.MAPCACHE))!));
    expect(windowPte & PTE_RW).toBe(PTE_RW);
    // The window starts empty: emu fills its slots.
    const windowL1 = frameOf(windowPte);
    for (let i = 0; i < 512; i++) expect(entryAt(mem, windowL1, i)).toBe(0n);

    // vCPU 0's area: the GDT window shows the zero page read-only, the rest its own frames.
    const areaL1 = frameOf(hole.entries.get(l2Index(EMU32.PERCPU))!);
    for (let p = 0; p < EmuPcpuPage.GDT_GUEST_PAGES; p++) {
      expect(frameOf(entryAt(mem, areaL1, p))).toBe(plan.zeroMfn);
      expect(entryAt(mem, areaL1, p) & PTE_RW).toBe(0n);
    }
    EMU_PCPU_BACKED.forEach((page, i) => expect(frameOf(entryAt(mem, areaL1, page))).toBe(plan.pcpu.mfn + i));

    // The page-type table, page by page.
    const fiL1 = frameOf(hole.entries.get(l2Index(EMU32.FRAME_INFO))!);
    for (let p = 0; p < plan.frameInfo.count; p++) expect(frameOf(entryAt(mem, fiL1, p))).toBe(plan.frameInfo.mfn + p);
  });

  it('gives each vCPU its own area and stack', () => {
    const { mem, plan, image } = machine('x86_32', 1024, 8, 2);
    const hole = mapEmu('x86_32', mem, plan, image, 2, mem.pages);
    const second = frameOf(hole.entries.get(l2Index(EMU32.PERCPU + BigInt(EMU32.PERCPU_STRIDE)))!);
    expect(frameOf(entryAt(mem, second, EmuPcpuPage.DATA))).toBe(plan.pcpu.mfn + EMU_PCPU_FRAMES + EMU_PCPU_BACKED.indexOf(EmuPcpuPage.DATA));
    expect(emuStackTop('x86_32', 0)).toBe(EMU32.PERCPU + BigInt((EmuPcpuPage.STACK + EmuPcpuPage.STACK_PAGES) * PAGE_SIZE));
    expect(emuStackTop('x86_32', 1) - emuStackTop('x86_32', 0)).toBe(BigInt(EMU32.PERCPU_STRIDE));
  });

  it('refuses layouts that do not fit its part of the hole', () => {
    const many = machine('x86_32', 1024, 8, 3);
    expect(() => mapEmu('x86_32', many.mem, many.plan, many.image, 3, many.mem.pages)).toThrow(/room for 2 vCPUs/);
    const big = machine('x86_32', 1024, 512);
    expect(() => mapEmu('x86_32', big.mem, big.plan, big.image, 1, big.mem.pages)).toThrow(/mapping window/);
  });
});

describe('emu frames for 64-bit guests', () => {
  it('still hooks emu and the physmap into L4 slots 262 and 264', () => {
    const { mem, plan, image } = machine('x86_64', 4096, 12);
    const hole = mapEmu('x86_64', mem, plan, image, 1, mem.pages);
    expect(hole.level).toBe(4);
    expect([...hole.entries.keys()]).toEqual([EMU64.L4_SLOT, EMU64.PHYSMAP_L4_SLOT]);
    expect(emuStackTop('x86_64', 0)).toBe(EMU64.PERCPU + BigInt((EmuPcpuPage.STACK + EmuPcpuPage.STACK_PAGES) * PAGE_SIZE));
  });
});
