/**
 * Boots an image on the real bare machine (loaders, devices, run loop) with
 * a scripted vCPU in place of the CPU, and hands back what the machine set
 * up: the vCPU (initial registers) and guest memory.
 */
import { ExitStatus } from '../../src/cli/exit-status.js';
import type { ImageKind } from '../../src/host/loader/detect.js';
import { silentLogger } from '../../src/log/logger.js';
import type { GuestMemory } from '../../src/memory/guest-memory.js';
import { bareMachine, type BootProtocol } from '../../src/machine/bare-machine.js';
import type { MachineConfig, MachineResult } from '../../src/machine/machine.js';
import { ScriptedVcpu, type ScriptStep } from './scripted-vcpu.js';

export interface BareBoot {
  result: MachineResult;
  vcpu: ScriptedVcpu;
  memory: GuestMemory;
  console: string;
}

/** The script every boot ends with: the guest reports success at 0xf4. */
export const EXIT_OK: ScriptStep[] = [{ kind: 'out', port: 0xf4, size: 1, values: [0] }];

export async function bareBoot(
  boot: BootProtocol,
  image: Uint8Array,
  opts: { file?: string; kind?: ImageKind; cmdline?: string; initrd?: { file: string; bytes: Uint8Array }; memoryMiB?: number; script?: ScriptStep[] } = {},
): Promise<BareBoot> {
  const vcpu = new ScriptedVcpu(opts.script ?? EXIT_OK);
  let memory: GuestMemory | undefined;
  const out: string[] = [];
  const config: MachineConfig = {
    file: opts.file ?? 'kernel.bin',
    image,
    kind: opts.kind ?? 'multiboot',
    memoryMiB: opts.memoryMiB ?? 16,
    cmdline: opts.cmdline ?? '',
    ...(opts.initrd ? { initrd: opts.initrd } : {}),
    vcpus: 1,
    cpuProfile: 'intel',
    logger: silentLogger(),
    consoleOut: (b) => out.push(Buffer.from(b).toString('latin1')),
  };
  const launch = bareMachine(boot, {
    createVcpu: () => vcpu,
    onVcpu: (_v, m) => {
      memory = m;
    },
  });
  const result = await launch(config);
  if (memory === undefined) throw new Error('the machine never created its vCPU');
  return { result, vcpu, memory, console: out.join('') };
}

export { ExitStatus };

/** The memory map the bare machine reports, as [addr, size, type] (written out, not computed by the code under test). */
export function expectedBareMemoryMap(memoryMiB: number): [bigint, bigint, number][] {
  return [
    [0n, 0x9fc00n, 1],
    [0x9fc00n, 0x400n, 2],
    [0xf0000n, 0x10000n, 2],
    [0x100000n, BigInt(memoryMiB - 1) * 1024n * 1024n, 1],
  ];
}
