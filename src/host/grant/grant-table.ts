/**
 * A domain's grant table, version 1: the guest writes grant_entry_v1
 * records into table frames the host gave it (GNTTABOP_setup_table), and
 * the host's backends (acting as domain 0) map, unmap and copy through
 * them. The flags protocol is Xen's: the backend sets GTF_reading /
 * GTF_writing with a compare-and-swap that also re-checks the entry, so a
 * guest that revokes a grant concurrently either wins before the map or
 * sees the busy bits and must wait.
 *
 * Those flag updates are atomics on the shared buffer and so skip
 * GuestMemory's onHostWrite listeners, for the reasons given in
 * src/host/evtchn/pending-bits.ts: they only touch the flags word of grant
 * entries, in table frames the host owns, which no guest code runs from.
 */
import { GRANT_ENTRY_V1_SIZE, Gntst, Gtf } from '../../abi/xen/grant-table.js';
import { PAGE_SIZE, type GuestMemory } from '../../memory/guest-memory.js';
import { HOST_DOMID } from '../evtchn/event-channels.js';

export const ENTRIES_PER_FRAME = PAGE_SIZE / GRANT_ENTRY_V1_SIZE;

/** A granted frame mapped by a backend. */
export interface GrantMapping {
  readonly handle: number;
  readonly ref: number;
  readonly readonly: boolean;
  /** Guest-physical address of the granted frame. */
  readonly addr: number;
}

/** Which guest frames are the guest's own memory (a granted frame must be one). */
export type FrameCheck = (frame: number) => boolean;

interface Pin {
  readers: number;
  writers: number;
}

export class GrantTable {
  /** Frames in use (setup_table grows this, never shrinks it). */
  private nrFrames = 0;
  private readonly u16: Uint16Array;
  private readonly maps = new Map<number, { ref: number; readonly: boolean }>();
  private readonly pins = new Map<number, Pin>();
  private nextHandle = 1;

  /**
   * @param tableFrames the guest frames the host reserved for the table, in
   *   order: their count is the table's maximum size in frames.
   */
  constructor(
    private readonly mem: GuestMemory,
    private readonly tableFrames: readonly number[],
    private readonly isGuestFrame: FrameCheck,
  ) {
    this.u16 = new Uint16Array(mem.buffer);
    for (const f of tableFrames) mem.check(f * PAGE_SIZE, PAGE_SIZE);
  }

  get version(): number {
    return 1;
  }
  get frames(): number {
    return this.nrFrames;
  }
  get maxFrames(): number {
    return this.tableFrames.length;
  }
  get activeMappings(): number {
    return this.maps.size;
  }

  /** GNTTABOP_setup_table: grow to `nr` frames; the frame list, or a GNTST code. */
  setup(nr: number): readonly number[] | Gntst {
    if (!Number.isInteger(nr) || nr < 0 || nr > this.maxFrames) return Gntst.general_error;
    if (nr > this.nrFrames) {
      for (let i = this.nrFrames; i < nr; i++) this.mem.fill(this.tableFrames[i]! * PAGE_SIZE, PAGE_SIZE, 0);
      this.nrFrames = nr;
    }
    return this.tableFrames.slice(0, nr);
  }

  /** Guest-physical address of entry `ref`, or undefined when out of the table. */
  private entryAddr(ref: number): number | undefined {
    if (!Number.isInteger(ref) || ref < 0 || ref >= this.nrFrames * ENTRIES_PER_FRAME) return undefined;
    return this.tableFrames[Math.floor(ref / ENTRIES_PER_FRAME)]! * PAGE_SIZE + (ref % ENTRIES_PER_FRAME) * GRANT_ENTRY_V1_SIZE;
  }

