/**
 * A CPU set up for tests and benchmarks: flat segments, 64-bit long mode,
 * 32-bit protected mode (paging off, 32-bit paging or PAE) or 16-bit real
 * mode, an IDT whose every vector halts in a recognisable stub, and
 * identity-mapped page tables. See README.md ("Testing the CPU").
 *
 * The top SYSTEM_AREA bytes of guest memory belong to this harness (GDT, IDT,
 * TSS, page tables, exception stubs, the ring-0 stack); test code and data go
 * below it.
 */
import { GuestMemory } from '../memory/guest-memory.js';
import { ExitReason, type VcpuRegs, type VcpuSegment, type VcpuSregs } from './contract.js';
import { Cpu } from './cpu.js';
import { hasErrorCode } from './exceptions.js';
import { getFlags, setArithFlags } from './flags.js';
import { CR0, CR4, EFER, RFLAGS_WRITABLE, Seg } from './state.js';

export const SYSTEM_AREA = 0x10000;

/**
 * GDT selectors of the harness. The user selectors are Linux's (x86-64
 * __USER32_CS, __USER_DS, __USER_CS), so code recorded under Linux (the
 * hardware fixtures) pushes, pops and far-transfers the same values.
 */
export const Sel = { CODE64: 0x08, DATA: 0x10, CODE32: 0x18, CODE32_USER: 0x23, DATA_USER: 0x2b, CODE64_USER: 0x33, CODE16: 0x38, TSS: 0x40 } as const;

/** Bytes per exception stub (HLT; JMP $-1), one stub per vector. */
const STUB_SIZE = 16;
/** Highest linear address real-mode code can reach (FFFF:FFFF). */
const REAL_MODE_LIMIT = 0x10ffef;

export interface TestCpuOptions {
  mode: 16 | 32 | 64;
  memory: GuestMemory;
  /** Paging with an identity map of all memory (required, and the default, in 64-bit mode). */
  paging?: boolean;
  /** 32-bit mode only: PAE paging instead of 32-bit paging. */
  pae?: boolean;
  /** Privilege level of the test code (protected and long mode): 0 (default) or 3. */
  cpl?: 0 | 3;
  /** Block compiler threshold (CpuOptions.compileThreshold); 0 interprets only. */
  compileThreshold?: number;
}

export interface TestRunResult {
  reason: ExitReason;
  /** Instructions retired by this call. */
  retired: number;
  /** Set when the CPU took an exception (the harness's IDT stubs halted). */
  exception?: { vector: number; errorCode?: number };
}

export type RegName = keyof VcpuRegs;

export class TestCpu {
  readonly stubBase: number;
  constructor(readonly cpu: Cpu, readonly memory: GuestMemory, readonly mode: 16 | 32 | 64, readonly systemBase: number) {
    this.stubBase = systemBase + 0x4000;
  }

  /**
   * The vector whose exception stub CS:RIP is at (the exception was just
   * delivered and its HLT not yet executed), or -1. Lets a caller that steps
   * the CPU see an exception without running the stub.
   */
  deliveredVector(): number {
    const linear = this.cpu.sb[Seg.CS]! + this.cpu.s.rip;
    const off = linear - this.stubBase;
    if (off < 0 || off >= 256 * STUB_SIZE || off % STUB_SIZE !== 0) return -1;
    return off / STUB_SIZE;
  }

  get(reg: RegName): bigint {
    return this.cpu.getRegs()[reg];
  }

  set(reg: RegName, value: bigint): void {
    const r = this.cpu.getRegs();
    r[reg] = value;
    this.cpu.setRegs(r);
  }

  /** Set several registers at once (rflags: the writable bits; bit 1 is forced). */
  setRegs(values: Partial<VcpuRegs>): void {
    const r = this.cpu.getRegs();
    Object.assign(r, values);
    this.cpu.setRegs(r);
  }

  get rflags(): number {
    return getFlags(this.cpu) >>> 0;
  }

  set rflags(v: number) {
    this.cpu.s.flags = (v & RFLAGS_WRITABLE) | 2;
    setArithFlags(this.cpu, v);
  }

