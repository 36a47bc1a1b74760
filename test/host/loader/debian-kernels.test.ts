/**
 * Debian's GRUB for Xen (grub-xen-bin made into images by grub-mkimage)
 * and Debian's kernel packages as PV guests: linux-image-*-cloud-amd64 (a
 * bzImage with an lz4 payload), linux-image-*-amd64 (xz) and
 * linux-image-*-686-pae (xz, 32-bit PAE). tools/fetch-debian-kernels.sh
 * (run by .ci/run) puts their vmlinuz into the cache; a kernel that is not
 * there is skipped, saying so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XenFeature } from '../../../src/abi/xen/elfnote.js';
import { buildDomain } from '../../../src/host/builder/build.js';
import { loadPvKernel, type PvKernel } from '../../../src/host/loader/pv-kernel.js';
import { checkDomain } from '../../helpers/check-domain.js';
import { readVirt } from '../../helpers/page-walk.js';
import { xenner } from '../../helpers/cli.js';
import { findDebianKernel, KERNEL_CACHE } from '../../helpers/kernel-cache.js';

const CACHE = KERNEL_CACHE;
const FLAVOURS = [
  { flavour: 'cloud-amd64', compression: 'lz4', arch: 'x86_64' },
  { flavour: 'amd64', compression: 'xz', arch: 'x86_64' },
] as const;

const find = findDebianKernel;

describe.each(FLAVOURS)('Debian linux-image-*-$flavour', ({ flavour, compression, arch }) => {
  const file = find(flavour);
  const why = file === undefined ? `no vmlinuz-*-${flavour} in ${CACHE}: run tools/fetch-debian-kernels.sh` : undefined;
  let kernel: PvKernel | undefined;
  const load = (): PvKernel => (kernel ??= loadPvKernel(new Uint8Array(readFileSync(file!)), file!));

  it.skipIf(why !== undefined)(`is a bzImage with a ${compression} payload and Linux's Xen notes${why ? ` (skipped: ${why})` : ''}`, () => {
    const k = load();
    expect(k.container).toMatchObject({ kind: 'bzimage', compression });
    expect(k.arch).toBe(arch);
    expect(k.info.guestOs).toBe('linux');
    expect(k.info.loader).toBe('generic');
    expect(k.info.xenVersion).toBe('xen-3.0');
    // Linux 6.x finds its entry through XEN_ELFNOTE_ENTRY (startup_xen) and has no hypercall-page note.
    expect(k.info.entry).toBe(k.entry);
    expect(k.unmappedInitrd).toBe(true);
    expect(k.info.featuresSupported.has(XenFeature.writable_page_tables)).toBe(true);
    expect(k.virtBase).toBe(0xffffffff80000000n);
    expect(k.p2mBase).toBe(0x8000000000n);
    expect(k.kernelStart).toBe(0xffffffff81000000n);
    // Linux's per-CPU segment has p_vaddr 0 and is placed by its paddr.
    expect(k.elf.programHeaders.some((p) => p.type === 1 && p.vaddr === 0n)).toBe(true);
    expect(k.segments.every((s) => s.vaddr >= k.kernelStart && s.vaddr < k.kernelEnd)).toBe(true);
  });

  it.skipIf(why !== undefined)(`lays out the start of day with a shuffled p2m and an initrd${why ? ` (skipped: ${why})` : ''}`, () => {
    const k = load();
    const initrd = new Uint8Array(1 << 20).fill(0x5a);
    const d = buildDomain(k, { memoryMiB: 256, p2m: { kind: 'shuffled', seed: 2026 }, initrd, cmdline: 'console=hvc0' });
    const si = checkDomain(d);
    expect(si.cmd_line).toBe('console=hvc0');
    // MOD_START_PFN: the initrd is given by frame, after the mapping.
    expect(si.mod_len).toBe(BigInt(initrd.length));
    expect(d.memory.read8(d.p2m[Number(si.mod_start)]! * 4096)).toBe(0x5a);
    {
      // INIT_P2M: the p2m list at 512 GiB, readable through its own tables.
      expect(si.mfn_list).toBe(0x8000000000n);
      const first = readVirt(d.memory, d.vcpu.cr3, si.mfn_list, 16, 4);
      expect(new DataView(first.buffer).getBigUint64(8, true)).toBe(BigInt(d.p2m[1]!));
      const top = d.pageTables.topMfn * 4096;
      const present = [...Array(512).keys()].filter((i) => (d.memory.read64(top + i * 8) & 1n) === 1n);
      expect(present).toEqual([1, 256, 511]);
    }
  });
});

describe('Debian linux-image-*-686-pae', () => {
  const file = find('686-pae');
  const why = file === undefined ? `no vmlinuz-*-686-pae in ${CACHE}: run tools/fetch-debian-kernels.sh` : undefined;
  it.skipIf(why !== undefined)(`is refused clearly: Linux 5.9+ dropped 32-bit PV, it only has a PVH entry${why ? ` (skipped: ${why})` : ''}`, () => {
    expect(() => loadPvKernel(new Uint8Array(readFileSync(file!)), file!)).toThrow(/no Xen PV entry point .* only a PVH one/);
  });
  it.skipIf(why !== undefined)(`is described by xenner info (exit 0) and refused by xenner run (exit 2, one line)${why ? ` (skipped: ${why})` : ''}`, () => {
    const info = xenner(['info', file!]);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/class:\s+ELF32 i386/);
    expect(info.stdout).toMatch(/xen:\s+not a PV kernel: .*only a PVH one/);
    const run = xenner(['run', file!]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe.each(['x86_64-xen', 'i386-xen'] as const)('Debian GRUB %s', (platform) => {
  const file = join(CACHE, `grub-${platform}.bin`);
  const why = existsSync(file) ? undefined : `no grub-${platform}.bin in ${CACHE}: run tools/fetch-debian-kernels.sh`;
  it.skipIf(why !== undefined)(`loads and lays out (VIRT_BASE 0, PAE "yes" in a cut-off note on i386)${why ? ` (skipped: ${why})` : ''}`, () => {
    const k = loadPvKernel(new Uint8Array(readFileSync(file)), file);
    expect(k.info.guestOs).toBe('GRUB');
    expect(k.virtBase).toBe(0n);
    expect(k.arch).toBe(platform === 'x86_64-xen' ? 'x86_64' : 'x86_32');
    if (platform === 'i386-xen') expect(k.info.paeMode).toBe('extended-cr3');
    checkDomain(buildDomain(k, { memoryMiB: 32, p2m: { kind: 'shuffled', seed: 8 }, cmdline: 'root=xvda1' }));
  });
});
