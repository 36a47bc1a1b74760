import { describe, expect, it } from 'vitest';
import { EMU64, EMU_PCPU_BACKED, EMU_PCPU_FRAMES, EmuPcpuPage } from '../../abi/emu-image.js';
import { EMU_IMAGE_MAGIC } from '../../abi/emu-image.js';
import { EMU_PROTOCOL_VERSION } from '../../abi/emu-port.js';
import { GuestMemory, PAGE_SIZE } from '../../memory/guest-memory.js';
import { loadEmuImage, parseEmuImage } from './emu-image.js';
import { emuReservation, emuStackTop, GRANT_FRAMES, mapEmu, planEmuFrames } from './emu-frames.js';

/** Walk a 4-level table in `mem` from the L4 entries given -> the machine address `va` maps to. */
function translate(mem: GuestMemory, l4: Map<number, bigint>, va: bigint): number | undefined {
  let entry = l4.get(Number((va >> 39n) & 511n));
  for (const shift of [30n, 21n, 12n]) {
    if (entry === undefined || (entry & 1n) === 0n) return undefined;
    const table = Number(entry & 0xffffffffff000n);
    entry = mem.read64(table + Number((va >> shift) & 511n) * 8);
    if (shift === 21n && (entry & 0x80n) !== 0n) return Number(entry & 0xfffffffe00000n) + Number(va & 0x1fffffn);
  }
  if (entry === undefined || (entry & 1n) === 0n) return undefined;
  return Number(entry & 0xffffffffff000n) + Number(va & 0xfffn);
}

describe('emu frames and hole mappings (64-bit)', () => {
  const image = loadEmuImage('x86_64', EMU64.BASE);

  it('reserves enough for the page-type table of the whole machine, its own frames included', () => {
    for (const guest of [256 * 16, 256 * 256, 256 * 2048]) {
      const hv = 1 + Math.ceil(guest / 256) + 16;
      const reserve = emuReservation(image.pages, 1, guest, hv);
      const machine = guest + hv + reserve;
      const plan = planEmuFrames(image.pages, 1, guest + hv, reserve, machine);
      expect(plan.frameInfo.count * PAGE_SIZE).toBeGreaterThanOrEqual(machine * 4);
      expect(plan.grant.count).toBe(GRANT_FRAMES);
      expect(plan.emu.mfn + plan.emu.count).toBe(plan.grant.mfn);
    }
  });

  it('refuses a reservation that is too small', () => {
    expect(() => planEmuFrames(image.pages, 1, 1000, 10, 2000)).toThrow(/reserved/);
  });

  it('maps the image, each vCPU area and all memory where emu expects them', () => {
    const frames = 4096;
    const mem = new GuestMemory(frames * PAGE_SIZE);
    const first = 3000;
    const plan = planEmuFrames(image.pages, 2, first, frames - first, frames);
    const l4 = mapEmu(mem, plan, image, 2, frames);
    expect([...l4.keys()].sort()).toEqual([EMU64.L4_SLOT, EMU64.PHYSMAP_L4_SLOT]);
    // Supervisor-only: the guest kernel runs in ring 3.
    for (const e of l4.values()) expect(e & 4n).toBe(0n);
    expect(translate(mem, l4, EMU64.BASE)).toBe(plan.image.mfn * PAGE_SIZE);
    expect(mem.read32(plan.image.mfn * PAGE_SIZE)).toBe(EMU_IMAGE_MAGIC);
    for (const v of [0, 1]) {
      const area = EMU64.PERCPU + BigInt(v * EMU64.PERCPU_STRIDE);
      EMU_PCPU_BACKED.forEach((page, i) => {
        expect(translate(mem, l4, area + BigInt(page * PAGE_SIZE))).toBe((plan.pcpu.mfn + v * EMU_PCPU_FRAMES + i) * PAGE_SIZE);
      });
      // The guest's GDT pages show the zero page; the guards and the LDT window are unmapped.
      expect(translate(mem, l4, area)).toBe(plan.zeroMfn * PAGE_SIZE);
      expect(translate(mem, l4, area + BigInt((EmuPcpuPage.STACK - 1) * PAGE_SIZE))).toBeUndefined();
      expect(translate(mem, l4, area + BigInt(EmuPcpuPage.LDT * PAGE_SIZE))).toBeUndefined();
    }
    expect(translate(mem, l4, EMU64.PHYSMAP + 0x123456n)).toBe(0x123456);
    expect(translate(mem, l4, EMU64.PHYSMAP + BigInt(frames * PAGE_SIZE - 8))).toBe(frames * PAGE_SIZE - 8);
    expect(emuStackTop(1) - EMU64.PERCPU).toBe(BigInt(EMU64.PERCPU_STRIDE + (EmuPcpuPage.STACK + EmuPcpuPage.STACK_PAGES) * PAGE_SIZE));
  });
});

describe('emu image header', () => {
  const good = loadEmuImage('x86_64', EMU64.BASE);

  it('describes the committed emu64.bin', () => {
    expect(good.entry).toBeGreaterThan(EMU64.BASE);
    expect(good.pages * PAGE_SIZE).toBeGreaterThanOrEqual(good.bytes.length);
  });

  it('rejects a bad magic, another protocol, the wrong word size and a truncated image', () => {
    const patch = (offset: number, value: number): Uint8Array => {
      const b = good.bytes.slice();
      new DataView(b.buffer).setUint32(offset, value, true);
      return b;
    };
    expect(() => parseEmuImage(patch(0, 0x12345678), EMU64.BASE, 'x86_64')).toThrow(/magic/);
    expect(() => parseEmuImage(patch(4, EMU_PROTOCOL_VERSION + 0x10000), EMU64.BASE, 'x86_64')).toThrow(/protocol/);
    expect(() => parseEmuImage(good.bytes, EMU64.BASE, 'x86_32')).toThrow(/64-bit/);
    expect(() => parseEmuImage(good.bytes.subarray(0, 10), EMU64.BASE, 'x86_64')).toThrow(/truncated/);
  });
});
