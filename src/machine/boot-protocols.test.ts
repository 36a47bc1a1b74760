/**
 * The two boot protocols of the bare machine, run on the committed system
 * kernels: what the kernel finds in memory and registers at its entry. The
 * kernels check the same facts from inside under QEMU (test/system); these
 * tests pin our loaders to the specs (multiboot 0.6.96, PVH hvm_start_info
 * version 1) without needing a CPU.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layout } from '../abi/layout.js';
import { MULTIBOOT_BOOTLOADER_MAGIC, MultibootInfoFlag, multibootInfo, multibootMmapEntry, multibootModule } from '../abi/multiboot.js';
import { HVM_START_INFO_VERSION, XEN_HVM_START_MAGIC_VALUE, hvmMemmapTableEntry, hvmModlistEntry, hvmStartInfo } from '../abi/xen/hvm-start-info.js';
import { UserError } from '../cli/user-error.js';
import { silentLogger } from '../log/logger.js';
import { GuestMemory, PAGE_SIZE } from '../memory/guest-memory.js';
import { repoRoot } from '../../tools/repo-root.js';
import { bareMemoryMap } from './boot/memory-map.js';
import type { VcpuRegs, VcpuSregs } from '../cpu/contract.js';
import type { MachineConfig } from './machine.js';
import { bootMultiboot } from './multiboot/machine.js';
import { bootPvh } from './pvh/machine.js';

const MiB = 2 ** 20;
const initrd = { file: 'initrd.img', bytes: Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff) };

function config(file: string, extra: Partial<MachineConfig> = {}): MachineConfig {
  return {
    file,
    image: readFileSync(join(repoRoot(), file)),
    kind: 'multiboot',
    memoryMiB: 16,
    cmdline: 'a=1 b',
    vcpus: 1,
    cpuProfile: 'intel',
    logger: silentLogger(),
    consoleOut: () => undefined,
    ...extra,
  };
}

/**
 * What both specs promise at entry: 32-bit protected mode without paging,
 * CS a flat 32-bit code segment, the data segments flat read/write, and
 * RFLAGS with IF and VM clear.
 */
function expectFlat32Entry(regs: VcpuRegs, sregs: VcpuSregs): void {
  expect(sregs.cr0 & 1n).toBe(1n);
  expect(sregs.cr0 & (1n << 31n)).toBe(0n);
  expect(sregs.efer).toBe(0n);
  expect(regs.rflags & ((1n << 9n) | (1n << 17n))).toBe(0n);
  for (const s of [sregs.cs, sregs.ds, sregs.es, sregs.ss, sregs.fs, sregs.gs]) {
    expect({ base: s.base, limit: s.limit, db: s.db, present: s.present, l: s.l }).toEqual({ base: 0n, limit: 0xffffffff, db: true, present: true, l: false });
  }
  expect(sregs.cs.type & 0x8).toBe(0x8); // code
  expect(sregs.ds.type & 0xa).toBe(0x2); // data, writable
}

function cString(mem: GuestMemory, addr: number): string {
  let s = '';
  for (let a = addr; mem.read8(a) !== 0; a++) s += String.fromCharCode(mem.read8(a));
  return s;
}

