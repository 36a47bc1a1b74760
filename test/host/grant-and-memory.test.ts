import { describe, expect, it } from 'vitest';
import { EmuOp } from '../../src/abi/emu-port.js';
import { DomId } from '../../src/abi/xen/event-channel.js';
import { XenErrno } from '../../src/abi/xen/errno.js';
import { GnttabOp, gnttabGetVersion, gnttabQuerySize, gnttabSetupTable, gnttabSetVersion, Gntst, Gtf } from '../../src/abi/xen/grant-table.js';
import { XenMapSpace, XenMem, xenAddToPhysmap, xenMachphysMapping, xenMemoryMap, xenMemoryReservation } from '../../src/abi/xen/memory-op.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { GRANT_FRAMES, GRANT_MFN, makeHarness, NR_PAGES, type Harness } from '../helpers/emu-guest.js';

const E = (n: keyof typeof XenErrno): bigint => BigInt(-XenErrno[n]);
const st16 = (v: bigint): number => Number(BigInt.asIntN(16, v));

function setup(h: Harness, nr: number, dom: number = DomId.SELF): { ret: bigint; status: number; frames: number[] } {
  const ret = h.call(EmuOp.grant_table_op, [GnttabOp.setup_table, 1], () => h.writeStruct(gnttabSetupTable, { dom, nr_frames: nr }));
  const w = h.arch === 'x86_64' ? 8 : 4;
  const frames = Array.from({ length: nr }, (_, i) => (w === 8 ? Number(h.mem.read64(h.array() + 8 * i)) : h.mem.read32(h.array() + 4 * i)));
  return { ret, status: st16(h.readField(gnttabSetupTable, 'status', 2)), frames };
}

/** The guest writes grant entry `ref` (flags last, as a guest must). */
function grant(h: Harness, frames: number[], ref: number, domid: number, frame: number, flags: number): void {
  const a = frames[Math.floor(ref / 512)]! * PAGE_SIZE + (ref % 512) * 8;
  h.mem.write16(a + 2, domid);
  h.mem.write32(a + 4, frame);
  h.mem.write16(a, flags);
}
const flagsOf = (h: Harness, frames: number[], ref: number): number => h.mem.read16(frames[Math.floor(ref / 512)]! * PAGE_SIZE + (ref % 512) * 8);

