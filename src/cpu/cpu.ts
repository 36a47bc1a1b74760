/**
 * The software vCPU: state, MMU, decoded-block cache and the run loop,
 * implementing the KVM-shaped contract of contract.ts.
 *
 * The run loop executes decoded blocks: find the block for (physical RIP,
 * code size), then call each instruction's handler with RIP already advanced
 * past it. A fault throws the FAULT sentinel out of the handler; the loop
 * rewinds RIP to the faulting instruction (handlers never leave partial
 * state) and delivers the exception. Handlers that need the loop's attention
 * (an exit, a mode change, self-modifying code) set `brk`.
 */
import { GuestMemory } from '../memory/guest-memory.js';
import {
  CPUID_FLAG_SIGNIFICANT_INDEX, type CpuidEntry, ExitReason, IoDirection, type Vcpu, type VcpuExit, type VcpuRegs,
  type VcpuSegment, type VcpuSregs,
} from './contract.js';
import { Block, BlockCache, blockKey, Brk, MAX_BLOCK_INSNS } from './block-cache.js';
import { compileBlock, isPure } from './block-compiler.js';
import { decode, NEED_MORE } from './decoder/decoder.js';
import { Insn } from './decoder/insn.js';
import { bind, udHandler } from './exec/dispatch.js';
import { EXIT, FAULT, PendingException, Vec } from './exceptions.js';
import { getFlags, LF, setArithFlags } from './flags.js';
import { deliverInterrupt } from './interrupts.js';
import { Mmu, type MmuHost } from './mmu/mmu.js';
import { CodeSize, CpuState, CR0, EFER, F, RFLAGS_WRITABLE, Seg, SegAttr } from './state.js';
import { defaultCpuid } from './cpuid.js';
import { readMsr, writeMsr } from './msr.js';
import { DR6, instructionBreakpoints } from './system/debug-registers.js';
import { refreshSegCheck, refreshSegChecks } from './seg-limits.js';
import { Fpu } from './fpu/fpu.js';

const TWO64 = 18446744073709551616n;

export interface CpuOptions {
  /**
   * Compile a block after it ran this many times interpreted; 0 disables the
   * block compiler (pure interpreter, e.g. for benchmarks of the interpreter).
   */
  compileThreshold?: number;
}

export const DEFAULT_COMPILE_THRESHOLD = 64;
const TWO32 = 4294967296;

export class Cpu implements Vcpu, MmuHost {
  readonly s = new CpuState();
  /** Shortcuts to s.lo / s.hi for handlers. */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Shortcut to s.segBase. */
  readonly sb: Float64Array;
  /** Shortcut to s.segChk (seg-limits.ts). */
  readonly sc: Uint8Array;
  /**
   * The highest offset code may be fetched from or jumped to: the CS limit
   * in protected, virtual-8086 and compatibility mode, Infinity where none
   * applies (real mode, 64-bit mode, a 4 GiB CS). Set by updateMode.
   */
  csLimit = Infinity;
  /** Lazy flags (flags.ts). */
  readonly lf = new Int32Array(8);
  readonly exc = new PendingException();
  /** x87 (and the SSE state FXSAVE carries): fpu/fpu.ts. */
  readonly fpu = new Fpu();
  readonly m: Mmu;
  readonly cache = new BlockCache();
  readonly exit: VcpuExit;

  /** Debug registers DR0-DR7 (low 32 bits; system/debug-registers.ts decodes DR7). */
  readonly dr = new Int32Array(8);
  /** DR0-DR3 that are enabled instruction breakpoints (bit n = DRn). */
  drExec = 0;
  /** Some breakpoint is enabled: run one instruction at a time through debugStep. */
  drActive = false;
  /** drActive or EFLAGS.TF (see refreshDebugMode). */
  private debugMode = false;
  /** High half of a 64-bit result (handlers' second return value). */
  rh = 0;
  /**
   * Start address of the faulting instruction: set by the run loop when a
   * fault unwinds, and by handlers that deliver or restart from inside
   * (INT n, string instructions) as `s.rip - i.len`.
   */
  curIp = 0;
  /**
   * Set by a handler when the loop must leave the current block: Brk.TAKEN
   * after a taken conditional branch inside a block (chaining continues),
   * Brk.STOP for everything else (exits, mode changes, self-modifying code).
   */
  brk: number = Brk.NONE;
  /** Exit requested by the instruction that set `brk` (0: none). */
  exitReason = 0;