describe('multiboot boot protocol', () => {
  const INFO = layout(multibootInfo, 'x86_32');
  const MMAP = layout(multibootMmapEntry, 'x86_32');
  const MOD = layout(multibootModule, 'x86_32');

  it('enters with the magic in EAX and the information structure in EBX', () => {
    const mem = new GuestMemory(16 * MiB);
    const { regs, sregs } = bootMultiboot(config('guests/system/hello.bin', { initrd }), mem);
    expectFlat32Entry(regs, sregs);
    expect(regs.rax).toBe(BigInt(MULTIBOOT_BOOTLOADER_MAGIC));
    const info = Number(regs.rbx);
    expect(info % PAGE_SIZE).toBe(0);
    const f = (name: string): number => mem.read32(info + INFO.offset(name));
    const want = MultibootInfoFlag.MEMORY | MultibootInfoFlag.MEM_MAP | MultibootInfoFlag.CMDLINE | MultibootInfoFlag.BOOT_LOADER_NAME | MultibootInfoFlag.MODS;
    expect(f('flags')).toBe(want);
    expect(f('mem_lower')).toBe(639);
    expect(f('mem_upper')).toBe(15 * 1024);
    expect(cString(mem, f('cmdline'))).toBe('guests/system/hello.bin a=1 b');
    expect(cString(mem, f('boot_loader_name'))).toBe('xenner');

    // The memory map: entries of size 20 (+4), each with its `size` field first.
    const map = bareMemoryMap(16 * MiB);
    expect(f('mmap_length')).toBe(map.length * MMAP.size);
    map.forEach((r, i) => {
      const e = f('mmap_addr') + i * MMAP.size;
      expect(mem.read32(e)).toBe(20);
      expect(mem.read64(e + MMAP.offset('addr_lo'))).toBe(BigInt(r.addr));
      expect(mem.read64(e + MMAP.offset('len_lo'))).toBe(BigInt(r.size));
      expect(mem.read32(e + MMAP.offset('type'))).toBe(r.type);
    });

    // The module: page aligned, mod_end exclusive, its string the file name.
    expect(f('mods_count')).toBe(1);
    const m = f('mods_addr');
    const start = mem.read32(m + MOD.offset('mod_start'));
    expect(start % PAGE_SIZE).toBe(0);
    expect(mem.read32(m + MOD.offset('mod_end'))).toBe(start + initrd.bytes.length);
    expect(mem.readBytes(start, initrd.bytes.length)).toEqual(initrd.bytes);
    expect(cString(mem, mem.read32(m + MOD.offset('string')))).toBe('initrd.img');
  });

  it('passes the file name alone when there is no command line, and no module flag without --initrd', () => {
    const mem = new GuestMemory(16 * MiB);
    const info = Number(bootMultiboot(config('guests/system/hello.bin', { cmdline: '' }), mem).regs.rbx);
    expect(cString(mem, mem.read32(info + INFO.offset('cmdline')))).toBe('guests/system/hello.bin');
    expect(mem.read32(info + INFO.offset('flags')) & MultibootInfoFlag.MODS).toBe(0);
  });

  it('says plainly when the boot data does not fit in guest memory', () => {
    const mem = new GuestMemory(2 * MiB);
    const big = { file: 'big.img', bytes: new Uint8Array(2 * MiB) };
    expect(() => bootMultiboot(config('guests/system/hello.bin', { initrd: big }), mem)).toThrow(UserError);
  });
});

describe('PVH boot protocol', () => {
  const SI = layout(hvmStartInfo, 'x86_64');
  const MAP = layout(hvmMemmapTableEntry, 'x86_64');
  const MOD = layout(hvmModlistEntry, 'x86_64');

  it('enters at the note with hvm_start_info in EBX: magic, version, command line, modules, memory map', () => {
    const mem = new GuestMemory(16 * MiB);
    const { regs, sregs } = bootPvh(config('guests/system/pvh.elf', { kind: 'pvh', initrd }), mem);
    expectFlat32Entry(regs, sregs);
    // The PVH ABI: CR4 0, TR a 32-bit TSS with base 0 and limit 0x67, EIP from the note (the kernel is linked at 1 MiB).
    expect(sregs.cr4).toBe(0n);
    expect({ base: sregs.tr.base, limit: sregs.tr.limit, type: sregs.tr.type }).toEqual({ base: 0n, limit: 0x67, type: 0xb });
    expect(regs.rip).toBe(0x100000n);
    const si = Number(regs.rbx);
    expect(mem.read32(si + SI.offset('magic'))).toBe(XEN_HVM_START_MAGIC_VALUE);
    expect(mem.read32(si + SI.offset('version'))).toBe(HVM_START_INFO_VERSION);
    expect(mem.read64(si + SI.offset('rsdp_paddr'))).toBe(0n);
    // PVH passes the command line as given, without the file name.
    expect(cString(mem, Number(mem.read64(si + SI.offset('cmdline_paddr'))))).toBe('a=1 b');

    const map = bareMemoryMap(16 * MiB);
    expect(mem.read32(si + SI.offset('memmap_entries'))).toBe(map.length);
    const mapAddr = Number(mem.read64(si + SI.offset('memmap_paddr')));
    map.forEach((r, i) => {
      const e = mapAddr + i * MAP.size;
      expect(mem.read64(e + MAP.offset('addr'))).toBe(BigInt(r.addr));
      expect(mem.read64(e + MAP.offset('size'))).toBe(BigInt(r.size));
      expect(mem.read32(e + MAP.offset('type'))).toBe(r.type);
    });

    expect(mem.read32(si + SI.offset('nr_modules'))).toBe(1);
    const m = Number(mem.read64(si + SI.offset('modlist_paddr')));
    const paddr = Number(mem.read64(m + MOD.offset('paddr')));
    expect(paddr % PAGE_SIZE).toBe(0);
    expect(mem.read64(m + MOD.offset('size'))).toBe(BigInt(initrd.bytes.length));
    expect(mem.readBytes(paddr, initrd.bytes.length)).toEqual(initrd.bytes);
  });
});
