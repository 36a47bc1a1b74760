/**
 * A machine boots one kind of guest: `pv` (a Xen PV kernel under emu),
 * `pvh` and `multiboot` (bare-machine kernels), later `hvm`. The CLI picks
 * one from the image kind, or from --machine, and hands it everything it
 * needs; the machine runs the guest to its end and reports how it ended.
 */
import type { Logger } from '../log/logger.js';
import type { ImageKind } from '../host/loader/detect.js';
import type { ConsoleInput } from './serial-input.js';

export const MACHINE_NAMES = ['pv', 'pvh', 'multiboot'] as const;
export type MachineName = (typeof MACHINE_NAMES)[number];

export interface MachineConfig {
  file: string;
  image: Uint8Array;
  kind: ImageKind;
  memoryMiB: number;
  cmdline: string;
  initrd?: { file: string; bytes: Uint8Array };
  vcpus: number;
  /** Stop the guest after this many instructions (a hang detector for tests). */
  maxInstructions?: number;
  cpuProfile: 'intel' | 'amd';
  /** PV machines: print the xenstore tree (src/host/xenstore/dump.ts) to stderr when the guest ends. */
  dumpXenstore?: boolean;
  logger: Logger;
  /** Where the guest's console goes: stdout unless a test captures it. */
  consoleOut: (bytes: Uint8Array) => void;
  /** The guest's debug output (port 0xe9 on bare machines); shares consoleOut when absent. */
  debugOut?: (bytes: Uint8Array) => void;
  /** Console input (stdin) for the guest's UART or console ring; none when absent. */
  consoleIn?: ConsoleInput;
}

export interface MachineResult {
  /** The process exit status (src/cli/exit-status.ts). */
  status: number;
  /** How the guest ended, for the log: "poweroff", "triple fault", ... */
  reason: string;
}

export type MachineLauncher = (config: MachineConfig) => Promise<MachineResult>;

/** The machine that boots an image of this kind by default. */
export function defaultMachine(kind: ImageKind): MachineName | undefined {
  switch (kind) {
    case 'xen-pv':
    case 'bzimage':
      return 'pv';
    case 'pvh':
      return 'pvh';
    case 'multiboot':
      return 'multiboot';
    default:
      return undefined;
  }
}