  /** Port input waiting for the VMM's data (KVM completion semantics). */
  ioInPending = false;
  /** MMIO access completed by the VMM, replayed when the instruction restarts. */
  mmioPending = false;
  mmioPendingPhys = 0;

  private pendingIrqVector = -1;
  private pendingNmiFlag = false;
  private irqWindowRequested = false;
  /** Something for the run loop to look at between blocks (pending interrupt, NMI, window request). */
  private attention = false;
  nmiBlocked = false;
  /** Interrupts are inhibited until after the next instruction (STI, MOV SS). */
  intShadow = false;
  halted = false;

  private retired = 0;
  private cpuid: CpuidEntry[] = defaultCpuid();
  /** The CPUID profile is AMD's: selects the vendor's behaviour where Intel and AMD differ (fast system calls, VMCALL/VMMCALL). */
  amd = false;
  /** Scratch buffer for decoding an instruction that straddles two pages. */
  private readonly straddle = new Uint8Array(32);

  /** Index in its block of the instruction a compiled block faulted in. */
  faultIndex = 0;
  /** Interpreted runs after which a block is compiled (0: never; see block-compiler.ts). */
  readonly compileThreshold: number;

  constructor(readonly memory: GuestMemory, options: CpuOptions = {}) {
    this.compileThreshold = options.compileThreshold ?? DEFAULT_COMPILE_THRESHOLD;
    this.lo = this.s.lo;
    this.hi = this.s.hi;
    this.sb = this.s.segBase;
    this.sc = this.s.segChk;
    this.m = new Mmu(memory, this.s, this.exc, this);
    const data = new Uint8Array(4096);
    this.exit = {
      reason: ExitReason.Intr,
      io: { direction: IoDirection.Out, size: 1, port: 0, count: 1, data },
      mmio: { physAddr: 0, len: 0, isWrite: false, data: new Uint8Array(8) },
      internal: { message: '' },
    };
    memory.onHostWrite((paddr, length) => this.hostWrote(paddr, length));
    this.resetToRealMode();
  }

  get instructionsRetired(): number { return this.retired; }

  get pendingIrq(): number { return this.pendingIrqVector; }
  set pendingIrq(v: number) { this.pendingIrqVector = v; this.updateAttention(); }
  get pendingNmi(): boolean { return this.pendingNmiFlag; }
  set pendingNmi(v: boolean) { this.pendingNmiFlag = v; this.updateAttention(); }
  get requestInterruptWindow(): boolean { return this.irqWindowRequested; }
  set requestInterruptWindow(v: boolean) { this.irqWindowRequested = v; this.updateAttention(); }

  private updateAttention(): void {
    this.attention = this.pendingNmiFlag || this.pendingIrqVector >= 0 || this.irqWindowRequested || this.debugMode;
  }

  /**
   * EFLAGS.TF or an enabled breakpoint puts the loop in debug mode. Every
   * way TF can change ends the block (POPF sets Brk.STOP; IRET, SYSRET,
   * task switches and exception delivery go through updateMode), so this
   * is recomputed only there, and the hot loop pays nothing for it.
   */
  refreshDebugMode(): void {
    const d = this.drActive || (this.s.flags & F.TF) !== 0;
    if (d !== this.debugMode) { this.debugMode = d; this.updateAttention(); }
  }

  get readyForInterruptInjection(): boolean {
    return (this.s.flags & F.IF) !== 0 && !this.intShadow;
  }

  // ---- run loop ---------------------------------------------------------

