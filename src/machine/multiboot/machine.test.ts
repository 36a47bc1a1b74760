import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layout } from '../../abi/layout.js';
import { MULTIBOOT_BOOTLOADER_MAGIC, MultibootInfoFlag, multibootInfo, multibootMmapEntry, multibootModule } from '../../abi/multiboot.js';
import { BadImageError, UserError } from '../../cli/user-error.js';
import { bareBoot, expectedBareMemoryMap } from '../../../test/helpers/bare-boot.js';
import { repoRoot } from '../../../tools/repo-root.js';
import { bootMultiboot } from './machine.js';

const INFO = layout(multibootInfo, 'x86_32');
const MMAP = layout(multibootMmapEntry, 'x86_32');
const MOD = layout(multibootModule, 'x86_32');
const HELLO = 'guests/system/hello.bin';
const hello = (): Uint8Array => new Uint8Array(readFileSync(join(repoRoot(), HELLO)));
const u32 = (b: Uint8Array, o: number): number => new DataView(b.buffer, b.byteOffset).getUint32(o, true);

/** A flat a.out-kludge image: header at 0, loaded at 1 MiB. */
function aoutImage(fields: { headerAddr?: number; loadAddr?: number; loadEnd?: number; bssEnd?: number; entry?: number; flags?: number; size?: number } = {}): Uint8Array {
  const img = new Uint8Array(fields.size ?? 0x200);
  const dv = new DataView(img.buffer);
  const flags = fields.flags ?? 0x10003;
  dv.setUint32(0, 0x1badb002, true);
  dv.setUint32(4, flags, true);
  dv.setUint32(8, (-(0x1badb002 + flags)) >>> 0, true);
  dv.setUint32(12, fields.headerAddr ?? 0x100000, true);
  dv.setUint32(16, fields.loadAddr ?? 0x100000, true);
  dv.setUint32(20, fields.loadEnd ?? 0, true);
  dv.setUint32(24, fields.bssEnd ?? 0, true);
  dv.setUint32(28, fields.entry ?? 0x100020, true);
  img.fill(0x90, 0x20);
  return img;
}

/** An ELF32 multiboot kernel: one PT_LOAD (filesz 0x100, memsz 0x2000) at paddr 0x200000, vaddr 0xc0200000. */
function elfImage(): Uint8Array {
  const img = new Uint8Array(0x1100);
  const dv = new DataView(img.buffer);
  img.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 3, true); // EM_386
  dv.setUint32(20, 1, true);
  dv.setUint32(24, 0xc0200010, true); // e_entry (virtual)
  dv.setUint32(28, 52, true); // e_phoff
  dv.setUint16(40, 52, true);
  dv.setUint16(42, 32, true); // e_phentsize
  dv.setUint16(44, 1, true); // e_phnum
  const ph = 52;
  dv.setUint32(ph, 1, true); // PT_LOAD
  dv.setUint32(ph + 4, 0x1000, true); // p_offset
  dv.setUint32(ph + 8, 0xc0200000, true); // p_vaddr
  dv.setUint32(ph + 12, 0x200000, true); // p_paddr
  dv.setUint32(ph + 16, 0x100, true); // p_filesz
  dv.setUint32(ph + 20, 0x2000, true); // p_memsz
  dv.setUint32(ph + 24, 7, true);
  // the multiboot header (no a.out kludge), inside the first 8 KiB
  const flags = 0x3;
  dv.setUint32(0x1000, 0x1badb002, true);
  dv.setUint32(0x1004, flags, true);
  dv.setUint32(0x1008, (-(0x1badb002 + flags)) >>> 0, true);
  img.fill(0xab, 0x1010, 0x1100);
  return img;
}

