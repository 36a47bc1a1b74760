/**
 * Linear -> physical translation and guest memory access for the CPU.
 *
 * A software TLB in typed arrays: TLB_SIZE direct-mapped entries per
 * privilege class (supervisor, user), indexed by the low bits of the linear
 * page number and tagged with the full page-aligned linear address (a double:
 * canonical 64-bit addresses are exact), so it covers 48-bit addresses
 * without a flat table. Each entry has separate tags for read, write and
 * execute; a tag is set only when that access is allowed without any side
 * effect, so the hit path is one compare. Everything else (misses, dirty-bit
 * updates, writes to pages holding decoded code, MMIO, page-crossing
 * accesses) goes through the slow path, which walks the page tables.
 */
import { type GuestMemory } from '../../memory/guest-memory.js';
import { CR0, CR4, EFER, type CpuState } from '../state.js';
import { FAULT, type PendingException, Vec } from '../exceptions.js';

export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;

export const Access = { READ: 0, WRITE: 1, EXEC: 2 } as const;

/** Page-fault error code bits. */
export const PfErr = { P: 1, W: 2, U: 4, RSVD: 8, I: 16 } as const;

const TWO32 = 4294967296;

/** What the MMU needs from its owner, besides state. */
export interface MmuHost {
  /** A guest store hit a physical page holding decoded code. */
  codeWritten(pageIndex: number): void;
  /** Non-RAM physical access: exit to the VMM (KVM_EXIT_MMIO) or complete a replayed one. */
  mmioRead(phys: number, len: number): number;
  mmioWrite(phys: number, len: number, lo: number, hi: number): void;
}

export class Mmu {
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly ramSize: number;
  /** Page-aligned linear address tags; NaN = empty. */
  readonly tagR = new Float64Array(TLB_SIZE * 2).fill(NaN);
  readonly tagW = new Float64Array(TLB_SIZE * 2).fill(NaN);
  readonly tagX = new Float64Array(TLB_SIZE * 2).fill(NaN);
  /** Physical address of the page for each entry. */
  readonly phys = new Float64Array(TLB_SIZE * 2);
  /** 1 where the entry is a global page (G bit with CR4.PGE): kept by flushNonGlobal. */
  readonly global = new Uint8Array(TLB_SIZE * 2);
  /** TLB_SIZE when CPL = 3, else 0: selects the user or supervisor half. */
  user = 0;
  /** One byte per physical page: 1 when decoded code was built from it. */
  readonly codePages: Uint8Array;
  /** Upper 32 bits of the last 64-bit read. */
  hi = 0;
  /** Statistics for the benchmark: page walks done. */
  walks = 0;

  /**
   * Data breakpoints (DR0-DR3 with DR7 R/W = 01 or 11), set by
   * system/debug-registers.ts. Pages they touch never get fast read/write
   * tags, so every access to them reaches the slow path, which records the
   * matching breakpoints in `watchHit` (DR6 B0-B3 bits) for the run loop.
   */
  watchN = 0;
  readonly watchLa = new Float64Array(4);
  readonly watchLen = new Int32Array(4);
  readonly watchWrite = new Uint8Array(4);
  readonly watchBit = new Int32Array(4);
  watchHit = 0;

  constructor(mem: GuestMemory, private readonly s: CpuState, private readonly exc: PendingException, private readonly host: MmuHost) {
    this.u8 = mem.u8;
    this.i32 = new Int32Array(mem.buffer, 0, mem.size >>> 2);
    this.ramSize = mem.size;
    this.codePages = new Uint8Array(mem.size >>> 12);
  }

  // ---- hot path ---------------------------------------------------------

