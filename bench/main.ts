/**
 * CPU benchmark: guest MIPS of our software CPU on CPU-bound 32-bit guests
 * with paging on, and the integer workload on v86 (interpreter and JIT) in
 * the same run for comparison. Usage: npm run bench [-- --no-v86]
 *
 * Instruction counts come from our CPU (retired instructions between the
 * guest's 'S' and 'D' markers; REP MOVS counts as one instruction as on
 * hardware). v86 runs the identical binary, so the same count is used for it.
 * Times are this process's CPU time (the machine is shared; wall time is
 * printed too); the integer loop reports the best of three runs on each
 * emulator.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOnOurCpu } from './run-ours.js';
import { runOnV86, type V86Run } from './run-v86.js';
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
  const ROUNDS = 3;
  for (const [file, label] of workloads) {
    const bin = guest(file);
    runOnOurCpu(bin); // warm-up (V8 tiers up the handlers)
    const r = runOnOurCpu(bin);
    const m = mips(r.instructions, r.ms);
    const extra = file === 'memcpy32.bin' ? `  ${(256 * 1024 * 400 / r.ms / 1000).toFixed(0)} MB/s` : '';
    console.log(`xenner   ${fmt(m)} MIPS  ${label}  (${r.instructions} insns, ${r.ms.toFixed(0)} ms CPU, ${r.wallMs.toFixed(0)} ms wall, ${r.tlbWalks} page walks)${extra}`);
  }
  if (!withV86) return;
  // The integer loop on both emulators, interleaved, best of ROUNDS each: the
  // machine is shared, and alternating exposes both to the same conditions.
  const bin = guest('int32.bin');
  let ours = runOnOurCpu(bin);
  let interp: V86Run | null = null;
  for (let k = 0; k < ROUNDS; k++) {
    const r = runOnOurCpu(bin);
    if (r.ms < ours.ms) ours = r;
    try {
      const v = await runOnV86(bin, false);
      if (interp === null || v.ms < interp.ms) interp = v;
    } catch (e) {
      console.log(`v86 interp: failed: ${e instanceof Error ? e.message : String(e)}`);
      break;
    }
  }
  const oursMips = mips(ours.instructions, ours.ms);
  console.log(`\ninteger loop, best of ${ROUNDS}, interleaved:`);
  console.log(`xenner   ${fmt(oursMips)} MIPS  (${ours.ms.toFixed(0)} ms CPU)`);
  if (interp !== null) {
    const m = mips(ours.instructions, interp.ms);
    console.log(`v86 interp ${fmt(m)} MIPS  (${interp.ms.toFixed(0)} ms CPU)   xenner/v86-interp = ${(oursMips / m).toFixed(2)}`);
  }
  try {
    const v = await runOnV86(bin, true);
    const m = mips(ours.instructions, v.ms);
    console.log(`v86 JIT    ${fmt(m)} MIPS  (${v.ms.toFixed(0)} ms CPU)   xenner/v86-JIT = ${(oursMips / m).toFixed(2)}`);
  } catch (e) {
    console.log(`v86 JIT: failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
