/**
 * CPU benchmark: guest MIPS of our software CPU on CPU-bound 32-bit guests
 * with paging on, and the integer workload on v86 (interpreter and JIT) in
 * the same run for comparison. Usage: npm run bench [-- --no-v86]
 *
 * Instruction counts come from our CPU (retired instructions between the
 * guest's 'S' and 'D' markers; REP MOVS counts as one instruction as on
 * hardware). v86 runs the identical binary, so the same count is used for it.
 * Times are this process's CPU time (the machine is shared; wall time is
 * printed too).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOnOurCpu } from './run-ours.js';
import { runOnV86 } from './run-v86.js';
import { runReg64Micro } from './micro-reg64.js';

const here = dirname(fileURLToPath(import.meta.url));
// Compiled to dist/bench: the guests stay in the source tree.
const guestDir = join(here, '..', '..', 'bench', 'guests');

function guest(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(guestDir, name)));
}

const mips = (insns: number, ms: number): number => insns / ms / 1000;
const fmt = (x: number): string => x.toFixed(1).padStart(8);

async function main(): Promise<void> {
  const withV86 = !process.argv.includes('--no-v86');
  const workloads = [
    ['int32.bin', 'integer loop (32-bit, paging on)'],
    ['memcpy32.bin', 'memcpy with REP MOVSD (256 KiB x 400)'],
    ['calls32.bin', 'call-heavy: recursive fib(27)'],
    ['tlb32.bin', 'TLB thrash: 4 KiB pages over 16 MiB'],
  ] as const;
  console.log('xenner CPU benchmark (guest MIPS = retired guest instructions per microsecond)\n');
  const m64 = runReg64Micro();
  console.log(`register representation, 64-bit adds (M/s): Int32Array halves ${m64.halves.toFixed(0)}, ` +
    `BigUint64Array ${m64.bigint64Array.toFixed(0)}, BigInt locals ${m64.bigintLocals.toFixed(0)}\n`);
  let intInsns = 0, intMips = 0;
  for (const [file, label] of workloads) {
    const bin = guest(file);
    runOnOurCpu(bin); // warm-up (JIT tiers of V8)
    const r = runOnOurCpu(bin);
    const m = mips(r.instructions, r.ms);
    if (file === 'int32.bin') { intInsns = r.instructions; intMips = m; }
    const extra = file === 'memcpy32.bin' ? `  ${(256 * 1024 * 400 / r.ms / 1000).toFixed(0)} MB/s` : '';
    console.log(`xenner   ${fmt(m)} MIPS  ${label}  (${r.instructions} insns, ${r.ms.toFixed(0)} ms CPU, ${r.wallMs.toFixed(0)} ms wall, ${r.tlbWalks} page walks)${extra}`);
  }
  if (!withV86) return;
  const bin = guest('int32.bin');
  for (const jit of [false, true]) {
    try {
      const v = await runOnV86(bin, jit);
      const m = mips(intInsns, v.ms);
      console.log(`v86 ${jit ? 'JIT   ' : 'interp'} ${fmt(m)} MIPS  integer loop (same binary, ${v.ms.toFixed(0)} ms CPU, ${v.wallMs.toFixed(0)} ms wall)   xenner/v86 = ${(intMips / m).toFixed(2)}`);
    } catch (e) {
      console.log(`v86 ${jit ? 'JIT' : 'interp'}: failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
