import { describe, expect, it } from 'vitest';
import { XenElfNote, XenFeature } from '../../../src/abi/xen/elfnote.js';
import { BadImageError } from '../../../src/cli/user-error.js';
import { buildDomain } from '../../../src/host/builder/build.js';
import { planLayout } from '../../../src/host/builder/layout.js';
import { loadPvKernel } from '../../../src/host/loader/pv-kernel.js';
import { bzImageAround, compressorMissing, compressWith, makeBzImage } from '../../helpers/bzimage.js';
import { detectImage } from '../../../src/host/loader/detect.js';
import { checkDomain } from '../../helpers/check-domain.js';
import { buildTestElf, linuxLike32, linuxLike64, pattern, type TestElfSpec } from '../../helpers/xen-elf.js';

const load = (spec: TestElfSpec) => loadPvKernel(buildTestElf(spec), 'k.elf');

/** Replace (or drop, with undefined) one note of a spec. */
function withNote(spec: TestElfSpec, type: number, value: TestElfSpec['notes'] extends (infer T)[] | undefined ? (T extends [number, infer V] ? V | undefined : never) : never): TestElfSpec {
  const notes = (spec.notes ?? []).filter(([t]) => t !== type);
  if (value !== undefined) notes.push([type, value]);
  return { ...spec, notes };
}

function badImage(f: () => unknown, message: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BadImageError);
  expect((err as Error).message).toMatch(message);
  expect((err as Error).message).not.toContain('\n');
}