  run(budget: number): ExitReason {
    const s = this.s;
    let left = budget;
    let prev: Block | null = null;
    this.exitReason = 0;
    for (;;) {
      if (this.attention) {
        prev = null;
        const r = this.checkInterrupts();
        if (r !== 0) return this.finish(r);
        // Single stepping or breakpoints: one instruction at a time, behind the attention flag.
        if (this.debugMode) {
          if (left <= 0) return this.finish(ExitReason.Intr);
          left--;
          const d = this.debugStep();
          if (d !== 0) return this.finish(d);
          continue;
        }
      }
      if (left <= 0) return this.finish(ExitReason.Intr);
      let block: Block | null = null;
      // Follow the chain from the previous block when nothing invalidated it.
      if (prev !== null && prev.chainGen === this.m.generation) {
        const rip = s.rip;
        if (prev.nextRip0 === rip) block = prev.next0;
        else if (prev.nextRip1 === rip) block = prev.next1;
        if (block !== null && !block.valid) block = null;
      }
      if (block === null) {
        try {
          block = this.currentBlock();
        } catch (e) {
          // A fetch fault retires nothing; charge it to the budget so that a
          // guest stuck in a loop of faults still returns to the VMM.
          left--;
          const r = this.onThrow(e);
          if (r !== 0) return this.finish(r);
          prev = null;
          continue;
        }
        if (prev !== null) this.link(prev, block);
      }
      const insns = block.insns;
      let n = insns.length < left ? insns.length : left;
      const ip0 = s.rip;
      if (ip0 + insns[n - 1]!.end - 1 > this.csLimit) {
        // The block runs past the CS limit: run what fits; the first instruction that does not is #GP(0).
        n = this.fitCsLimit(insns, ip0, n);
        if (n === 0) {
          left--;
          prev = null;
          const r = this.csLimitFault(ip0);
          if (r !== 0) return this.finish(r);
          continue;
        }
      }
      const compiled = n === insns.length ? block.compiled : null;
      let k = 0;
      try {
        if (compiled !== null) {
          k = compiled(this, s);
        } else {
          // RIP is brought up to date only before instructions that need it (Insn.pure).
          let lastPure = false;
          for (; k < n; k++) {
            const i = insns[k]!;
            if (i.pure) { i.h(this, i); lastPure = true; continue; }
            s.rip = ip0 + i.end;
            lastPure = false;
            i.h(this, i);
            if (this.brk !== Brk.NONE) { k++; break; }
          }
          if (lastPure) s.rip = ip0 + insns[k - 1]!.end;
          if (++block.runs === this.compileThreshold) block.compiled = compileBlock(block);
        }
      } catch (e) {
        if (compiled !== null) k = this.faultIndex;
        else s.rip = ip0 + insns[k]!.end;
        // RIP still points after the faulting instruction (handlers change it only once nothing can fault).
        this.curIp = s.rip - insns[k]!.len;
        this.retired += k;
        left -= k + 1; // the faulting instruction is charged too (see the fetch-fault case)
        prev = null;
        const r = this.onThrow(e);
        if (r !== 0) return this.finish(r);
        continue;
      }
      this.retired += k;
      left -= k;
      prev = block;
      if (this.brk !== Brk.NONE) {
        const stop = this.brk === Brk.STOP;
        this.brk = Brk.NONE;
        if (!stop) continue;
        prev = null;
        this.refreshDebugMode(); // POPF may have set TF
        if (this.exitReason !== 0) {
          const r = this.exitReason;
          this.exitReason = 0;
          return this.finish(r as ExitReason);
        }
      }
    }
  }

  /**
   * Execute one instruction with the debug checks: an enabled instruction
   * breakpoint at CS:RIP raises #DB before it (a fault, unless EFLAGS.RF);
   * after it, data breakpoints it hit and the single-step trap (TF set when
   * it began, not after MOV SS/POP SS) raise one #DB trap with their DR6 bits.
   */
  private debugStep(): ExitReason | 0 {
    const s = this.s;
    const tf = (s.flags & F.TF) !== 0;
    const rf = (s.flags & F.RF) !== 0;
    if (this.drExec !== 0 && !rf) {
      const la = s.codeSize === CodeSize.Bits64 ? s.rip : (s.segBase[Seg.CS]! + s.rip) >>> 0;
      const hit = instructionBreakpoints(this, la);
      if (hit !== 0) {
        this.curIp = s.rip;
        this.dr[6] = (this.dr[6]! & ~0xf) | hit | DR6.RESERVED_ONES;
        return this.raise(Vec.DB, false, 0);
      }
    }
    let block: Block;
    try {
      block = this.currentBlock();
    } catch (e) {
      return this.onThrow(e);
    }
    const i = block.insns[0]!;
    const ip0 = s.rip;
    if (ip0 + i.end - 1 > this.csLimit) return this.csLimitFault(ip0);
    this.m.watchHit = 0;
    try {
      s.rip = ip0 + i.end;
      i.h(this, i);
    } catch (e) {
      this.curIp = ip0;
      this.m.watchHit = 0;
      return this.onThrow(e);
    }
    this.retired++;
    if (rf) s.flags &= ~F.RF;
    const movSs = i.map === 0 && ((i.opc === 0x8e && (i.reg & 7) === Seg.SS) || i.opc === 0x17);
    const bits = this.m.watchHit | (tf && !movSs ? DR6.BS : 0);
    this.m.watchHit = 0;
    const exit = this.brk === Brk.STOP ? this.exitReason : 0;
    this.brk = Brk.NONE;
    this.exitReason = 0;
    if (bits !== 0) {
      this.dr[6] = (this.dr[6]! & ~0xf) | bits | DR6.RESERVED_ONES;
      this.curIp = s.rip;
      const r = this.raise(Vec.DB, false, 0);
      if (r !== 0) return r;
    }
    this.refreshDebugMode();
    return exit as ExitReason | 0;
  }

