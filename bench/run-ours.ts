/** Runs a benchmark guest on our CPU: boots it in 32-bit protected mode, times the part between the 'S' and 'D' bytes on COM1. */
import { ExitReason, IoDirection } from '../src/cpu/contract.js';
import { createTestCpu } from '../src/cpu/testing.js';
import { GuestMemory } from '../src/memory/guest-memory.js';
import { parseFlatMultiboot } from './multiboot-image.js';

export interface GuestRun {
  instructions: number;
  /** CPU time of this process (the machine is shared: wall time is noisy). */
  ms: number;
  wallMs: number;
  tlbWalks: number;
}

const COM1 = 0x3f8;
const BUDGET = 10_000_000;

export function runOnOurCpu(file: Uint8Array, compileThreshold?: number, memoryBytes = 128 * 1024 * 1024): GuestRun {
  const mb = parseFlatMultiboot(file);
  const memory = new GuestMemory(memoryBytes);
  memory.writeBytes(mb.loadAddr, mb.image);
  const t = createTestCpu({ mode: 32, memory, paging: false, compileThreshold });
  t.setRegs({ rip: BigInt(mb.entry), rax: 0x2badb002n, rbx: 0n });
  const cpu = t.cpu;
  let startInsns = 0, startTime = 0, startWalks = 0, startCpu = 0;
  for (;;) {
    const r = cpu.run(BUDGET);
    if (r === ExitReason.Intr) continue;
    if (r === ExitReason.Io && cpu.exit.io.direction === IoDirection.Out && cpu.exit.io.port === COM1) {
      const ch = String.fromCharCode(cpu.exit.io.data[0]!);
      if (ch === 'S') { startTime = performance.now(); startCpu = cpuMs(); startInsns = cpu.instructionsRetired; startWalks = cpu.m.walks; }
      if (ch === 'D') {
        return {
          instructions: cpu.instructionsRetired - startInsns, ms: cpuMs() - startCpu, wallMs: performance.now() - startTime,
          tlbWalks: cpu.m.walks - startWalks,
        };
      }
      continue;
    }
    throw new Error(`benchmark guest stopped unexpectedly: exit ${r} ${cpu.exit.internal.message} at rip 0x${cpu.s.rip.toString(16)}`);
  }
}

/** User + system CPU time of this process, in milliseconds. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
