/**
 * The PV test guests end to end under xenner, 64-bit and 32-bit PAE side by
 * side: retired instructions (emu and the guest together, start of day
 * included), CPU time, and the emu-port requests each made. The hypercalls
 * emu serves itself never appear among the requests; what does appear is
 * emu's start of day (BOOT_INFO, EVTCHN_TABLE) and the forwarded ones.
 * Run: npm run -s build && node dist/bench/pv-guests.js
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmuOp } from '../src/abi/emu-port.js';
import type { Vcpu } from '../src/cpu/contract.js';
import type { Domain } from '../src/host/domain/domain.js';
import type { EmuPortServer } from '../src/host/emu-port/server.js';
import { createLogger } from '../src/log/logger.js';
import { createVcpu } from '../src/machine/create-vcpu.js';
import { pvMachine } from '../src/machine/pv/machine.js';
import { repoRoot } from '../tools/repo-root.js';

export type PvArch = 'pv64' | 'pv32';

export interface PvGuestRun {
  readonly name: string;
  readonly arch: PvArch;
  readonly status: number;
  readonly instructions: number;
  /** Process CPU time of the run, in milliseconds. */
  readonly ms: number;
  /** Emu-port requests by op code. */
  readonly requests: ReadonlyMap<number, number>;
  /** ... and by "op.command" (src/host/emu-port/server.ts). */
  readonly commands: ReadonlyMap<string, number>;
  /** The host side, as the run left it (for audits). */
  readonly domain: Domain;
}

export interface PvGuestOptions {
  /** Typed on the guest's console, then the input ends (as a closed stdin). */
  input?: string;
  /** Another PV image than guests/pv/<name>/<name>-<arch>.elf. */
  file?: string;
  /** Where the guest's console goes (discarded by default). */
  consoleOut?: (bytes: Uint8Array) => void;
  /** Sees the vCPU and the emu-port server before the guest starts. */
  onStart?: (vcpu: Vcpu, server: EmuPortServer) => void;
}

/** The guests in guests/pv/ that have a build for `arch`. */
export function pvGuestNames(arch: PvArch): string[] {
  const dir = join(repoRoot(), 'guests', 'pv');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(dir, d.name)).includes(`${d.name}-${arch}.elf`))
    .map((d) => d.name)
    .sort();
}

/** Run one guest in-process, as the benchmarks and the tests of host exits and page types do. */
export async function runPvGuest(name: string, arch: PvArch, opts: PvGuestOptions = {}): Promise<PvGuestRun> {
  const file = opts.file ?? join(repoRoot(), 'guests', 'pv', name, `${name}-${arch}.elf`);
  const input = opts.input;
  let vcpu: Vcpu | undefined;
  let server: EmuPortServer | undefined;
  let domain: Domain | undefined;
  const machine = pvMachine({
    createVcpu: (o) => {
      vcpu = createVcpu(o);
      opts.onStart?.(vcpu, server!);
      return vcpu;
    },
    onDomain: (d, s) => {
      domain = d;
      server = s;
    },
  });
  const t0 = process.cpuUsage();
  const r = await machine({
    file,
    image: new Uint8Array(readFileSync(file)),
    kind: 'xen-pv',
    memoryMiB: 64,
    cmdline: '',
    vcpus: 1,
    maxInstructions: 100_000_000,
    cpuProfile: 'intel',
    logger: createLogger({ level: 'silent', pretty: false }),
    consoleOut: opts.consoleOut ?? (() => {}),
    ...(input !== undefined
      ? {
          consoleIn: {
            subscribe: (onBytes: (b: Uint8Array) => void, onEnd?: () => void) => {
              setImmediate(() => {
                onBytes(Uint8Array.from(Buffer.from(input, 'latin1')));
                onEnd?.();
              });
              return () => {};
            },
          },
        }
      : {}),
  });
  const used = process.cpuUsage(t0);
  return {
    name,
    arch,
    status: r.status,
    instructions: vcpu?.instructionsRetired ?? 0,
    ms: (used.user + used.system) / 1000,
    requests: server?.counts ?? new Map(),
    commands: server?.commandCounts ?? new Map(),
    domain: domain!,
  };
}

const OP_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(EmuOp).map(([k, v]) => [v, k]));

export function describeRequests(requests: ReadonlyMap<number, number>): string {
  return [...requests].sort(([a], [b]) => a - b).map(([op, n]) => `${OP_NAMES.get(op) ?? op} ${n}`).join(', ');
}

/** What a guest expects typed on its console (shared with test/guests/pv-guests.ts). */
export const PV_GUEST_INPUT: Readonly<Record<string, string>> = { 'console-input': 'xenner console input\n' };

/** Run every guest of both word sizes and print one line each. */
export async function printPvGuestsBench(): Promise<void> {
  for (const arch of ['pv64', 'pv32'] as const) {
    for (const name of pvGuestNames(arch)) {
      const input = PV_GUEST_INPUT[name];
      const r = await runPvGuest(name, arch, input !== undefined ? { input } : {});
      console.log(`  ${`${name}-${arch}`.padEnd(18)} status ${r.status} ${String(r.instructions).padStart(9)} insns ${r.ms.toFixed(0).padStart(6)} ms  ${describeRequests(r.requests)}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('PV test guests end to end (64 MiB): retired instructions, CPU time, emu-port requests (host exits):');
  await printPvGuestsBench();
}