  /** Run at most `maxInstructions`; stops at HLT, an exception, or any other exit. */
  run(maxInstructions: number): TestRunResult {
    const before = this.cpu.instructionsRetired;
    const reason = this.cpu.run(maxInstructions);
    const retired = this.cpu.instructionsRetired - before;
    const res: TestRunResult = { reason, retired };
    const rip = this.cpu.sb[Seg.CS]! + this.cpu.s.rip;
    if (reason === ExitReason.Hlt && rip > this.stubBase && rip <= this.stubBase + 256 * STUB_SIZE) {
      const vector = Math.floor((rip - 1 - this.stubBase) / STUB_SIZE);
      res.exception = { vector };
      if (hasErrorCode(vector)) {
        const sp = Number(this.cpu.getRegs().rsp);
        res.exception.errorCode = this.mode === 64 ? this.memory.read32(sp) : this.memory.read32(sp);
      }
    }
    return res;
  }
}

/** Create a CPU in the requested mode over `memory` (RIP = 0; set registers, then run). */
export function createTestCpu(opts: TestCpuOptions): TestCpu {
  const { mode, memory } = opts;
  const paging = opts.paging ?? mode === 64;
  const cpl = opts.cpl ?? 0;
  if (mode === 64 && !paging) throw new RangeError('64-bit mode requires paging');
  if (mode === 16 && (paging || cpl !== 0)) throw new RangeError('16-bit test CPUs run in real mode (no paging, CPL 0)');
  if (memory.size < 2 * SYSTEM_AREA) throw new RangeError('guest memory too small for the test harness');
  const cpu = new Cpu(memory, { compileThreshold: opts.compileThreshold });
  const sys = memory.size - SYSTEM_AREA;
  const t = new TestCpu(cpu, memory, mode, sys);
  const GDT = sys, IDT = sys + 0x1000, TSS = sys + 0x2000, STUBS = t.stubBase, STACK_TOP = sys + 0x8000, PT = sys + 0x8000;
  // Exception stubs: HLT; JMP $-1 (stay halted).
  for (let v = 0; v < 256; v++) { memory.write8(STUBS + v * STUB_SIZE, 0xf4); memory.write8(STUBS + v * STUB_SIZE + 1, 0xeb); memory.write8(STUBS + v * STUB_SIZE + 2, 0xfd); }
  if (mode === 16) {
    const sregs = cpu.getSregs();
    for (const k of ['cs', 'ds', 'es', 'fs', 'gs', 'ss'] as const) { sregs[k].selector = 0; sregs[k].base = 0n; sregs[k].limit = 0xffff; }
    sregs.idt = { base: 0n, limit: 0x3ff };
    cpu.setSregs(sregs);
    // The IVT points every vector to its stub when real-mode code can reach
    // the system area (guest memory of at most about 1 MiB); otherwise the
    // IVT is left to the test.
    if (STUBS + 256 * STUB_SIZE <= REAL_MODE_LIMIT) {
      const seg = STUBS >>> 4;
      for (let v = 0; v < 256; v++) memory.write32(v * 4, ((seg << 16) | ((STUBS & 0xf) + v * STUB_SIZE)) >>> 0);
    }
    return t;
  }
  // GDT: flat descriptors.
  const desc = (type: number, dpl: number, l: boolean, db: boolean): [number, number] => {
    const lo = 0x0000ffff;
    const hi = (type << 8) | (1 << 12) | (dpl << 13) | (1 << 15) | (0xf << 16) | (l ? 1 << 21 : 0) | (db ? 1 << 22 : 0) | (1 << 23);
    return [lo, hi >>> 0];
  };
  // In Sel order: null, CODE64, DATA, CODE32, CODE32_USER, DATA_USER, CODE64_USER, CODE16.
  const gdt: [number, number][] = [
    [0, 0], desc(0xb, 0, true, false), desc(0x3, 0, false, true), desc(0xb, 0, false, true),
    desc(0xb, 3, false, true), desc(0x3, 3, false, true), desc(0xb, 3, true, false), desc(0xb, 0, false, false),
  ];
  gdt.forEach(([lo, hi], k) => { memory.write32(GDT + k * 8, lo); memory.write32(GDT + k * 8 + 4, hi); });
  // TSS descriptor (64-bit form uses two slots).
  const tssLimit = 0x67;
  memory.write32(GDT + 8 * 8, ((TSS & 0xffff) << 16) | tssLimit);
  memory.write32(GDT + 8 * 8 + 4, ((TSS >>> 16) & 0xff) | (0x89 << 8) | (TSS & 0xff000000));
  memory.write32(GDT + 9 * 8, 0); memory.write32(GDT + 9 * 8 + 4, 0);
  // TSS: ring-0 stack.
  if (mode === 64) { memory.write32(TSS + 4, STACK_TOP); memory.write32(TSS + 8, 0); }
  else { memory.write32(TSS + 4, STACK_TOP); memory.write32(TSS + 8, Sel.DATA); }
  // No I/O permission bitmap (its base lies past the limit), as Linux runs
  // user code: IN/OUT/INS/OUTS above IOPL are #GP. A base of 0 would make
  // the TSS's own bytes the bitmap.
  memory.write16(TSS + 0x66, tssLimit + 1);
  // IDT: interrupt gates, DPL 3 so INT n works from any ring.
  for (let v = 0; v < 256; v++) {
    const off = STUBS + v * STUB_SIZE;
    if (mode === 64) {
      memory.write32(IDT + v * 16, (Sel.CODE64 << 16) | (off & 0xffff));
      memory.write32(IDT + v * 16 + 4, ((off & 0xffff0000) | (0xee << 8)) >>> 0);
      memory.write32(IDT + v * 16 + 8, 0); memory.write32(IDT + v * 16 + 12, 0);
    } else {
      memory.write32(IDT + v * 8, (Sel.CODE32 << 16) | (off & 0xffff));
      memory.write32(IDT + v * 8 + 4, ((off & 0xffff0000) | (0xee << 8)) >>> 0);
    }
  }
  // Page tables: identity map, user and writable at every level.
  let cr3 = 0, cr4 = 0, efer = 0;
  if (paging) {
    const size = memory.size;
    const gbs = Math.ceil(size / 0x40000000);
    if (mode === 64 || opts.pae) {
      const PML4 = PT, PDPT = PT + 0x1000, PD = PT + 0x2000;
      if (gbs > 4) throw new RangeError('test harness maps at most 4 GiB');
      for (let g = 0; g < 4; g++) {
        const pd = PD + g * 0x1000;
        memory.write32(PDPT + g * 8, (pd | (mode === 64 ? 7 : 1)) >>> 0);
        for (let k = 0; k < 512; k++) {
          const base = g * 0x40000000 + k * 0x200000;
          memory.write32(pd + k * 8, (base | 0x87) >>> 0);
          memory.write32(pd + k * 8 + 4, 0);
        }
      }
      memory.write32(PML4, PDPT | 7);
      cr3 = mode === 64 ? PML4 : PDPT;
      cr4 = CR4.PAE;
      if (mode === 64) efer = EFER.LME | EFER.LMA;
    } else {
      const PD = PT;
      for (let k = 0; k < 1024; k++) memory.write32(PD + k * 4, ((k << 22) | 0x87) >>> 0);
      cr3 = PD;
      cr4 = CR4.PSE;
    }
  }
  const seg = (sel: number, type: number, dpl: number, l: boolean, db: boolean): VcpuSegment => ({
    base: 0n, limit: 0xffffffff, selector: sel, type, present: true, dpl, db, s: true, l, g: true, avl: false, unusable: false,
  });
  const user = cpl === 3;
  const codeSel = mode === 64 ? (user ? Sel.CODE64_USER : Sel.CODE64) : user ? Sel.CODE32_USER : Sel.CODE32;
  const dataSel = user ? Sel.DATA_USER : Sel.DATA;
  const cs = seg(codeSel, 0xb, cpl, mode === 64, mode === 32);
  const ds = seg(dataSel, 0x3, cpl, false, true);
  const sregs: VcpuSregs = {
    cs, ds, es: { ...ds }, fs: { ...ds }, gs: { ...ds }, ss: { ...ds },
    tr: { base: BigInt(TSS), limit: tssLimit, selector: Sel.TSS, type: 0xb, present: true, dpl: 0, db: false, s: false, l: false, g: false, avl: false, unusable: false },
    ldt: { base: 0n, limit: 0, selector: 0, type: 2, present: false, dpl: 0, db: false, s: false, l: false, g: false, avl: false, unusable: true },
    gdt: { base: BigInt(GDT), limit: 10 * 8 - 1 }, idt: { base: BigInt(IDT), limit: mode === 64 ? 256 * 16 - 1 : 256 * 8 - 1 },
    cr0: BigInt((CR0.PE | CR0.ET | CR0.NE | CR0.WP | (paging ? CR0.PG : 0)) >>> 0), cr2: 0n, cr3: BigInt(cr3), cr4: BigInt(cr4), cr8: 0n,
    efer: BigInt(efer | (mode === 64 ? EFER.SCE | EFER.NXE : 0)), apicBase: 0xfee00900n,
  };
  cpu.setSregs(sregs);
  const regs = cpu.getRegs();
  regs.rip = 0n;
  regs.rflags = 2n;
  regs.rsp = BigInt(STACK_TOP - 0x1000);
  cpu.setRegs(regs);
  return t;
}