describe.each(['x86_64', 'x86_32'] as const)('grant tables (%s)', (arch) => {
  it('setup_table, query_size, set_version and get_version', () => {
    const h = makeHarness(arch);
    const q = (): [number, number, number] => {
      expect(h.call(EmuOp.grant_table_op, [GnttabOp.query_size, 1], () => h.writeStruct(gnttabQuerySize, { dom: DomId.SELF }))).toBe(0n);
      return [Number(h.readField(gnttabQuerySize, 'nr_frames', 4)), Number(h.readField(gnttabQuerySize, 'max_nr_frames', 4)), st16(h.readField(gnttabQuerySize, 'status', 2))];
    };
    expect(q()).toEqual([0, GRANT_FRAMES, Gntst.okay]);
    const s = setup(h, 2);
    expect(s).toEqual({ ret: 0n, status: Gntst.okay, frames: [GRANT_MFN, GRANT_MFN + 1] });
    expect(q()).toEqual([2, GRANT_FRAMES, Gntst.okay]);
    expect(setup(h, GRANT_FRAMES + 1).status).toBe(Gntst.general_error);
    // Another domain: the host's (domain 0) is refused, any other does not exist.
    expect(setup(h, 1, 0).status).toBe(Gntst.permission_denied);
    expect(setup(h, 1, 3).status).toBe(Gntst.bad_domain);
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.setup_table, 2])).toBe(E('EINVAL'));
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.set_version, 1], () => h.writeStruct(gnttabSetVersion, { version: 1 }))).toBe(0n);
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.set_version, 1], () => h.writeStruct(gnttabSetVersion, { version: 2 }))).toBe(E('EINVAL'));
    expect(h.readField(gnttabSetVersion, 'version', 4)).toBe(1n);
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.get_version, 1], () => h.writeStruct(gnttabGetVersion, { dom: DomId.SELF }))).toBe(0n);
    expect(h.readField(gnttabGetVersion, 'version', 4)).toBe(1n);
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.map_grant_ref, 1])).toBe(E('ENOSYS'));
    // Other domains' tables, and counts other than 1.
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.query_size, 1], () => h.writeStruct(gnttabQuerySize, { dom: 0 }))).toBe(0n);
    expect(st16(h.readField(gnttabQuerySize, 'status', 2))).toBe(Gntst.permission_denied);
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.get_version, 1], () => h.writeStruct(gnttabGetVersion, { dom: 0 }))).toBe(E('EPERM'));
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.query_size, 1], () => h.writeStruct(gnttabQuerySize, { dom: 12345 }))).toBe(0n);
    expect(st16(h.readField(gnttabQuerySize, 'status', 2))).toBe(Gntst.bad_domain);
    expect(h.call(EmuOp.grant_table_op, [GnttabOp.get_version, 1], () => h.writeStruct(gnttabGetVersion, { dom: 12345 }))).toBe(E('ESRCH'));
    for (const cmd of [GnttabOp.query_size, GnttabOp.set_version, GnttabOp.get_version]) {
      expect(h.call(EmuOp.grant_table_op, [cmd, 0])).toBe(E('EINVAL'));
    }
  });

  it('backend map/unmap sets and clears the busy flags with reference counts', () => {
    const h = makeHarness(arch);
    const { frames } = setup(h, 2);
    const g = h.domain.grants;
    grant(h, frames, 600, 0, 300, Gtf.permit_access);
    const m1 = g.map(600, true);
    const m2 = g.map(600, false);
    if (typeof m1 === 'number' || typeof m2 === 'number') throw new Error('map failed');
    expect(m1.addr).toBe(300 * PAGE_SIZE);
    expect(flagsOf(h, frames, 600) & (Gtf.reading | Gtf.writing)).toBe(Gtf.reading | Gtf.writing);
    expect(g.unmap(m2.handle)).toBe(Gntst.okay);
    expect(flagsOf(h, frames, 600) & (Gtf.reading | Gtf.writing)).toBe(Gtf.reading);
    expect(g.unmap(m2.handle)).toBe(Gntst.bad_handle);
    expect(g.unmap(m1.handle)).toBe(Gntst.okay);
    expect(flagsOf(h, frames, 600)).toBe(Gtf.permit_access);
    expect(g.activeMappings).toBe(0);
  });

  it('map refuses what the entry does not allow', () => {
    const h = makeHarness(arch);
    const { frames } = setup(h, 1);
    const g = h.domain.grants;
    grant(h, frames, 1, 0, 300, Gtf.permit_access | Gtf.readonly);
    expect(g.map(1, false)).toBe(Gntst.permission_denied);
    expect(typeof g.map(1, true)).toBe('object');
    grant(h, frames, 2, 5, 300, Gtf.permit_access);
    expect(g.map(2, true)).toBe(Gntst.permission_denied); // granted to another domain
    grant(h, frames, 3, 0, 300, Gtf.invalid);
    expect(g.map(3, true)).toBe(Gntst.permission_denied);
    grant(h, frames, 4, 0, 950, Gtf.permit_access); // a host frame
    expect(g.map(4, true)).toBe(Gntst.bad_page);
    expect(flagsOf(h, frames, 4)).toBe(Gtf.permit_access);
    grant(h, frames, 5, 0, 0xfffffff, Gtf.permit_access);
    expect(g.map(5, true)).toBe(Gntst.bad_page);
    expect(g.map(512, true)).toBe(Gntst.bad_gntref); // beyond the one frame set up
    expect(g.map(-1, true)).toBe(Gntst.bad_gntref);
    expect(g.map(1.5, true)).toBe(Gntst.bad_gntref);
  });

  it('copy to and from a grant checks offsets and permissions', () => {
    const h = makeHarness(arch);
    const { frames } = setup(h, 1);
    const g = h.domain.grants;
    grant(h, frames, 7, 0, 301, Gtf.permit_access);
    expect(g.copyTo(7, 4090, Uint8Array.of(1, 2, 3, 4, 5, 6))).toBe(Gntst.okay);
    expect(h.mem.readBytes(301 * PAGE_SIZE + 4090, 6)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(g.copyFrom(7, 4090, 6)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(g.copyTo(7, 4091, new Uint8Array(6))).toBe(Gntst.bad_copy_arg);
    expect(g.copyFrom(7, -1, 1)).toBe(Gntst.bad_copy_arg);
    expect(flagsOf(h, frames, 7)).toBe(Gtf.permit_access);
    grant(h, frames, 8, 0, 301, Gtf.permit_access | Gtf.readonly);
    expect(g.copyTo(8, 0, new Uint8Array(1))).toBe(Gntst.permission_denied);
    expect(g.copyFrom(8, 0, 1)).toEqual(Uint8Array.of(0));
  });
});