describe('multiboot machine: hello.bin (a.out kludge)', () => {
  it('loads the image, zeroes its bss and enters with the multiboot state', async () => {
    const image = hello();
    const { result, vcpu, memory } = await bareBoot(bootMultiboot, image, { file: HELLO, cmdline: 'hello-arg' });
    expect(result.status).toBe(1);
    const entry = u32(image, 28);
    const bssEnd = u32(image, 24);
    expect(vcpu.regs.rip).toBe(BigInt(entry));
    expect(vcpu.regs.rax).toBe(BigInt(MULTIBOOT_BOOTLOADER_MAGIC));
    expect(vcpu.regs.rflags).toBe(2n);
    expect(Array.from(memory.readBytes(0x100000, image.length))).toEqual(Array.from(image));
    expect(memory.readBytes(0x100000 + image.length, bssEnd - 0x100000 - image.length).every((b) => b === 0)).toBe(true);
    const s = vcpu.sregs;
    expect(s.cr0).toBe(0x11n);
    expect(s.cr4).toBe(0n);
    expect(s.efer).toBe(0n);
    expect(s.cs).toMatchObject({ base: 0n, limit: 0xffffffff, type: 0xb, present: true, dpl: 0, db: true, s: true, l: false, g: true });
    for (const seg of [s.ds, s.es, s.ss, s.fs, s.gs]) expect(seg).toMatchObject({ base: 0n, limit: 0xffffffff, type: 0x3, db: true, present: true });
    expect(s.tr).toMatchObject({ type: 0xb, present: true, s: false });
  });

  it('builds the information structure: memory, map, command line, loader name', async () => {
    const { vcpu, memory } = await bareBoot(bootMultiboot, hello(), { file: HELLO, cmdline: 'a b=c', memoryMiB: 32 });
    const info = Number(vcpu.regs.rbx);
    expect(info % 4096).toBe(0);
    expect(info).toBeGreaterThanOrEqual(u32(hello(), 24));
    const field = (f: string): number => memory.read32(info + INFO.offset(f));
    expect(field('flags')).toBe(MultibootInfoFlag.MEMORY | MultibootInfoFlag.MEM_MAP | MultibootInfoFlag.CMDLINE | MultibootInfoFlag.BOOT_LOADER_NAME);
    expect(field('mem_lower')).toBe(639);
    expect(field('mem_upper')).toBe(31 * 1024);
    expect(memory.readCString(field('cmdline'), 256)).toBe(`${HELLO} a b=c`);
    expect(memory.readCString(field('boot_loader_name'), 256)).toBe('xenner');
    const entries: [bigint, bigint, number][] = [];
    for (let e = field('mmap_addr'); e < field('mmap_addr') + field('mmap_length'); e += memory.read32(e) + 4) {
      expect(memory.read32(e + MMAP.offset('size'))).toBe(20);
      entries.push([memory.read64(e + MMAP.offset('addr_lo')), memory.read64(e + MMAP.offset('len_lo')), memory.read32(e + MMAP.offset('type'))]);
    }
    expect(entries).toEqual(expectedBareMemoryMap(32));
  });

  it('passes --initrd as a page-aligned module named by its file', async () => {
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const { vcpu, memory } = await bareBoot(bootMultiboot, hello(), { file: HELLO, initrd: { file: 'initrd.img', bytes } });
    const info = Number(vcpu.regs.rbx);
    expect(memory.read32(info) & MultibootInfoFlag.MODS).toBe(MultibootInfoFlag.MODS);
    expect(memory.read32(info + INFO.offset('mods_count'))).toBe(1);
    const mod = memory.read32(info + INFO.offset('mods_addr'));
    const start = memory.read32(mod + MOD.offset('mod_start'));
    expect(start % 4096).toBe(0);
    expect(memory.read32(mod + MOD.offset('mod_end'))).toBe(start + bytes.length);
    expect(Array.from(memory.readBytes(start, bytes.length))).toEqual(Array.from(bytes));
    expect(memory.readCString(memory.read32(mod + MOD.offset('string')), 64)).toBe('initrd.img');
    expect(memory.readCString(memory.read32(info + INFO.offset('cmdline')), 64)).toBe(HELLO);
  });

  it('reports a boot that needs more memory than the guest has', async () => {
    const bytes = new Uint8Array(8 << 20);
    await expect(bareBoot(bootMultiboot, hello(), { initrd: { file: 'big', bytes }, memoryMiB: 8 })).rejects.toThrow(UserError);
  });
});

