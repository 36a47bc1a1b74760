/**
 * The 2-level event-channel ABI's bits in guest memory: shared_info's
 * evtchn_pending and evtchn_mask bitmaps (one bit per port, little-endian
 * words, so bit N is bit N%8 of byte N/8 whatever the word size) and each
 * vcpu_info's evtchn_pending_sel and evtchn_upcall_pending.
 *
 * The guest changes the same bytes concurrently (from another vCPU thread
 * under KVM), so every read-modify-write is an atomic byte operation, as
 * Xen's are atomic word operations.
 *
 * These atomics go straight to the shared buffer and so do not call
 * GuestMemory's onHostWrite listeners, which exist so the CPU drops decoded
 * code that host writes replace. They need not, for three reasons:
 *  - The bytes are only ever event-channel state: evtchn_pending/mask in
 *    shared_info (a frame the host owns) and evtchn_pending_sel and
 *    evtchn_upcall_pending/mask inside a vcpu_info. No instruction emu or a
 *    PV kernel runs is fetched from them; a guest that jumps into its own
 *    event bitmaps executes data it cannot predict whichever bytes it sees.
 *  - On Xen these writes come from another physical CPU at times the guest
 *    cannot know: for the guest they are cross-modifying code, which the SDM
 *    (vol. 3A, "Handling Self- and Cross-Modifying Code") leaves undefined
 *    without a synchronisation the guest has no way to perform here. Running
 *    the older bytes is an outcome real hardware allows too.
 *  - The only effect of stale decoded code is on that guest's own execution:
 *    no host state depends on it.
 * Notifying would also need a public notify entry in GuestMemory (its
 * listener call is private) and a call per event on the delivery path.
 */
import type { GuestArch } from '../../abi/layout.js';
import { sharedInfo, vcpuInfo } from '../../abi/xen/shared-info.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { layoutOf } from '../common/struct-view.js';

export class PendingBits {
  private readonly u8: Uint8Array;
  private readonly pendingOff: number;
  private readonly maskOff: number;
  private readonly selOff: number;
  private readonly upcallPendingOff: number;
  private readonly upcallMaskOff: number;
  /** log2 of the bits in a guest word: ports per pending_sel bit. */
  readonly wordShift: number;

  constructor(mem: GuestMemory, arch: GuestArch) {
    this.u8 = mem.u8;
    const si = layoutOf(sharedInfo, arch);
    const vi = layoutOf(vcpuInfo, arch);
    this.pendingOff = si.offset('evtchn_pending');
    this.maskOff = si.offset('evtchn_mask');
    this.selOff = vi.offset('evtchn_pending_sel');
    this.upcallPendingOff = vi.offset('evtchn_upcall_pending');
    this.upcallMaskOff = vi.offset('evtchn_upcall_mask');
    this.wordShift = arch === 'x86_64' ? 6 : 5;
  }

  private testAndSet(byteAddr: number, bit: number): boolean {
    const m = 1 << bit;
    return (Atomics.or(this.u8, byteAddr, m) & m) !== 0;
  }
  private testAndClear(byteAddr: number, bit: number): boolean {
    const m = 1 << bit;
    return (Atomics.and(this.u8, byteAddr, ~m & 0xff) & m) !== 0;
  }
  private test(byteAddr: number, bit: number): boolean {
    return (Atomics.load(this.u8, byteAddr) & (1 << bit)) !== 0;
  }

  /** Set the pending bit; true if it was already set. */
  testAndSetPending(si: number, port: number): boolean {
    return this.testAndSet(si + this.pendingOff + (port >>> 3), port & 7);
  }
  clearPending(si: number, port: number): void {
    this.testAndClear(si + this.pendingOff + (port >>> 3), port & 7);
  }
  isPending(si: number, port: number): boolean {
    return this.test(si + this.pendingOff + (port >>> 3), port & 7);
  }
  isMasked(si: number, port: number): boolean {
    return this.test(si + this.maskOff + (port >>> 3), port & 7);
  }
  setMask(si: number, port: number): void {
    this.testAndSet(si + this.maskOff + (port >>> 3), port & 7);
  }
  /** Clear the mask bit; true if it was set. */
  testAndClearMask(si: number, port: number): boolean {
    return this.testAndClear(si + this.maskOff + (port >>> 3), port & 7);
  }

  /** Set the selector bit for `port`'s word in vcpu_info; true if it was already set. */
  testAndSetSelector(vi: number, port: number): boolean {
    const word = port >>> this.wordShift;
    return this.testAndSet(vi + this.selOff + (word >>> 3), word & 7);
  }
  /** Set every selector bit (after vcpu_info moves: "rescan everything"). */
  setAllSelectors(vi: number): void {
    const bytes = 1 << (this.wordShift - 3);
    for (let i = 0; i < bytes; i++) Atomics.store(this.u8, vi + this.selOff + i, 0xff);
  }
  /** Set evtchn_upcall_pending; true if it was already set. */
  testAndSetUpcallPending(vi: number): boolean {
    return Atomics.exchange(this.u8, vi + this.upcallPendingOff, 1) !== 0;
  }
  upcallPending(vi: number): boolean {
    return Atomics.load(this.u8, vi + this.upcallPendingOff) !== 0;
  }
  upcallMasked(vi: number): boolean {
    return Atomics.load(this.u8, vi + this.upcallMaskOff) !== 0;
  }
  setUpcallMask(vi: number, masked: boolean): void {
    Atomics.store(this.u8, vi + this.upcallMaskOff, masked ? 1 : 0);
  }
}