describe.each(['x86_64', 'x86_32'] as const)('memory_op (%s)', (arch) => {
  const w = arch === 'x86_64' ? 8 : 4;
  const putExtents = (h: Harness, list: number[]): void => list.forEach((f, i) => (w === 8 ? h.mem.write64(h.array() + 8 * i, BigInt(f)) : h.mem.write32(h.array() + 4 * i, f)));
  const extent = (h: Harness, i: number): number => (w === 8 ? Number(h.mem.read64(h.array() + 8 * i)) : h.mem.read32(h.array() + 4 * i));
  const resv = (h: Harness, cmd: number, list: number[], nr = list.length, order = 0, domid: number = DomId.SELF): bigint =>
    h.call(EmuOp.memory_op, [cmd], () => {
      h.writeStruct(xenMemoryReservation, { nr_extents: nr, extent_order: order, domid });
      putExtents(h, list);
    });
  const domidArg = (h: Harness, cmd: number, dom: number = DomId.SELF): bigint => h.call(EmuOp.memory_op, [cmd], (d) => h.mem.write16(d, dom));

  it('reports reservations and the machphys mapping', () => {
    const h = makeHarness(arch, { maxPages: NR_PAGES + 4 });
    expect(domidArg(h, XenMem.current_reservation)).toBe(BigInt(NR_PAGES));
    expect(domidArg(h, XenMem.maximum_reservation)).toBe(BigInt(NR_PAGES + 4));
    expect(domidArg(h, XenMem.maximum_gpfn)).toBe(BigInt(NR_PAGES - 1));
    expect(domidArg(h, XenMem.current_reservation, 9)).toBe(E('ESRCH'));
    expect(h.call(EmuOp.memory_op, [XenMem.machphys_mapping])).toBe(0n);
    expect(h.readField(xenMachphysMapping, 'max_mfn', w)).toBe(BigInt((8 * PAGE_SIZE) / w - 1));
    expect(h.call(EmuOp.memory_op, [XenMem.memory_map], () => h.writeStruct(xenMemoryMap, { nr_entries: 8 }))).toBe(0n);
    expect(h.readField(xenMemoryMap, 'nr_entries', 4)).toBe(1n);
    expect(h.mem.read64(h.array() + 8)).toBe(BigInt(NR_PAGES * PAGE_SIZE));
    expect(h.mem.read32(h.array() + 16)).toBe(1);
    expect(h.call(EmuOp.memory_op, [XenMem.memory_map], () => h.writeStruct(xenMemoryMap, { nr_entries: 0 }))).toBe(E('EINVAL'));
    expect(h.call(EmuOp.memory_op, [77])).toBe(E('ENOSYS'));
  });

  it('balloons down and up within the ceiling', () => {
    const h = makeHarness(arch);
    // Give back three frames; the fourth is a host frame and stops the batch.
    expect(resv(h, XenMem.decrease_reservation, [10, 11, 12, 950])).toBe(3n);
    expect(h.domain.frames.ramPages).toBe(NR_PAGES - 3);
    expect(resv(h, XenMem.decrease_reservation, [10])).toBe(0n);
    h.mem.write8(11 * PAGE_SIZE, 0xaa);
    // populate_physmap gives back the named frames, zeroed.
    expect(resv(h, XenMem.populate_physmap, [11, 12])).toBe(2n);
    expect(extent(h, 0)).toBe(11);
    expect(h.mem.read8(11 * PAGE_SIZE)).toBe(0);
    expect(resv(h, XenMem.populate_physmap, [12])).toBe(0n); // already populated
    // increase_reservation picks any free frame; the ceiling stops it.
    expect(resv(h, XenMem.increase_reservation, [0, 0])).toBe(1n);
    expect(extent(h, 0)).toBe(10);
    expect(h.domain.frames.ramPages).toBe(NR_PAGES);
    expect(resv(h, XenMem.increase_reservation, [0])).toBe(0n);
    // Bad arguments.
    expect(resv(h, XenMem.decrease_reservation, [1], 100_000)).toBe(E('EINVAL'));
    expect(resv(h, XenMem.decrease_reservation, [1], 1, 0, 3)).toBe(E('ESRCH'));
    expect(resv(h, XenMem.decrease_reservation, [1], 1, 9)).toBe(0n);
  });

  it('add_to_physmap moves shared_info (the HVM way of placing it)', () => {
    const h = makeHarness(arch);
    h.mem.write32(h.si('wc_sec'), 1234);
    expect(h.call(EmuOp.memory_op, [XenMem.add_to_physmap], () => h.writeStruct(xenAddToPhysmap, { domid: DomId.SELF, space: XenMapSpace.shared_info, idx: 0, gpfn: 400 }))).toBe(0n);
    expect(h.domain.sharedInfoAddr()).toBe(400 * PAGE_SIZE);
    expect(h.domain.vcpus[1]!.vcpuInfoAddr).toBe(400 * PAGE_SIZE + 64);
    expect(h.mem.read32(h.si('wc_sec') - 900 * PAGE_SIZE + 400 * PAGE_SIZE)).toBe(1234);
    expect(h.call(EmuOp.memory_op, [XenMem.add_to_physmap], () => h.writeStruct(xenAddToPhysmap, { domid: DomId.SELF, space: XenMapSpace.gmfn, idx: 0, gpfn: 401 }))).toBe(E('EINVAL'));
    expect(h.call(EmuOp.memory_op, [XenMem.add_to_physmap], () => h.writeStruct(xenAddToPhysmap, { domid: DomId.SELF, space: XenMapSpace.shared_info, idx: 0, gpfn: 1 << 30 }))).toBe(E('EINVAL'));
  });
});