describe('multiboot machine: a.out kludge checks', () => {
  it('loads load_addr..load_end_addr and zeroes to bss_end_addr', async () => {
    const img = aoutImage({ loadEnd: 0x100100, bssEnd: 0x102000 });
    const { vcpu, memory } = await bareBoot(bootMultiboot, img);
    expect(vcpu.regs.rip).toBe(0x100020n);
    expect(memory.read8(0x1000ff)).toBe(0x90);
    expect(memory.read8(0x100100)).toBe(0);
  });

  it.each([
    ['load_addr above header_addr', { loadAddr: 0x100010 }, /load_addr 0x100010 above header_addr/],
    ['load_addr before the file', { headerAddr: 0x100010 }, /before the start of the file/],
    ['load_end beyond the file', { loadEnd: 0x100400 }, /beyond the end of the file/],
    ['bss_end below load_end', { loadEnd: 0x100100, bssEnd: 0x100080 }, /bss_end_addr below/],
    ['entry outside the image', { entry: 0x300000 }, /entry_addr 0x300000 outside/],
    ['image outside memory', { headerAddr: 0x7ff00000, loadAddr: 0x7ff00000, entry: 0x7ff00020 }, /outside guest memory/],
    ['required flag bits it cannot meet', { flags: 0x10008 }, /requires features xenner does not offer \(flag bits 0x8\)/],
  ])('rejects %s', async (_what, fields, message) => {
    const err = await bareBoot(bootMultiboot, aoutImage(fields)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadImageError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('multiboot machine: ELF kernels', () => {
  it('loads PT_LOAD segments at their physical addresses and translates the entry', async () => {
    const { vcpu, memory } = await bareBoot(bootMultiboot, elfImage());
    expect(vcpu.regs.rip).toBe(0x200010n);
    expect(memory.read32(0x200000)).toBe(0x1badb002);
    expect(memory.read8(0x2000ff)).toBe(0xab);
    expect(memory.read8(0x200100)).toBe(0);
    expect(Number(vcpu.regs.rbx)).toBeGreaterThanOrEqual(0x202000);
  });

  it('refuses an entry point outside the loaded segments', async () => {
    const image = elfImage();
    new DataView(image.buffer).setUint32(24, 0x300000, true);
    await expect(bareBoot(bootMultiboot, image)).rejects.toThrow(/entry point 0x300000 lies outside the loaded image/);
  });

  it('refuses a kernel that is neither ELF nor a.out kludge', async () => {
    await expect(bareBoot(bootMultiboot, aoutImage({ flags: 0x3 }))).rejects.toThrow(/neither ELF nor has the a.out kludge/);
  });
});

describe('multiboot machine: hostile images', () => {
  it('either boots or refuses with a user error, whatever the header says', async () => {
    // A fixed-seed generator: the same mutations on every run.
    let seed = 0x2badb002;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const image = hello();
      const dv = new DataView(image.buffer);
      // Mutate one of the kludge address fields (keeping the checksum valid) or any header byte.
      if (rand(2) === 0) {
        dv.setUint32(12 + 4 * rand(5), rand(2) === 0 ? rand(0x2000000) : (rand(0x10000) << 16) >>> 0, true);
      } else {
        image[rand(48)] = rand(256);
        const flags = dv.getUint32(4, true);
        dv.setUint32(8, (-(0x1badb002 + flags)) >>> 0, true);
      }
      try {
        await bareBoot(bootMultiboot, image, { memoryMiB: 16 });
      } catch (e) {
        expect(e, `mutation ${i}: ${String(e)}`).toBeInstanceOf(UserError);
      }
    }
  });
});