describe('Xen notes', () => {
  it('decodes every note of a Linux-like 64-bit kernel', () => {
    const k = load(linuxLike64({ initP2m: true, modStartPfn: true }));
    expect(k.arch).toBe('x86_64');
    expect(k.info.source).toBe('notes');
    expect(k.info.guestOs).toBe('linux');
    expect(k.info.xenVersion).toBe('xen-3.0');
    expect(k.info.loader).toBe('generic');
    expect(k.info.paeMode).toBe('extended-cr3');
    expect(k.virtBase).toBe(0xffffffff80000000n);
    expect(k.paddrOffset).toBe(0n);
    expect(k.entry).toBe(0xffffffff81000040n);
    expect(k.hypercallPage).toBe(0xffffffff81001000n);
    expect(k.p2mBase).toBe(0x8000000000n);
    expect(k.unmappedInitrd).toBe(true);
    expect(k.info.featuresRequired).toEqual(new Set([XenFeature.writable_page_tables]));
    expect(k.info.featuresSupported).toEqual(new Set([XenFeature.writable_page_tables, XenFeature.pae_pgdir_above_4gb]));
    expect(k.info.suspendCancel).toBe(1n);
    expect(k.kernelStart).toBe(0xffffffff81000000n);
    // The second segment's p_vaddr is 0: it is placed by paddr.
    expect(k.segments[1]!.vaddr).toBe(0xffffffff81005000n);
    expect(k.kernelEnd).toBe(0xffffffff8100a000n);
    expect(k.info.entries.map((e) => e.name)).toContain('INIT_P2M');
  });

  it('decodes SUPPORTED_FEATURES, L1_MFN_VALID and a non-zero PADDR_OFFSET', () => {
    let spec = withNote(linuxLike64(), XenElfNote.SUPPORTED_FEATURES, (1 << XenFeature.dom0) | (1 << XenFeature.linux_rsdp_unrestricted));
    spec = withNote(spec, XenElfNote.L1_MFN_VALID, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
    // PADDR_OFFSET = VIRT_BASE: paddr fields hold virtual addresses (old kernels).
    spec = withNote(spec, XenElfNote.PADDR_OFFSET, 0xffffffff80000000n);
    spec = { ...spec, segments: spec.segments.map((s) => ({ ...s, paddr: s.paddr + 0xffffffff80000000n })) };
    const k = load(spec);
    expect(k.info.featuresSupported.has(XenFeature.dom0)).toBe(true);
    expect(k.info.l1MfnValid).toEqual([1n, 1n]);
    expect(k.kernelStart).toBe(0xffffffff81000000n);
  });

  it('reads the legacy __xen_guest string (HYPERCALL_PAGE is a page number)', () => {
    const spec: TestElfSpec = {
      class: 32,
      entry: 0xc0100000n,
      segments: [{ paddr: 0xc0100000n, data: pattern(0x3000, 5) }],
      guestString: 'GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0xC0000000,HYPERCALL_PAGE=0x101,LOADER=generic,PAE=yes[extended-cr3]',
    };
    const k = load(spec);
    expect(k.info.source).toBe('__xen_guest');
    expect(k.arch).toBe('x86_32');
    expect(k.info.paeMode).toBe('extended-cr3');
    expect(k.hypercallPage).toBe(0xc0101000n);
    expect(k.kernelStart).toBe(0xc0100000n);
    checkDomain(buildDomain(k, { memoryMiB: 16, p2m: { kind: 'shuffled', seed: 3 } }));
  });
});

describe('a last note cut off by the end of its segment (GRUB i386-xen)', () => {
  /** The ELF with its note segment's size shortened by `cut` bytes. */
  function cutNotes(spec: TestElfSpec, cut: number): Uint8Array {
    const elf = buildTestElf(spec);
    const dv = new DataView(elf.buffer);
    const ph = 52 + spec.segments.length * 32; // the PT_NOTE header follows the PT_LOADs (ELF32)
    expect(dv.getUint32(ph, true)).toBe(4);
    dv.setUint32(ph + 16, dv.getUint32(ph + 16, true) - cut, true);
    return elf;
  }

  it('keeps a string that is NUL-terminated within the segment, as Xen reads it', () => {
    const spec = linuxLike32();
    spec.notes = [...spec.notes!.filter(([t]) => t !== XenElfNote.PAE_MODE), [XenElfNote.PAE_MODE, new Uint8Array(Buffer.from('yes\0bimodal\0', 'latin1'))]];
    // The note claims 12 bytes; the segment ends 8 bytes in, after "yes\0".
    expect(loadPvKernel(cutNotes(spec, 8), 'k').info.paeMode).toBe('extended-cr3');
  });

  it('rejects a cut-off string or number', () => {
    const spec = linuxLike32();
    spec.notes = [...spec.notes!.filter(([t]) => t !== XenElfNote.PAE_MODE), [XenElfNote.PAE_MODE, 'yes[extended-cr3]']];
    badImage(() => loadPvKernel(cutNotes(spec, 8), 'k'), /PAE_MODE is cut off/);
    const num = linuxLike32();
    num.notes = [...num.notes!.filter(([t]) => t !== XenElfNote.HV_START_LOW), [XenElfNote.HV_START_LOW, 0xf5800000n]];
    badImage(() => loadPvKernel(cutNotes(num, 2), 'k'), /HV_START_LOW is cut off/);
  });
});

describe('bad kernels: one clear line', () => {
  it('rejects a 32-bit non-PAE kernel', () => {
    badImage(() => load(linuxLike32({ paeMode: null })), /non-PAE/);
    badImage(() => load(linuxLike32({ paeMode: 'no' })), /non-PAE/);
  });

  it('rejects notes that contradict each other', () => {
    const dup = linuxLike64();
    dup.notes!.push([XenElfNote.VIRT_BASE, 0xffffffff00000000n]);
    badImage(() => load(dup), /contradict.*VIRT_BASE/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.VIRT_BASE, undefined)), /PADDR_OFFSET without VIRT_BASE/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.ENTRY, 0xffffffff90000000n)), /entry point .* outside the kernel image/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.HYPERCALL_PAGE, 0xffffffff91000000n)), /HYPERCALL_PAGE .* outside/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.INIT_P2M, 0xffffffff81002000n)), /INIT_P2M .* inside the kernel/);
    badImage(() => load(withNote(withNote(linuxLike64(), XenElfNote.VIRT_BASE, 0xffffffff82000000n), XenElfNote.PADDR_OFFSET, 0x2000000n)), /VIRT_BASE .* above the kernel image/);
    badImage(() => load(withNote(linuxLike32(), XenElfNote.HV_START_LOW, 0xf8000000n)), /HV_START_LOW .* above/);
  });

  it('rejects kernels for other loaders, Xen versions, or features PV cannot give', () => {
    badImage(() => load(withNote(withNote(linuxLike64(), XenElfNote.LOADER, 'other'), XenElfNote.GUEST_OS, 'plan9')), /generic loader or Linux/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.XEN_VERSION, 'xen-2.0')), /xen-3.0/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.FEATURES, '!auto_translated_physmap')), /requires Xen feature auto_translated_physmap/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.FEATURES, '!teleportation')), /unknown Xen feature 'teleportation'/);
    badImage(() => load(withNote(linuxLike64(), XenElfNote.ENTRY, new Uint8Array(3))), /3-byte number/);
  });

  it('rejects images that are not PV kernels', () => {
    badImage(() => load({ ...linuxLike64(), notes: [] }), /not a Xen PV kernel/);
    badImage(() => load({ ...linuxLike64(), notes: [[XenElfNote.PHYS32_ENTRY, 0x100000]] }), /PVH-only/);
    badImage(() => load({ ...linuxLike64(), machine: 40 }), /not an x86 kernel/);
    badImage(() => loadPvKernel(new Uint8Array(Buffer.from('hello world, not a kernel at all'.repeat(40))), 'k'), /neither an ELF, a bzImage, nor a compressed ELF/);
    const elf = buildTestElf(linuxLike64());
    badImage(() => loadPvKernel(elf.subarray(0, 100), 'k'), /bad ELF/);
    badImage(() => load({ ...linuxLike64(), segments: [] }), /no loadable segments/);
  });

  it('rejects a kernel that does not fit in --memory', () => {
    const k = load(linuxLike64());
    // The kernel sits 16 MiB above VIRT_BASE, as Linux's does.
    badImage(() => planLayout(k, { memoryMiB: 16 }), /does not fit in 16 MiB/);
    badImage(() => planLayout(k, { memoryMiB: 20, initrdLength: 8 << 20 }), /does not fit in 20 MiB/);
    expect(() => planLayout(k, { memoryMiB: 24 })).not.toThrow();
  });

  it('rejects a 32-bit kernel whose mapping would reach the hypervisor area', () => {
    const spec = linuxLike32();
    const k = load({ ...spec, notes: [...spec.notes!.filter(([t]) => t !== XenElfNote.HV_START_LOW), [XenElfNote.HV_START_LOW, 0xc1200000n]] });
    badImage(() => planLayout(k, { memoryMiB: 48 }), /reaches the hypervisor area/);
  });
});

