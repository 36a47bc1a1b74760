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
 * emulator. Then the host services: the cost of one emu-port request per
 * kind, served in-process as the run loop serves them; hypercalls from a
 * PV guest under emu (host exits, guest instructions and time per call);
 * and the PV test guests end to end, 64-bit and 32-bit PAE, with their
 * host exits.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GuestRun, runOnOurCpu } from './run-ours.js';
import { runOnV86, type V86Run } from './run-v86.js';
import { runReg64Micro } from './micro-reg64.js';
import { hostServicesBench } from './host-services.js';
import { hypercallBench } from './hypercalls.js';
import { printPvGuestsBench } from './pv-guests.js';

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
    ['int64.bin', 'integer loop (64-bit long mode, 4-level paging)'],
  ] as const;
  console.log('xenner CPU benchmark (guest MIPS = retired guest instructions per microsecond)\n');
  const m64 = runReg64Micro();
  console.log(`register representation, 64-bit adds (M/s): Int32Array halves ${m64.halves.toFixed(0)}, ` +
    `BigUint64Array ${m64.bigint64Array.toFixed(0)}, BigInt locals ${m64.bigintLocals.toFixed(0)}\n`);
  for (const [mode, threshold] of [['interpreter', 0], ['compiled blocks', undefined]] as const) {
    console.log(`xenner, ${mode}:`);
    for (const [file, label] of workloads) {
      const bin = guest(file);
      runOnOurCpu(bin, threshold); // warm-up (V8 tiers up the handlers)
      const r = runOnOurCpu(bin, threshold);
      const m = mips(r.instructions, r.ms);
      const extra = file === 'memcpy32.bin' ? `  ${(256 * 1024 * 400 / r.ms / 1000).toFixed(0)} MB/s` : '';
      console.log(`  ${fmt(m)} MIPS  ${label}  (${r.instructions} insns, ${r.ms.toFixed(0)} ms CPU, ${r.wallMs.toFixed(0)} ms wall, ${r.tlbWalks} page walks)${extra}`);
    }
  }
  if (withV86) await compareWithV86();
  console.log('\nhost services (one emu-port request each, as emu will send them):');
  for (const f of hostServicesBench()) console.log(`  ${f.name.padEnd(45)} ${f.value.toFixed(1).padStart(10)} ${f.unit}`);
  const hc = await hypercallBench(guestDir);
  console.log(`\nhypercalls from a 64-bit PV guest under emu (start of day: ${hc.bootInstructions} guest instructions):`);
  console.log(`  ${'hypercall'.padEnd(22)} ${'host exits/call'.padStart(15)} ${'guest insns/call'.padStart(16)} ${'ns/call (CPU)'.padStart(14)}`);
  for (const p of hc.phases) {
    console.log(`  ${p.name.padEnd(22)} ${p.exitsPerCall.toFixed(2).padStart(15)} ${p.instructionsPerCall.toFixed(0).padStart(16)} ${p.nsPerCall.toFixed(0).padStart(14)}`);
  }
  console.log('\nPV test guests end to end (64 MiB): retired instructions, CPU time, emu-port requests (host exits):');
  await printPvGuestsBench();
}

async function compareWithV86(): Promise<void> {
  const ROUNDS = 3;
  // The integer loop on both emulators, interleaved, best of ROUNDS each: the
  // machine is shared, and alternating exposes both to the same conditions.
  const bin = guest('int32.bin');
  let interp: V86Run | null = null;
  const best: (GuestRun | null)[] = [null, null];
  for (let k = 0; k < ROUNDS; k++) {
    [0, undefined].forEach((threshold, n) => {
      const r = runOnOurCpu(bin, threshold);
      const b = best[n];
      if (b === null || b === undefined || r.ms < b.ms) best[n] = r;
    });
    try {
      const v = await runOnV86(bin, false);
      if (interp === null || v.ms < interp.ms) interp = v;
    } catch (e) {
      console.log(`v86 interp: failed: ${e instanceof Error ? e.message : String(e)}`);
      break;
    }
  }
  const insns = best[0]!.instructions;
  const oursInterp = mips(insns, best[0]!.ms), oursCompiled = mips(insns, best[1]!.ms);
  console.log(`\ninteger loop, best of ${ROUNDS}, interleaved:`);
  console.log(`xenner interpreter     ${fmt(oursInterp)} MIPS  (${best[0]!.ms.toFixed(0)} ms CPU)`);
  console.log(`xenner compiled blocks ${fmt(oursCompiled)} MIPS  (${best[1]!.ms.toFixed(0)} ms CPU)`);
  if (interp !== null) {
    const m = mips(insns, interp.ms);
    console.log(`v86 interpreter        ${fmt(m)} MIPS  (${interp.ms.toFixed(0)} ms CPU)   ratio xenner/v86-interp: interpreter ${(oursInterp / m).toFixed(2)}, compiled ${(oursCompiled / m).toFixed(2)}`);
  }
  try {
    const v = await runOnV86(bin, true);
    const m = mips(insns, v.ms);
    console.log(`v86 JIT                ${fmt(m)} MIPS  (${v.ms.toFixed(0)} ms CPU)   ratio xenner-compiled/v86-JIT ${(oursCompiled / m).toFixed(2)}`);
  } catch (e) {
    console.log(`v86 JIT: failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