  /** Remember `next` as a successor of `prev` (two slots: fall-through and taken). */
  private link(prev: Block, next: Block): void {
    if (prev.chainGen !== this.m.generation) {
      prev.chainGen = this.m.generation;
      prev.next0 = null; prev.nextRip0 = NaN; prev.next1 = null; prev.nextRip1 = NaN;
    }
    const rip = this.s.rip;
    if (prev.next0 === null) { prev.next0 = next; prev.nextRip0 = rip; }
    else { prev.next1 = next; prev.nextRip1 = rip; }
  }

  private finish(r: ExitReason): ExitReason {
    this.exit.reason = r;
    return r;
  }

  /** A FAULT or EXIT came out of an instruction. Returns an exit reason, or 0 to go on. */
  /** How many of the block's first n instructions end within the CS limit. */
  private fitCsLimit(insns: readonly Insn[], ip0: number, n: number): number {
    let k = 0;
    while (k < n && ip0 + insns[k]!.end - 1 <= this.csLimit) k++;
    return k;
  }

  /** #GP(0) for an instruction at `ip` that reaches beyond the CS limit. */
  private csLimitFault(ip: number): ExitReason | 0 {
    this.curIp = ip;
    this.exc.vector = Vec.GP; this.exc.hasError = true; this.exc.error = 0;
    return this.onThrow(FAULT);
  }

  private onThrow(e: unknown): ExitReason | 0 {
    this.s.rip = this.curIp;
    this.brk = Brk.NONE;
    if (e === EXIT) {
      const r = this.exitReason as ExitReason;
      this.exitReason = 0;
      return r;
    }
    if (e !== FAULT) {
      this.exit.internal.message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return ExitReason.InternalError;
    }
    return this.raise(this.exc.vector, this.exc.hasError, this.exc.error);
  }

  /** Deliver an exception (with the double/triple-fault rules). Returns Shutdown on a triple fault. */
  raise(vector: number, hasError: boolean, error: number): ExitReason | 0 {
    return deliverInterrupt(this, vector, hasError, error, false, false);
  }

  private checkInterrupts(): ExitReason | 0 {
    if (this.intShadow) { this.intShadow = false; return 0; }
    this.curIp = this.s.rip;
    if (this.pendingNmi && !this.nmiBlocked) {
      this.pendingNmi = false;
      this.nmiBlocked = true;
      this.halted = false;
      return deliverInterrupt(this, Vec.NMI, false, 0, false, true);
    }
    if ((this.s.flags & F.IF) === 0) return 0;
    if (this.pendingIrq >= 0) {
      const v = this.pendingIrq;
      this.pendingIrq = -1;
      this.halted = false;
      return deliverInterrupt(this, v, false, 0, false, true);
    }
    if (this.requestInterruptWindow) return ExitReason.IrqWindowOpen;
    return 0;
  }

  /** The block at CS:RIP, decoding it if needed. May throw FAULT (#PF/#GP on fetch). */
  private currentBlock(): Block {
    const s = this.s;
    const cs = s.codeSize;
    let rip = s.rip;
    if (cs !== CodeSize.Bits64) {
      rip = cs === CodeSize.Bits32 ? rip >>> 0 : rip & 0xffff;
      s.rip = rip;
    }
    const la = cs === CodeSize.Bits64 ? rip : (s.segBase[Seg.CS]! + rip) >>> 0;
    this.curIp = rip;
    const phys = this.m.translateExec(la);
    const key = blockKey(phys, cs);
    const b = this.cache.lookup(key);
    if (b !== null) return b;
    return this.decodeBlock(la, phys, cs, key);
  }