  /**
   * Take a reference on grant `ref` for `dom`, setting GTF_reading (and
   * GTF_writing for a writable use) in the guest's entry. Returns the frame
   * or a GNTST code.
   */
  private acquire(ref: number, writable: boolean, dom: number): { frame: number } | Gntst {
    const addr = this.entryAddr(ref);
    if (addr === undefined) return Gntst.bad_gntref;
    const flagsIdx = addr >>> 1;
    for (let tries = 0; tries < 8; tries++) {
      const flags = Atomics.load(this.u16, flagsIdx);
      const domid = this.mem.read16(addr + 2);
      if ((flags & Gtf.type_mask) !== Gtf.permit_access || domid !== dom) return Gntst.permission_denied;
      if (writable && (flags & Gtf.readonly) !== 0) return Gntst.permission_denied;
      const want = flags | Gtf.reading | (writable ? Gtf.writing : 0);
      // The guest may rewrite the entry under us: only a CAS on the value we checked counts.
      if (Atomics.compareExchange(this.u16, flagsIdx, flags, want) !== flags) continue;
      const frame = this.mem.read32(addr + 4);
      if (!this.isGuestFrame(frame)) {
        this.releaseFlags(ref);
        return Gntst.bad_page;
      }
      return { frame };
    }
    // The guest keeps changing the entry: Xen gives up the same way.
    return Gntst.general_error;
  }

  private pin(ref: number): Pin {
    let p = this.pins.get(ref);
    if (p === undefined) {
      p = { readers: 0, writers: 0 };
      this.pins.set(ref, p);
    }
    return p;
  }

  /** Clear the busy bits that no remaining pin needs. */
  private releaseFlags(ref: number): void {
    const addr = this.entryAddr(ref);
    if (addr === undefined) return;
    const p = this.pins.get(ref) ?? { readers: 0, writers: 0 };
    let clear = 0;
    if (p.writers === 0) clear |= Gtf.writing;
    if (p.readers === 0 && p.writers === 0) clear |= Gtf.reading;
    if (p.readers === 0 && p.writers === 0) this.pins.delete(ref);
    Atomics.and(this.u16, addr >>> 1, ~clear & 0xffff);
  }

  /** A backend maps grant `ref` (GNTTABOP_map_grant_ref with host_map). */
  map(ref: number, readonly: boolean, dom = HOST_DOMID): GrantMapping | Gntst {
    const got = this.acquire(ref, !readonly, dom);
    if (typeof got === 'number') return got;
    const p = this.pin(ref);
    if (readonly) p.readers++;
    else p.writers++;
    const handle = this.nextHandle++;
    this.maps.set(handle, { ref, readonly });
    return { handle, ref, readonly, addr: got.frame * PAGE_SIZE };
  }

  unmap(handle: number): Gntst {
    const m = this.maps.get(handle);
    if (m === undefined) return Gntst.bad_handle;
    this.maps.delete(handle);
    const p = this.pin(m.ref);
    if (m.readonly) p.readers--;
    else p.writers--;
    this.releaseFlags(m.ref);
    return Gntst.okay;
  }

  private checkCopy(offset: number, len: number): boolean {
    return Number.isInteger(offset) && Number.isInteger(len) && offset >= 0 && len >= 0 && offset + len <= PAGE_SIZE;
  }

  /** GNTTABOP_copy from a granted frame into host memory. */
  copyFrom(ref: number, offset: number, len: number, dom = HOST_DOMID): Uint8Array | Gntst {
    if (!this.checkCopy(offset, len)) return Gntst.bad_copy_arg;
    const got = this.acquire(ref, false, dom);
    if (typeof got === 'number') return got;
    const bytes = this.mem.readBytes(got.frame * PAGE_SIZE + offset, len);
    this.releaseFlags(ref);
    return bytes;
  }

  /** GNTTABOP_copy from host memory into a granted frame. */
  copyTo(ref: number, offset: number, data: Uint8Array, dom = HOST_DOMID): Gntst {
    if (!this.checkCopy(offset, data.length)) return Gntst.bad_copy_arg;
    const got = this.acquire(ref, true, dom);
    if (typeof got === 'number') return got;
    this.mem.writeBytes(got.frame * PAGE_SIZE + offset, data);
    this.releaseFlags(ref);
    return Gntst.okay;
  }

}