  read8(la: number): number {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagR[idx] === la - off) return this.u8[this.phys[idx]! + off]!;
    return this.readSlow(la, 1, Access.READ);
  }

  read16(la: number): number {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagR[idx] === la - off && off < 0xfff) {
      const p = this.phys[idx]! + off;
      return this.u8[p]! | (this.u8[p + 1]! << 8);
    }
    return this.readSlow(la, 2, Access.READ);
  }

  read32(la: number): number {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagR[idx] === la - off && off < 0xffd) {
      const p = this.phys[idx]! + off;
      if ((p & 3) === 0) return this.i32[p >>> 2]!;
      const m = this.u8;
      return m[p]! | (m[p + 1]! << 8) | (m[p + 2]! << 16) | (m[p + 3]! << 24);
    }
    return this.readSlow(la, 4, Access.READ);
  }

  /** Returns the low half; the high half is left in this.hi. */
  read64(la: number): number {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagR[idx] === la - off && off < 0xff9) {
      const p = this.phys[idx]! + off;
      if ((p & 3) === 0) { this.hi = this.i32[(p >>> 2) + 1]!; return this.i32[p >>> 2]!; }
      const m = this.u8;
      this.hi = m[p + 4]! | (m[p + 5]! << 8) | (m[p + 6]! << 16) | (m[p + 7]! << 24);
      return m[p]! | (m[p + 1]! << 8) | (m[p + 2]! << 16) | (m[p + 3]! << 24);
    }
    return this.readSlow(la, 8, Access.READ);
  }

  write8(la: number, v: number): void {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagW[idx] === la - off) { this.u8[this.phys[idx]! + off] = v; return; }
    this.writeSlow(la, 1, v, 0);
  }

  write16(la: number, v: number): void {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagW[idx] === la - off && off < 0xfff) {
      const p = this.phys[idx]! + off;
      this.u8[p] = v; this.u8[p + 1] = v >> 8;
      return;
    }
    this.writeSlow(la, 2, v, 0);
  }

  write32(la: number, v: number): void {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagW[idx] === la - off && off < 0xffd) {
      const p = this.phys[idx]! + off;
      if ((p & 3) === 0) { this.i32[p >>> 2] = v; return; }
      const m = this.u8;
      m[p] = v; m[p + 1] = v >> 8; m[p + 2] = v >> 16; m[p + 3] = v >> 24;
      return;
    }
    this.writeSlow(la, 4, v, 0);
  }

  write64(la: number, lo: number, hi: number): void {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    if (this.tagW[idx] === la - off && off < 0xff9 && ((this.phys[idx]! + off) & 3) === 0) {
      const w = (this.phys[idx]! + off) >>> 2;
      this.i32[w] = lo; this.i32[w + 1] = hi;
      return;
    }
    this.writeSlow(la, 8, lo, hi);
  }

  /**
   * Check that [la, la+len) is writable (translating it, setting dirty bits)
   * without writing: instructions that must not fault halfway (push of a
   * far return frame, string ops) probe first.
   */
  probeWrite(la: number, len: number): void {
    this.translate(la, Access.WRITE);
    const last = la + len - 1;
    if ((last & ~0xfff) !== (la & ~0xfff) || Math.floor(last / 4096) !== Math.floor(la / 4096)) this.translate(last, Access.WRITE);
  }

  // ---- slow path --------------------------------------------------------

  private readSlow(la: number, len: number, access: number): number {
    if (this.watchN !== 0) this.checkWatch(la, len, false);
    const off = la & 0xfff;
    if (off + len > 0x1000) {
      // Crosses a page: translate both pages before reading anything.
      const p0 = this.translate(la, access);
      const p1 = this.translate(la - off + 0x1000, access);
      let lo = 0, hi = 0;
      for (let k = 0; k < len; k++) {
        const b = off + k < 0x1000 ? this.physRead8(p0 + k) : this.physRead8(p1 + (off + k - 0x1000));
        if (k < 4) lo |= b << (8 * k); else hi |= b << (8 * (k - 4));
      }
      this.hi = hi;
      return lo;
    }
    const p = this.translate(la, access);
    if (p + len > this.ramSize) {
      const v = this.host.mmioRead(p, len);
      return v;
    }
    const m = this.u8;
    if (len === 1) return m[p]!;
    if (len === 2) return m[p]! | (m[p + 1]! << 8);
    const lo = m[p]! | (m[p + 1]! << 8) | (m[p + 2]! << 16) | (m[p + 3]! << 24);
    if (len === 8) this.hi = m[p + 4]! | (m[p + 5]! << 8) | (m[p + 6]! << 16) | (m[p + 7]! << 24);
    return lo;
  }

  private checkWatch(la: number, len: number, write: boolean): void {
    for (let k = 0; k < this.watchN; k++) {
      if (!write && this.watchWrite[k] !== 0) continue;
      const a = this.watchLa[k]!;
      if (la < a + this.watchLen[k]! && a < la + len) this.watchHit |= this.watchBit[k]!;
    }
  }

  private watched(page: number): boolean {
    for (let k = 0; k < this.watchN; k++) {
      const a = this.watchLa[k]!;
      if (a < page + 4096 && page < a + this.watchLen[k]!) return true;
    }
    return false;
  }

  private physRead8(p: number): number {
    if (p >= this.ramSize) return this.host.mmioRead(p, 1) & 0xff;
    return this.u8[p]!;
  }

  private writeSlow(la: number, len: number, lo: number, hi: number): void {
    if (this.watchN !== 0) this.checkWatch(la, len, true);
    const off = la & 0xfff;
    if (off + len > 0x1000) {
      const p0 = this.translate(la, Access.WRITE);
      const p1 = this.translate(la - off + 0x1000, Access.WRITE);
      for (let k = 0; k < len; k++) {
        const b = (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
        this.physWrite8(off + k < 0x1000 ? p0 + k : p1 + (off + k - 0x1000), b);
      }
      return;
    }
    const p = this.translate(la, Access.WRITE);
    if (p + len > this.ramSize) { this.host.mmioWrite(p, len, lo, hi); return; }
    const page = p >>> 12;
    if (this.codePages[page] !== 0) this.host.codeWritten(page);
    const m = this.u8;
    for (let k = 0; k < len; k++) m[p + k] = k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4));
  }

  private physWrite8(p: number, b: number): void {
    if (p >= this.ramSize) { this.host.mmioWrite(p, 1, b, 0); return; }
    const page = p >>> 12;
    if (this.codePages[page] !== 0) this.host.codeWritten(page);
    this.u8[p] = b;
  }

  /** Physical address of `la` for `access` at the current CPL; fills the TLB or raises #PF. */
  translate(la: number, access: number): number {
    const idx = ((la >>> 12) & TLB_MASK) | this.user;
    const off = la & 0xfff;
    const page = la - off;
    const tag = access === Access.READ ? this.tagR : access === Access.WRITE ? this.tagW : this.tagX;
    if (tag[idx] === page) return this.phys[idx]! + off;
    return this.walk(la, access, idx, page) + off;
  }

  /** Instruction fetch: physical address of the code at linear `la`. */
  translateExec(la: number): number {
    return this.translate(la, Access.EXEC);
  }

  // ---- page walk --------------------------------------------------------

  /**
   * Walk the page tables for `la`, check the access, set A/D bits, fill the
   * TLB entry and return the physical page address.
   */
  private walk(la: number, access: number, idx: number, page: number): number {
    const s = this.s;
    const user = this.user !== 0;
    const write = access === Access.WRITE;
    this.walks++;
    let physPage: number;
    let writable = true, userOk = true, nx = false;
    /** The leaf entry's G bit (bit 8), honoured only with CR4.PGE. */
    let global = 0;
    let dirty = true;
    if ((s.cr0 & CR0.PG) === 0) {
      physPage = (la >>> 0) - (la & 0xfff);
    } else if ((s.cr4 & CR4.PAE) === 0) {
      // 32-bit paging: 10/10/12, 4 MiB pages with CR4.PSE.
      const lin = la >>> 0;
      const pdeAddr = (s.cr3 & 0xfffff000) + ((lin >>> 22) << 2);
      const pde = this.pteRead(pdeAddr);
      if ((pde & 1) === 0) this.pageFault(la, access, false);
      writable = (pde & 2) !== 0; userOk = (pde & 4) !== 0;
      if ((pde & 0x80) !== 0 && (s.cr4 & CR4.PSE) !== 0) {
        // PSE-36 gives bits 13-20 as physical address bits 32-39 (MAXPHYADDR 40): bit 21 is reserved.
        if ((pde & PSE_PDE_RSVD) !== 0) this.pageFault(la, access, true);
        this.checkAccess(la, access, writable, userOk, false);
        global = pde & 0x100;
        let e = pde | 0x20;
        if (write) e |= 0x40;
        dirty = (e & 0x40) !== 0;
        if (e !== pde) this.pteWrite(pdeAddr, e);
        // PSE-36: PDE bits 13-20 are physical address bits 32-39.
        physPage = ((pde >>> 22) << 22 >>> 0) + ((pde >>> 13) & 0xff) * TWO32 + (lin & 0x3ff000);
      } else {
        const pteAddr = (pde & 0xfffff000) + (((lin >>> 12) & 0x3ff) << 2);
        const pte = this.pteRead(pteAddr);
        if ((pte & 1) === 0) this.pageFault(la, access, false);
        writable = writable && (pte & 2) !== 0; userOk = userOk && (pte & 4) !== 0;
        this.checkAccess(la, access, writable, userOk, false);
        if ((pde & 0x20) === 0) this.pteWrite(pdeAddr, pde | 0x20);
        let e = pte | 0x20;
        if (write) e |= 0x40;
        dirty = (e & 0x40) !== 0;
        if (e !== pte) this.pteWrite(pteAddr, e);
        physPage = (pte & 0xfffff000) >>> 0;
        global = pte & 0x100;
      }
    } else {
      const nxe = (s.efer & EFER.NXE) !== 0;
      const long = (s.efer & EFER.LMA) !== 0;
      const lo = la >>> 0;
      const hiBits = Math.floor(la / TWO32); // signed high half (canonical)
      let tableAddr: number;
      let levels: number;
      const entryAddrs = ENTRY_ADDRS;
      // Physical address bits above MAXPHYADDR (40) are reserved, and so is XD (bit 63) without EFER.NXE.
      const rsvdHi = nxe ? PHYS_HI_RSVD : PHYS_HI_RSVD | 0x80000000;
      let n = 0;
      if (long) {
        const pml4Addr = floorPage(s.cr3) + (((hiBits >>> 7) & 0x1ff) * 8);
        const e = this.pteRead64(pml4Addr);
        if ((e & 1) === 0) this.pageFault(la, access, false);
        if ((e & 0x80) !== 0 || (this.hi & rsvdHi) !== 0) this.pageFault(la, access, true);
        writable = (e & 2) !== 0; userOk = (e & 4) !== 0; nx = nxe && this.hi < 0;
        entryAddrs[n++] = pml4Addr;
        const pdptAddr = entryPhys(e, this.hi) + ((((hiBits & 0x7f) << 2) | (lo >>> 30)) * 8);
        tableAddr = pdptAddr;
        levels = 3;
      } else {
        // PAE: the four PDPTEs (loaded from CR3; we read them at walk time).
        const pdpteAddr = (s.cr3 & 0xffffffe0) + ((lo >>> 30) * 8);
        const e = this.pteRead64(pdpteAddr);
        if ((e & 1) === 0) this.pageFault(la, access, false);
        if ((e & PAE_PDPTE_RSVD) !== 0 || (this.hi & PHYS_HI_RSVD) !== 0) this.pageFault(la, access, true);
        tableAddr = entryPhys(e, this.hi) + (((lo >>> 21) & 0x1ff) * 8);
        levels = 2;
      }
      let leaf = 0, leafHi = 0, leafAddr = 0, pageBits = 12;
      for (let lvl = levels; lvl >= 1; lvl--) {
        const e = this.pteRead64(tableAddr);
        const eHi = this.hi;
        if ((e & 1) === 0) this.pageFault(la, access, false);
        if ((eHi & rsvdHi) !== 0) this.pageFault(la, access, true);
        writable = writable && (e & 2) !== 0; userOk = userOk && (e & 4) !== 0; nx = nx || (nxe && eHi < 0);
        if (lvl === 1 || (e & 0x80) !== 0) {
          // No 1 GiB pages (CPUID does not advertise them): PS in a PDPTE is reserved; a 2 MiB leaf reserves bits 13-20.
          if (lvl === 3 || (lvl === 2 && (e & LARGE_2M_RSVD) !== 0)) this.pageFault(la, access, true);
          leaf = e; leafHi = eHi; leafAddr = tableAddr; pageBits = lvl === 1 ? 12 : lvl === 2 ? 21 : 30;
          global = e & 0x100;
          break;
        }
        entryAddrs[n++] = tableAddr;
        const next = entryPhys(e, eHi);
        tableAddr = next + (lvl === 3 ? ((lo >>> 21) & 0x1ff) * 8 : ((lo >>> 12) & 0x1ff) * 8);
      }
      this.checkAccess(la, access, writable, userOk, nx);
      for (let k = 0; k < n; k++) {
        const a = entryAddrs[k]!;
        const v = this.pteRead(a);
        if ((v & 0x20) === 0) this.pteWrite(a, v | 0x20);
      }
      let e = leaf | 0x20;
      if (write) e |= 0x40;
      dirty = (e & 0x40) !== 0;
      if (e !== leaf) this.pteWrite(leafAddr, e);
      const base = entryPhys(leaf, leafHi);
      if (pageBits === 12) physPage = base;
      else {
        const sizeMask = pageBits === 21 ? 0x1fffff : 0x3fffffff;
        const b = base - (base % (sizeMask + 1)); // drop PAT/reserved low bits
        physPage = b + ((lo & sizeMask) - (lo & 0xfff));
      }
    }
    // Fill the TLB. A tag is set only where that access needs no slow-path work.
    this.phys[idx] = physPage;
    this.global[idx] = global !== 0 && (s.cr4 & CR4.PGE) !== 0 ? 1 : 0;
    const ram = physPage + 0x1000 <= this.ramSize;
    if (!ram) { this.tagR[idx] = NaN; this.tagW[idx] = NaN; this.tagX[idx] = NaN; return physPage; }
    if (this.watchN !== 0 && this.watched(page)) {
      this.tagR[idx] = NaN; this.tagW[idx] = NaN; this.tagX[idx] = (userOk || !user) && !nx ? page : NaN;
      return physPage;
    }
    this.tagR[idx] = userOk || !user ? page : NaN;
    this.tagX[idx] = (userOk || !user) && !nx ? page : NaN;
    const canWrite = (writable || (!user && (s.cr0 & CR0.WP) === 0)) && (userOk || !user);
    this.tagW[idx] = canWrite && dirty && this.codePages[physPage / 4096]! === 0 ? page : NaN;
    return physPage;
  }

  private checkAccess(la: number, access: number, writable: boolean, userOk: boolean, nx: boolean): void {
    const user = this.user !== 0;
    if (user && !userOk) this.pageFault(la, access, false, true);
    if (access === Access.WRITE && !writable && (user || (this.s.cr0 & CR0.WP) !== 0)) this.pageFault(la, access, false, true);
    if (access === Access.EXEC && nx) this.pageFault(la, access, false, true);
  }

  private pageFault(la: number, access: number, rsvd: boolean, present = false): never {
    const s = this.s;
    let err = present || rsvd ? PfErr.P : 0;
    if (access === Access.WRITE) err |= PfErr.W;
    if (this.user !== 0) err |= PfErr.U;
    if (rsvd) err |= PfErr.RSVD;
    if (access === Access.EXEC && ((s.efer & EFER.NXE) !== 0 || (s.cr4 & CR4.SMEP) !== 0) && (s.cr4 & CR4.PAE) !== 0) err |= PfErr.I;
    s.cr2 = la;
    this.exc.vector = Vec.PF;
    this.exc.error = err;
    this.exc.hasError = true;
    throw FAULT;
  }

  private pteRead(addr: number): number {
    if (addr + 4 > this.ramSize) return 0;
    return (this.u8[addr]! | (this.u8[addr + 1]! << 8) | (this.u8[addr + 2]! << 16) | (this.u8[addr + 3]! << 24));
  }

  private pteRead64(addr: number): number {
    if (addr + 8 > this.ramSize) { this.hi = 0; return 0; }
    const m = this.u8;
    this.hi = m[addr + 4]! | (m[addr + 5]! << 8) | (m[addr + 6]! << 16) | (m[addr + 7]! << 24);
    return m[addr]! | (m[addr + 1]! << 8) | (m[addr + 2]! << 16) | (m[addr + 3]! << 24);
  }

  private pteWrite(addr: number, v: number): void {
    if (addr + 4 > this.ramSize) return;
    const page = addr >>> 12;
    if (this.codePages[page] !== 0) this.host.codeWritten(page);
    const m = this.u8;
    m[addr] = v; m[addr + 1] = v >> 8; m[addr + 2] = v >> 16; m[addr + 3] = v >> 24;
  }

  // ---- maintenance ------------------------------------------------------

  /**
   * Bumped on every flush, and by the CPU on mode and CPL changes: chained
   * decoded blocks (Block.next*) embody a translation and are followed only
   * while the generation they were linked in is current.
   */
  generation = 0;

  /**
   * A CR3 write with CR4.PGE: drop every translation except global ones
   * (a guest kernel's own mappings survive its address-space switches).
   */
  flushNonGlobal(): void {
    this.generation++;
    const g = this.global;
    for (let k = 0; k < g.length; k++) {
      if (g[k] === 0) { this.tagR[k] = NaN; this.tagW[k] = NaN; this.tagX[k] = NaN; }
    }
  }

  flushAll(): void {
    this.generation++;
    this.tagR.fill(NaN); this.tagW.fill(NaN); this.tagX.fill(NaN);
  }

  /** INVLPG: drop the entries for the page of `la` (both privilege halves). */
  flushPage(la: number): void {
    this.generation++;
    const idx = (la >>> 12) & TLB_MASK;
    for (const k of [idx, idx | TLB_SIZE]) { this.tagR[k] = NaN; this.tagW[k] = NaN; this.tagX[k] = NaN; }
  }

  /** A physical page now holds decoded code: stores to it must take the slow path. */
  protectCodePage(page: number): void {
    if (this.codePages[page] !== 0) return;
    this.codePages[page] = 1;
    const base = page * 4096;
    for (let k = 0; k < this.phys.length; k++) if (this.phys[k] === base) this.tagW[k] = NaN;
  }

  setUser(cpl3: boolean): void {
    this.user = cpl3 ? TLB_SIZE : 0;
  }
}

/** Reserved bits of paging entries (MAXPHYADDR = 40, CPUID 0x80000008). High dword: bits 40-51. */
const PHYS_HI_RSVD = 0x000fff00;
/** A PAE PDPTE: bits 1, 2, 5-8 are reserved. */
const PAE_PDPTE_RSVD = 0x1e6;
/** A 2 MiB leaf: bits 13-20 (bit 12 is PAT). */
const LARGE_2M_RSVD = 0x1fe000;
/** A 4 MiB PDE under 32-bit paging with PSE-36: bit 21. */
const PSE_PDE_RSVD = 0x200000;

/** Scratch for the addresses of non-leaf entries of one walk (A bits are set after the checks pass). */
const ENTRY_ADDRS = new Float64Array(4);

function entryPhys(lo: number, hi: number): number {
  return (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0);
}

function floorPage(x: number): number {
  return x - (x % 4096);
}