describe('compressed ELF files (as Xen loads gzip\'d kernels)', () => {
  const elf = buildTestElf(linuxLike32());
  for (const kind of ['gzip', 'xz', 'bzip2', 'zstd', 'lz4', 'lzma'] as const) {
    const why = compressorMissing(kind);
    it.skipIf(why !== undefined)(`loads a ${kind}-compressed PV ELF and detects it${why ? ` (skipped: ${why})` : ''}`, () => {
      const file = compressWith(kind, elf);
      const d = detectImage(file, 'k.gz');
      expect(d).toMatchObject({ kind: 'xen-pv', compression: kind });
      const k = loadPvKernel(file, 'k.gz');
      expect(k.container).toEqual({ kind: 'compressed-elf', compression: kind });
      checkDomain(buildDomain(k, { memoryMiB: 24, p2m: { kind: 'shuffled', seed: 5 } }));
    });
  }

  it('rejects a compressed file that is not an ELF, or is corrupt', () => {
    badImage(() => loadPvKernel(compressWith('gzip', new Uint8Array(5000)), 'z'), /gzip-compressed image is not an ELF/);
    const gz = compressWith('gzip', elf);
    badImage(() => loadPvKernel(gz.subarray(0, gz.length >> 1), 'z'), /gzip-compressed image: /);
  });
});

describe('bzImage', () => {
  const elf = buildTestElf(linuxLike64({ textSize: 0x30000 }));
  for (const kind of ['gzip', 'xz', 'lzma', 'lz4', 'zstd', 'bzip2'] as const) {
    const why = compressorMissing(kind);
    it.skipIf(why !== undefined)(`loads a ${kind} payload and lays it out${why ? ` (skipped: ${why})` : ''}`, () => {
      const k = loadPvKernel(makeBzImage(elf, kind), 'bz');
      expect(k.container).toEqual({ kind: 'bzimage', compression: kind, protocol: 0x020f });
      expect(Buffer.from(k.elf.bytes).equals(Buffer.from(elf))).toBe(true);
      checkDomain(buildDomain(k, { memoryMiB: 32, p2m: { kind: 'shuffled', seed: 11 } }));
    });
  }

  it('rejects an unknown compression, an old protocol, and a bad payload', () => {
    badImage(() => loadPvKernel(bzImageAround(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 100), 'bz'), /unknown compression \(magic 01020304/);
    badImage(() => loadPvKernel(bzImageAround(new Uint8Array([0x89, 0x4c, 0x5a, 0x4f, 1, 2, 3, 4]), 100), 'bz'), /LZO/);
    badImage(() => loadPvKernel(bzImageAround(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), 100, 0x0206), 'bz'), /boot protocol 2.06/);
    badImage(() => loadPvKernel(bzImageAround(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 9, 9]), 100), 'bz'), /gzip payload/);
    const ok = makeBzImage(elf, 'gzip');
    const dv = new DataView(ok.buffer);
    dv.setUint32(ok.length - 4, elf.length + 1, true);
    badImage(() => loadPvKernel(ok, 'bz'), /gzip payload.*/);
  });
});
