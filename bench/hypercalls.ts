/**
 * Hypercall cost under xenner: a PV guest (bench/guests/hypercalls.asm)
 * makes each kind of hypercall many times in a row, marking the phases on
 * its console; the pv machine runs it in-process and each phase is timed,
 * its guest instructions counted, and its host exits (emu-port requests)
 * counted. The ones emu serves itself must show 0 exits per call; the
 * forwarded ones exactly 1.
 */
import { join } from 'node:path';
import type { Vcpu } from '../src/cpu/contract.js';
import type { EmuPortServer } from '../src/host/emu-port/server.js';
import { runPvGuest } from './pv-guests.js';

export interface HypercallPhase {
  name: string;
  calls: number;
  /** Guest instructions per call (the guest's loop included: a handful). */
  instructionsPerCall: number;
  nsPerCall: number;
  exitsPerCall: number;
}

/** Must match ROUNDS in the guest. */
const ROUNDS = 20_000;

const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

/** Runs the guest twice (the first run warms V8 up) and reports the second. */
export async function hypercallBench(guestDir: string): Promise<{ phases: HypercallPhase[]; bootInstructions: number }> {
  await runOnce(guestDir);
  return runOnce(guestDir);
}

async function runOnce(guestDir: string): Promise<{ phases: HypercallPhase[]; bootInstructions: number }> {
  let vcpu: Vcpu | undefined;
  let server: EmuPortServer | undefined;
  const marks: { name: string; ns: number; insns: number; exits: number }[] = [];
  const exits = (): number => [...server!.counts.values()].reduce((a, b) => a + b, 0);
  let line = '';
  const r = await runPvGuest('hypercalls', 'pv64', {
    file: join(guestDir, 'hypercalls-pv64.elf'),
    onStart: (v, s) => {
      vcpu = v;
      server = s;
    },
    consoleOut: (bytes) => {
      line += Buffer.from(bytes).toString('latin1');
      let nl: number;
      while ((nl = line.indexOf('\n')) >= 0) {
        const text = line.slice(0, nl);
        line = line.slice(nl + 1);
        // The marker's own console_io is the exit being served right now: count it out.
        if (text.startsWith('@')) marks.push({ name: text.slice(1), ns: cpuNs(), insns: vcpu!.instructionsRetired, exits: exits() });
      }
    },
  });
  if (r.status !== 0) throw new Error(`hypercall benchmark guest ended with status ${r.status}`);
  const phases: HypercallPhase[] = [];
  for (let i = 0; i + 1 < marks.length; i++) {
    const a = marks[i]!, b = marks[i + 1]!;
    phases.push({
      name: a.name,
      calls: ROUNDS,
      instructionsPerCall: (b.insns - a.insns) / ROUNDS,
      nsPerCall: (b.ns - a.ns) / ROUNDS,
      // b's marker request is counted in b.exits (the console_io is served before consoleOut runs).
      exitsPerCall: (b.exits - 1 - a.exits) / ROUNDS,
    });
  }
  return { phases, bootInstructions: marks[0]?.insns ?? 0 };
}