  private decodeBlock(la: number, phys: number, cs: number, key: number): Block {
    const u8 = this.m.u8;
    if (phys >= this.m.ramSize) throw this.internal(`instruction fetch from non-RAM physical address 0x${phys.toString(16)}`);
    const insns: Insn[] = [];
    const pages = [Math.floor(phys / 4096)];
    let p = phys;
    const pageEnd = phys - (phys % 4096) + 4096;
    while (insns.length < MAX_BLOCK_INSNS && p < pageEnd) {
      const i = new Insn(udHandler);
      let len = decode(u8, p, pageEnd, cs, i);
      if (len === NEED_MORE) {
        // The instruction continues on the next page: fetch (and translate) its bytes.
        let nextPhys: number;
        const nextLa = la - (la & 0xfff) + 0x1000;
        try {
          nextPhys = this.m.translateExec(cs === CodeSize.Bits64 ? nextLa : nextLa >>> 0);
        } catch (e) {
          if (insns.length > 0) break;
          throw e;
        }
        if (nextPhys + 16 > this.m.ramSize) { if (insns.length > 0) break; throw this.internal('instruction fetch from non-RAM'); }
        const head = pageEnd - p;
        const buf = this.straddle;
        buf.set(u8.subarray(p, pageEnd), 0);
        buf.set(u8.subarray(nextPhys, nextPhys + 16), head);
        len = decode(buf, 0, head + 16, cs, i);
        pages.push(Math.floor(nextPhys / 4096));
        bind(i, cs);
        i.idx = insns.length;
        i.end = p - phys + len;
        i.pure = isPure(i);
        insns.push(i);
        break;
      }
      bind(i, cs);
      i.idx = insns.length;
      i.end = p - phys + len;
      i.pure = isPure(i);
      insns.push(i);
      p += len;
      if (i.blockEnd) break;
    }
    for (const pg of pages) this.m.protectCodePage(pg);
    const b = new Block(key, insns, pages);
    this.cache.insert(b);
    return b;
  }

  /** Throw-able InternalError exit. */
  internal(message: string): typeof EXIT {
    this.exit.internal.message = message;
    this.exitReason = ExitReason.InternalError;
    return EXIT;
  }

  // ---- MmuHost ----------------------------------------------------------

  codeWritten(page: number): void {
    if (this.cache.invalidatePage(page)) this.brk = Brk.STOP;
    this.m.codePages[page] = 0;
  }

  private hostWrote(paddr: number, length: number): void {
    const first = Math.floor(paddr / 4096), last = Math.floor((paddr + Math.max(length, 1) - 1) / 4096);
    for (let pg = first; pg <= last; pg++) {
      if (this.m.codePages[pg] !== 0) { this.cache.invalidatePage(pg); this.m.codePages[pg] = 0; }
    }
  }

  mmioRead(phys: number, len: number): number {
    const mm = this.exit.mmio;
    if (this.mmioPending && this.mmioPendingPhys === phys && !mm.isWrite && mm.len === len) {
      this.mmioPending = false;
      const d = mm.data;
      this.m.hi = len === 8 ? d[4]! | (d[5]! << 8) | (d[6]! << 16) | (d[7]! << 24) : 0;
      const v = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
      return len === 1 ? v & 0xff : len === 2 ? v & 0xffff : v;
    }
    mm.physAddr = phys; mm.len = len; mm.isWrite = false; mm.data.fill(0);
    this.mmioPending = true; this.mmioPendingPhys = phys;
    this.exitReason = ExitReason.Mmio;
    throw EXIT;
  }

