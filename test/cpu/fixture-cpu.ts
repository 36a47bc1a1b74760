/**
 * The adapter from the replay harness (fixture-runner.ts) to the software
 * CPU (src/cpu, through src/cpu/testing.ts). See README.md, "Wiring the
 * software CPU".
 *
 * One CPU per mode and file: 64-bit long mode or 32-bit flat protected mode
 * at the CPL of the file's CS selector, or real mode for 16-bit code. The
 * segment registers hold the selectors the fixtures were recorded with (the
 * harness GDT has Linux's user selectors 0x23/0x2b/0x33, so pushes, pops and
 * far transfers see the same values); a null selector in 32-bit code is an
 * unusable segment, as under Linux. Port I/O has no device: reads return all
 * ones, writes are dropped (answered through the KVM-shaped Io exit).
 */
import { ExitReason, IoDirection, type VcpuSegment } from '../../src/cpu/contract.js';
import { createTestCpu, type TestCpu } from '../../src/cpu/testing.js';
import { Seg } from '../../src/cpu/state.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import type { FixtureCpu, FixtureCpuFactory, FixtureCpuOptions, FixtureRunOutcome } from './fixture-runner.js';

/**
 * 1 MiB: the fixtures use addresses below 0x22000, and the harness's system
 * area (top 64 KiB) stays reachable from real mode, so real-mode exceptions
 * land in its IVT stubs.
 */
const MEMORY_SIZE = 1 << 20;
const SEGMENTS = ['cs', 'ds', 'es', 'fs', 'gs', 'ss'] as const;
const MASK32 = 0xffffffffn;

/** Loads the recorded selectors: real-mode segment values, or selector values over the harness's flat descriptors. */
function loadSelectors(t: TestCpu, opts: FixtureCpuOptions): void {
  const sregs = t.cpu.getSregs();
  for (const k of SEGMENTS) {
    const sel = opts.selectors[k];
    const seg: VcpuSegment = sregs[k];
    seg.selector = sel;
    if (opts.realMode) {
      seg.base = BigInt(sel << 4);
    } else if (sel === 0 && k !== 'cs' && k !== 'ss') {
      // A null data selector: unusable in 32-bit code (an access is #GP); base 0 in 64-bit code.
      seg.unusable = opts.mode !== 64;
      seg.present = opts.mode === 64;
    }
  }
  t.cpu.setSregs(sregs);
}

function makeFixtureCpu(opts: FixtureCpuOptions): FixtureCpu {
  const memory = new GuestMemory(MEMORY_SIZE);
  const cpl = opts.realMode ? 0 : ((opts.selectors.cs & 3) as 0 | 3);
  const t = createTestCpu({ mode: opts.mode, memory, cpl, paging: opts.mode === 64 });
  loadSelectors(t, opts);
  const { cpu } = t;
  // SSE is enabled as Linux enables it for user code (CR4.OSFXSR, OSXMMEXCPT).
  const withSse = cpu.getSregs();
  withSse.cr4 |= 0x600n;
  cpu.setSregs(withSse);
  // Every case starts from these segments: an earlier case may have loaded a
  // segment register or taken an exception (which switches to the harness's CS at CPL 0).
  const sregs = cpu.getSregs();
  const { lo, hi } = cpu;
  return {
    writeMemory: (addr, bytes) => memory.writeBytes(addr, bytes),
    readMemory: (addr, length) => memory.readBytes(addr, length),
    setGpr: (i, v) => {
      lo[i] = Number(v & MASK32) | 0;
      hi[i] = Number((v >> 32n) & MASK32) | 0;
    },
    getGpr: (i) => (BigInt(hi[i]! >>> 0) << 32n) | BigInt(lo[i]! >>> 0),
    setRflags: (v) => { t.rflags = Number(v & MASK32); },
    getRflags: () => BigInt(t.rflags),
    run: (start, end, maxInstructions): FixtureRunOutcome => {
      cpu.setSregs(sregs);
      cpu.s.rip = Number(start);
      // Compared as linear addresses: 16-bit code may jump to an aliased CS
      // (0x0fff:IP+0x10 is the same byte as 0x1000:IP), where `end` is an
      // offset from the starting CS.
      const stop = cpu.sb[Seg.CS]! + Number(end);
      for (let n = 0; n < maxInstructions;) {
        if (cpu.sb[Seg.CS]! + cpu.s.rip === stop) return { kind: 'done' };
        const reason = cpu.run(1);
        const vector = t.deliveredVector();
        if (vector >= 0) return { kind: 'exception', vector };
        if (reason === ExitReason.Intr) { n++; continue; }
        if (reason === ExitReason.Io) {
          // No device: an IN (re-executed on the next run) reads all ones; an OUT is dropped.
          const io = cpu.exit.io;
          if (io.direction === IoDirection.In) io.data.fill(0xff, 0, io.size * io.count);
          n++;
          continue;
        }
        return { kind: 'stuck', rip: BigInt(cpu.s.rip) };
      }
      return { kind: 'stuck', rip: BigInt(cpu.s.rip) };
    },
  };
}

export const fixtureCpuFactory: FixtureCpuFactory | undefined = makeFixtureCpu;

/** Why the replay would be pending (unused while the factory is wired). */
export const fixtureCpuPending = 'the software CPU is not wired into test/cpu/fixture-cpu.ts';
