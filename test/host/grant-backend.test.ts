/**
 * The host's half of guests/pv/grants: the guest sets up its table through
 * the emu port, writes grant entries exactly as that guest does (reference
 * 8 read-write and 9 read-only to domain 0, domid and frame first, flags
 * last, in grant_entry_v1's layout), and the host's GrantTable maps and
 * reads them back as a backend would. The guest's end-of-access
 * compare-and-swap must fail while the backend holds the grant and succeed
 * after, and an ended grant cannot be mapped again.
 */
import { describe, expect, it } from 'vitest';
import { EmuOp } from '../../src/abi/emu-port.js';
import { DomId } from '../../src/abi/xen/event-channel.js';
import { layout } from '../../src/abi/layout.js';
import { GnttabOp, grantEntryV1, gnttabSetupTable, Gntst, Gtf } from '../../src/abi/xen/grant-table.js';
import { ENTRIES_PER_FRAME } from '../../src/host/grant/grant-table.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { makeHarness, type Harness } from '../helpers/emu-guest.js';

const GREF = 8;
const GRANTED_FRAME = 321;
const PATTERN = Uint8Array.from(Buffer.from('rant'));

/** GNTTABOP_setup_table(1) as the guest issues it; the table's first frame. */
function setupOneFrame(h: Harness): number {
  expect(h.call(EmuOp.grant_table_op, [GnttabOp.setup_table, 1], () => h.writeStruct(gnttabSetupTable, { dom: DomId.SELF, nr_frames: 1 }))).toBe(0n);
  expect(Number(BigInt.asIntN(16, h.readField(gnttabSetupTable, 'status', 2)))).toBe(Gntst.okay);
  return h.arch === 'x86_64' ? Number(h.mem.read64(h.array())) : h.mem.read32(h.array());
}

/** The guest's side of one entry, in grant_entry_v1's layout for its word size. */
function entry(h: Harness, tableFrame: number, ref: number) {
  const l = layout(grantEntryV1, h.arch);
  const base = tableFrame * PAGE_SIZE + (ref % ENTRIES_PER_FRAME) * l.size;
  return {
    grant(domid: number, frame: number, flags: number): void {
      h.mem.write16(base + l.offset('domid'), domid);
      h.mem.write32(base + l.offset('frame'), frame);
      h.mem.write16(base + l.offset('flags'), flags); // last: this makes the grant live
    },
    flags: (): number => h.mem.read16(base + l.offset('flags')),
    /** gnttab_end_foreign_access: cmpxchg(flags, expected, 0); true when it ended the grant. */
    end(expected: number): boolean {
      const u16 = new Uint16Array(h.mem.buffer);
      return Atomics.compareExchange(u16, (base + l.offset('flags')) >>> 1, expected, 0) === expected;
    },
  };
}

describe.each(['x86_64', 'x86_32'] as const)("a backend maps the grants guest's grants (%s)", (arch) => {
  it('maps a read-write grant, sees the page, and holds off its end until unmapped', () => {
    const h = makeHarness(arch);
    const table = setupOneFrame(h);
    h.mem.writeBytes(GRANTED_FRAME * PAGE_SIZE, PATTERN);
    const e = entry(h, table, GREF);
    e.grant(0, GRANTED_FRAME, Gtf.permit_access);

    const m = h.domain.grants.map(GREF, false);
    if (typeof m === 'number') throw new Error(`map failed: ${m}`);
    expect(m.addr).toBe(GRANTED_FRAME * PAGE_SIZE);
    expect(h.mem.readBytes(m.addr, PATTERN.length)).toEqual(PATTERN);
    expect(e.flags()).toBe(Gtf.permit_access | Gtf.reading | Gtf.writing);
    // The guest cannot end a grant a backend holds.
    expect(e.end(Gtf.permit_access)).toBe(false);
    // The backend writes through its mapping; the guest sees it in its page.
    h.mem.writeBytes(m.addr + 100, Uint8Array.of(7, 7));
    expect(h.mem.readBytes(GRANTED_FRAME * PAGE_SIZE + 100, 2)).toEqual(Uint8Array.of(7, 7));

    expect(h.domain.grants.unmap(m.handle)).toBe(Gntst.okay);
    expect(e.flags()).toBe(Gtf.permit_access);
    expect(e.end(Gtf.permit_access)).toBe(true);
    expect(e.flags()).toBe(Gtf.invalid);
    expect(h.domain.grants.map(GREF, true)).toBe(Gntst.permission_denied);
    expect(h.domain.grants.copyFrom(GREF, 0, 4)).toBe(Gntst.permission_denied);
  });

  it('a read-only grant maps and copies for reading only', () => {
    const h = makeHarness(arch);
    const table = setupOneFrame(h);
    h.mem.writeBytes(GRANTED_FRAME * PAGE_SIZE, PATTERN);
    const e = entry(h, table, GREF + 1);
    e.grant(0, GRANTED_FRAME, Gtf.permit_access | Gtf.readonly);
    expect(h.domain.grants.map(GREF + 1, false)).toBe(Gntst.permission_denied);
    expect(h.domain.grants.copyTo(GREF + 1, 0, Uint8Array.of(1))).toBe(Gntst.permission_denied);
    expect(h.domain.grants.copyFrom(GREF + 1, 0, PATTERN.length)).toEqual(PATTERN);
    const m = h.domain.grants.map(GREF + 1, true);
    if (typeof m === 'number') throw new Error(`map failed: ${m}`);
    expect(e.flags()).toBe(Gtf.permit_access | Gtf.readonly | Gtf.reading);
    expect(e.end(Gtf.permit_access | Gtf.readonly)).toBe(false);
    expect(h.domain.grants.unmap(m.handle)).toBe(Gntst.okay);
    expect(e.end(Gtf.permit_access | Gtf.readonly)).toBe(true);
  });

  it('a grant to another domain, or of a frame not the guest\'s, is not the host\'s to map', () => {
    const h = makeHarness(arch);
    const table = setupOneFrame(h);
    entry(h, table, GREF).grant(7, GRANTED_FRAME, Gtf.permit_access);
    expect(h.domain.grants.map(GREF, true)).toBe(Gntst.permission_denied);
    // The table frame itself is the host's, not guest RAM.
    entry(h, table, GREF + 2).grant(0, table, Gtf.permit_access);
    expect(h.domain.grants.map(GREF + 2, true)).toBe(Gntst.bad_page);
    expect(entry(h, table, GREF + 2).flags()).toBe(Gtf.permit_access);
  });
});
