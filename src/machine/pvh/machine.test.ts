import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layout } from '../../abi/layout.js';
import { hvmMemmapTableEntry, hvmModlistEntry, hvmStartInfo, XEN_HVM_START_MAGIC_VALUE } from '../../abi/xen/hvm-start-info.js';
import { BadImageError, UserError } from '../../cli/user-error.js';
import { parseElf } from '../../host/loader/elf.js';
import { bareBoot, expectedBareMemoryMap } from '../../../test/helpers/bare-boot.js';
import { repoRoot } from '../../../tools/repo-root.js';
import { bootPvh } from './machine.js';

const SI = layout(hvmStartInfo, 'x86_64');
const MOD = layout(hvmModlistEntry, 'x86_64');
const MAP = layout(hvmMemmapTableEntry, 'x86_64');
const PVH = 'guests/system/pvh.elf';
const pvh = (): Uint8Array => new Uint8Array(readFileSync(join(repoRoot(), PVH)));

describe('pvh machine', () => {
  it('enters at the PHYS32_ENTRY note with EBX -> hvm_start_info, in flat 32-bit mode', async () => {
    const image = pvh();
    const elf = parseElf(image);
    const { result, vcpu, memory } = await bareBoot(bootPvh, image, { file: PVH, kind: 'pvh', cmdline: 'pvh-cmdline test' });
    expect(result.status).toBe(1);
    expect(vcpu.regs.rip).toBe(elf.entry); // the note and e_entry name the same _start here
    expect(vcpu.sregs.tr).toMatchObject({ base: 0n, limit: 0x67, type: 0xb, present: true });
    expect(vcpu.sregs.cr0 & 0x80000001n).toBe(1n);
    expect(vcpu.regs.rflags & 0x300n).toBe(0n); // IF and TF clear
    const si = Number(vcpu.regs.rbx);
    expect(memory.read32(si + SI.offset('magic'))).toBe(XEN_HVM_START_MAGIC_VALUE);
    expect(memory.read32(si + SI.offset('version'))).toBe(1);
    expect(memory.read32(si + SI.offset('nr_modules'))).toBe(0);
    expect(memory.read64(si + SI.offset('rsdp_paddr'))).toBe(0n);
    expect(memory.readCString(Number(memory.read64(si + SI.offset('cmdline_paddr'))), 64)).toBe('pvh-cmdline test');
    const map = Number(memory.read64(si + SI.offset('memmap_paddr')));
    const n = memory.read32(si + SI.offset('memmap_entries'));
    const entries = Array.from({ length: n }, (_, i) => {
      const e = map + i * MAP.size;
      return [memory.read64(e + MAP.offset('addr')), memory.read64(e + MAP.offset('size')), memory.read32(e + MAP.offset('type'))];
    });
    expect(entries).toEqual(expectedBareMemoryMap(16));
  });

  it('lists --initrd as a module', async () => {
    const bytes = new Uint8Array(100).fill(7);
    const { vcpu, memory } = await bareBoot(bootPvh, pvh(), { file: PVH, kind: 'pvh', initrd: { file: 'i', bytes } });
    const si = Number(vcpu.regs.rbx);
    expect(memory.read32(si + SI.offset('nr_modules'))).toBe(1);
    const mod = Number(memory.read64(si + SI.offset('modlist_paddr')));
    const paddr = Number(memory.read64(mod + MOD.offset('paddr')));
    expect(paddr % 4096).toBe(0);
    expect(memory.read64(mod + MOD.offset('size'))).toBe(100n);
    expect(memory.read8(paddr + 99)).toBe(7);
  });

  it('refuses an image without the PVH note, and one that is not ELF', async () => {
    const image = pvh();
    // Rename the note's owner so it is no longer a Xen note.
    const at = Buffer.from(image).indexOf(Buffer.from('Xen\0'));
    image[at] = 0x59;
    await expect(bareBoot(bootPvh, image, { kind: 'pvh' })).rejects.toThrow(/no XEN_ELFNOTE_PHYS32_ENTRY note/);
    await expect(bareBoot(bootPvh, new Uint8Array(100), { kind: 'pvh' })).rejects.toThrow(BadImageError);
  });

  it('refuses an entry point outside the loaded image', async () => {
    const image = pvh();
    const note = Buffer.from(image).indexOf(Buffer.from('Xen\0'));
    new DataView(image.buffer).setUint32(note + 4, 0x800000, true);
    await expect(bareBoot(bootPvh, image, { kind: 'pvh' })).rejects.toThrow(/entry point 0x800000 lies outside the loaded image/);
  });
});

describe('pvh machine: hostile images', () => {
  it('either boots or refuses with a user error, whatever the ELF headers say', async () => {
    let seed = 0x336ec578;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const elf = parseElf(pvh());
    const phoff = new DataView(pvh().buffer).getUint32(28, true);
    const note = Buffer.from(pvh()).indexOf(Buffer.from('Xen\0'));
    for (let i = 0; i < 300; i++) {
      const image = pvh();
      const dv = new DataView(image.buffer);
      const where = rand(3);
      if (where === 0) dv.setUint32(phoff + 4 * rand(8 * elf.programHeaders.length), rand(2) === 0 ? rand(0x4000000) : rand(0x100000000), true);
      else if (where === 1) dv.setUint32(note + 4, rand(0x100000000), true); // the entry address
      else image[rand(52)] = rand(256);
      try {
        await bareBoot(bootPvh, image, { kind: 'pvh', memoryMiB: 16 });
      } catch (e) {
        expect(e, `mutation ${i}: ${String(e)}`).toBeInstanceOf(UserError);
      }
    }
  });
});