  mmioWrite(phys: number, len: number, lo: number, hi: number): void {
    const mm = this.exit.mmio;
    if (this.mmioPending && this.mmioPendingPhys === phys && mm.isWrite && mm.len === len) {
      this.mmioPending = false; // the VMM has performed it: the restarted instruction goes on
      return;
    }
    mm.physAddr = phys; mm.len = len; mm.isWrite = true;
    for (let k = 0; k < 8; k++) mm.data[k] = k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4));
    this.mmioPending = true; this.mmioPendingPhys = phys;
    this.exitReason = ExitReason.Mmio;
    throw EXIT;
  }

  // ---- port I/O (called by IN/OUT/INS/OUTS) -----------------------------

  /** Port input: returns the VMM's data if this is the restarted instruction, else exits. */
  ioIn(port: number, size: number): number {
    const io = this.exit.io;
    if (this.ioInPending && io.port === port && io.size === size && io.direction === IoDirection.In) {
      this.ioInPending = false;
      const d = io.data;
      const v = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
      return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v;
    }
    io.direction = IoDirection.In; io.port = port; io.size = size; io.count = 1;
    io.data.fill(0, 0, 8);
    this.ioInPending = true;
    this.exitReason = ExitReason.Io;
    throw EXIT;
  }

  /** Port output: the instruction completes, then run() returns the Io exit. */
  ioOut(port: number, size: number, value: number): void {
    const io = this.exit.io;
    io.direction = IoDirection.Out; io.port = port; io.size = size; io.count = 1;
    const d = io.data;
    d[0] = value; d[1] = value >> 8; d[2] = value >> 16; d[3] = value >> 24;
    this.exitReason = ExitReason.Io;
    this.brk = Brk.STOP;
  }

  // ---- mode and segment bookkeeping (the seams issue 4 fills in) --------

  /** Recompute derived state after CR0/CR4/EFER/CS changes. */
  updateMode(): void {
    const s = this.s;
    this.m.generation++;
    const lma = (s.efer & EFER.LMA) !== 0;
    const csAttr = s.segAttr[Seg.CS]!;
    if ((s.cr0 & CR0.PE) === 0) s.codeSize = CodeSize.Bits16;
    else if (lma && (csAttr & SegAttr.L) !== 0) s.codeSize = CodeSize.Bits64;
    else s.codeSize = (csAttr & SegAttr.DB) !== 0 ? CodeSize.Bits32 : CodeSize.Bits16;
    if ((s.cr0 & CR0.PE) === 0) s.cpl = 0;
    else if ((s.flags & F.VM) !== 0) s.cpl = 3;
    this.m.setUser(s.cpl === 3);
    refreshSegChecks(s);
    this.csLimit = (s.cr0 & CR0.PE) === 0 || s.codeSize === CodeSize.Bits64 || s.segLimit[Seg.CS]! >= 0xffffffff ? Infinity : s.segLimit[Seg.CS]!;
    this.brk = Brk.STOP;
    this.refreshDebugMode();
  }

  setCpl(cpl: number): void {
    this.m.generation++;
    this.s.cpl = cpl;
    this.m.setUser(cpl === 3);
  }

  /** Load a segment register in real or v8086 mode: base = selector * 16. */
  loadSegReal(seg: number, sel: number): void {
    const s = this.s;
    s.segSel[seg] = sel & 0xffff;
    s.segBase[seg] = (sel & 0xffff) * 16;
    refreshSegCheck(s, seg);
    if (seg === Seg.CS) this.updateMode();
  }

  resetToRealMode(): void {
    const s = this.s;
    s.lo.fill(0); s.hi.fill(0);
    s.flags = 2; this.lf[LF.OP] = 0;
    for (let k = 0; k < 6; k++) {
      s.segSel[k] = 0; s.segBase[k] = 0; s.segLimit[k] = 0xffff;
      s.segAttr[k] = 3 | SegAttr.S | SegAttr.P; // read/write data, accessed
    }
    s.segAttr[Seg.CS] = 0xb | SegAttr.S | SegAttr.P;
    s.segSel[Seg.CS] = 0xf000; s.segBase[Seg.CS] = 0xffff0000; s.rip = 0xfff0;
    s.segAttr[Seg.LDTR] = 2 | SegAttr.P; s.segAttr[Seg.TR] = 0xb | SegAttr.P;
    s.segLimit[Seg.LDTR] = 0xffff; s.segLimit[Seg.TR] = 0xffff;
    this.fpu.reset();
    s.cr0 = CR0.ET | CR0.CD | CR0.NW; s.cr2 = 0; s.cr3 = 0; s.cr4 = 0; s.efer = 0;
    s.idtBase = 0; s.idtLimit = 0x3ff; s.gdtBase = 0; s.gdtLimit = 0xffff;
    this.m.flushAll();
    this.updateMode();
    this.brk = Brk.NONE;
  }

  // ---- state transfer (slow path) ---------------------------------------

  getReg64(r: number): bigint {
    return (BigInt(this.hi[r]! >>> 0) << 32n) | BigInt(this.lo[r]! >>> 0);
  }

  setReg64(r: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.lo[r] = Number(u & 0xffffffffn) | 0;
    this.hi[r] = Number(u >> 32n) | 0;
  }

  getRegs(): VcpuRegs {
    const g = (r: number): bigint => this.getReg64(r);
    return {
      rax: g(0), rcx: g(1), rdx: g(2), rbx: g(3), rsp: g(4), rbp: g(5), rsi: g(6), rdi: g(7),
      r8: g(8), r9: g(9), r10: g(10), r11: g(11), r12: g(12), r13: g(13), r14: g(14), r15: g(15),
      rip: addrToBig(this.s.rip), rflags: BigInt(getFlags(this) >>> 0),
    };
  }

  setRegs(r: VcpuRegs): void {
    const order = [r.rax, r.rcx, r.rdx, r.rbx, r.rsp, r.rbp, r.rsi, r.rdi, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15];
    order.forEach((v, k) => this.setReg64(k, v));
    this.s.rip = bigToAddr(r.rip);
    const fl = Number(BigInt.asUintN(32, r.rflags));
    this.s.flags = (fl & RFLAGS_WRITABLE) | 2;
    setArithFlags(this, fl);
    this.updateMode();
    this.brk = Brk.NONE;
  }

  getSregs(): VcpuSregs {
    const s = this.s;
    const seg = (k: number): VcpuSegment => {
      const a = s.segAttr[k]!;
      return {
        base: addrToBig(s.segBase[k]!), limit: s.segLimit[k]!, selector: s.segSel[k]!,
        type: a & 0xf, present: (a & SegAttr.P) !== 0, dpl: (a >> SegAttr.DPL_SHIFT) & 3,
        db: (a & SegAttr.DB) !== 0, s: (a & SegAttr.S) !== 0, l: (a & SegAttr.L) !== 0, g: (a & SegAttr.G) !== 0,
        avl: (a & SegAttr.AVL) !== 0, unusable: (a & SegAttr.UNUSABLE) !== 0,
      };
    };
    return {
      es: seg(Seg.ES), cs: seg(Seg.CS), ss: seg(Seg.SS), ds: seg(Seg.DS), fs: seg(Seg.FS), gs: seg(Seg.GS),
      ldt: seg(Seg.LDTR), tr: seg(Seg.TR),
      gdt: { base: addrToBig(s.gdtBase), limit: s.gdtLimit }, idt: { base: addrToBig(s.idtBase), limit: s.idtLimit },
      cr0: BigInt(s.cr0 >>> 0), cr2: addrToBig(s.cr2), cr3: BigInt(s.cr3), cr4: BigInt(s.cr4 >>> 0), cr8: BigInt(s.cr8),
      efer: BigInt(s.efer), apicBase: BigInt(s.apicBase),
    };
  }

  setSregs(r: VcpuSregs): void {
    const s = this.s;
    const put = (k: number, v: VcpuSegment): void => {
      s.segSel[k] = v.selector & 0xffff;
      s.segBase[k] = bigToAddr(v.base);
      s.segLimit[k] = v.limit >>> 0;
      s.segAttr[k] = (v.type & 0xf) | (v.s ? SegAttr.S : 0) | ((v.dpl & 3) << SegAttr.DPL_SHIFT) | (v.present ? SegAttr.P : 0) |
        (v.avl ? SegAttr.AVL : 0) | (v.l ? SegAttr.L : 0) | (v.db ? SegAttr.DB : 0) | (v.g ? SegAttr.G : 0) |
        (v.unusable ? SegAttr.UNUSABLE : 0);
    };
    put(Seg.ES, r.es); put(Seg.CS, r.cs); put(Seg.SS, r.ss); put(Seg.DS, r.ds); put(Seg.FS, r.fs); put(Seg.GS, r.gs);
    put(Seg.LDTR, r.ldt); put(Seg.TR, r.tr);
    s.gdtBase = bigToAddr(r.gdt.base); s.gdtLimit = r.gdt.limit;
    s.idtBase = bigToAddr(r.idt.base); s.idtLimit = r.idt.limit;
    s.cr0 = Number(BigInt.asUintN(32, r.cr0)) | 0; s.cr2 = bigToAddr(r.cr2); s.cr3 = Number(r.cr3);
    s.cr4 = Number(BigInt.asUintN(32, r.cr4)) | 0; s.cr8 = Number(r.cr8) & 0xf;
    s.efer = Number(r.efer); s.apicBase = Number(r.apicBase);
    s.cpl = (s.cr0 & CR0.PE) === 0 ? 0 : (s.segAttr[Seg.SS]! >> SegAttr.DPL_SHIFT) & 3;
    this.m.flushAll();
    this.updateMode();
    this.brk = Brk.NONE;
  }

  getMsr(index: number): bigint {
    const v = readMsr(this, index);
    if (v === undefined) throw new RangeError(`MSR 0x${index.toString(16)} is not implemented`);
    return v;
  }

  setMsr(index: number, value: bigint): void {
    if (!writeMsr(this, index, value)) throw new RangeError(`MSR 0x${index.toString(16)} is not implemented or the value is invalid`);
  }

  /** RDMSR/WRMSR from the guest (undefined / false: #GP). */
  msrRead(index: number): bigint | undefined { return readMsr(this, index); }
  msrWrite(index: number, value: bigint): boolean { return writeMsr(this, index, value); }

  setCpuid(entries: readonly CpuidEntry[]): void {
    this.cpuid = entries.map((e) => ({ ...e }));
    this.amd = this.findCpuid(0, 0)?.ebx === 0x68747541; // "Auth"enticAMD
  }

  /** CPUID lookup: fills lo[0..3] of RAX, RBX, RCX, RDX (Intel's rule: unknown leaves return the highest basic leaf). */
  cpuidQuery(leaf: number, subleaf: number, out: Int32Array): void {
    // CPUID faulting (MISC_FEATURES_ENABLES bit 0): outside ring 0 CPUID is #GP(0), before anything changes.
    if ((this.s.miscFeatures & 1) !== 0 && this.s.cpl > 0) {
      this.exc.vector = Vec.GP; this.exc.error = 0; this.exc.hasError = true;
      throw FAULT;
    }
    let e = this.findCpuid(leaf, subleaf);
    if (e === undefined) {
      const max = this.findCpuid(leaf >>> 0 >= 0x80000000 ? 0x80000000 : 0, 0);
      if (max !== undefined && (leaf >>> 0) > (max.eax >>> 0)) e = this.findCpuid(this.findCpuid(0, 0)?.eax ?? 0, subleaf);
    }
    out[0] = e?.eax ?? 0; out[1] = e?.ebx ?? 0; out[2] = e?.ecx ?? 0; out[3] = e?.edx ?? 0;
  }

  private findCpuid(leaf: number, subleaf: number): CpuidEntry | undefined {
    for (const e of this.cpuid) {
      if (e.function >>> 0 !== leaf >>> 0) continue;
      if ((e.flags & CPUID_FLAG_SIGNIFICANT_INDEX) !== 0 && e.index >>> 0 !== subleaf >>> 0) continue;
      return e;
    }
    return undefined;
  }

  /** Feature test used by the decoder-level checks of optional instructions. */
  hasFeature(leaf: number, reg: 1 | 2 | 3, bit: number): boolean {
    const e = this.findCpuid(leaf, 0);
    if (e === undefined) return false;
    const v = reg === 1 ? e.ebx : reg === 2 ? e.ecx : e.edx;
    return ((v >>> bit) & 1) !== 0;
  }

  interrupt(vector: number): void {
    this.pendingIrq = vector & 0xff;
  }

  nmi(): void {
    this.pendingNmi = true;
  }

  /**
   * Time-stamp counter: retired instructions plus the offset (deterministic).
   * `inBlock` is the position of the reading instruction in its block (the
   * retired count is brought up to date only between blocks).
   */
  tsc(inBlock = 0): number {
    return this.retired + inBlock + this.s.tscOffset;
  }
}

/** RIP/linear address number (signed canonical) -> unsigned 64-bit bigint. */
export function addrToBig(a: number): bigint {
  const b = BigInt(a);
  return b < 0n ? b + TWO64 : b;
}

/** Unsigned 64-bit bigint -> address number (signed canonical form when the top bit is set). */
export function bigToAddr(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  return u >= 1n << 63n ? Number(u - TWO64) : Number(u);
}

export { TWO32 };
