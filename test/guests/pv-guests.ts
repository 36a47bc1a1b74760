/**
 * The PV test guests (guests/pv/<name>/<name>-pv64.elf, -pv32.elf) and
 * where each can run. `dom0` says whether the guest is meaningful as dom0
 * of real Xen (the oracle): guests that need xenstore, the console ring or
 * a backend cannot be.
 */
import { join } from 'node:path';
import { PV_GUEST_INPUT } from '../../bench/pv-guests.js';
import { repoRoot } from '../../tools/repo-root.js';

/**
 * A check the guest makes that real hardware passes but the oracle (Xen on
 * QEMU TCG) cannot, with the reason. The oracle run accepts exactly these
 * FAIL lines and nothing else; xenner must pass them all.
 */
export interface OracleDeviation {
  fail: string;
  why: string;
}

export interface PvGuest {
  name: string;
  dom0: boolean;
  /** Why a guest that is not dom0-capable cannot run on the oracle (shown as the skip reason). */
  domUOnly?: string;
  oracleDeviations?: readonly OracleDeviation[];
  /**
   * Checks xenner (emu) is known to fail, with the reason: the xenner run
   * expects exactly these FAIL lines, so it turns red the day they pass.
   */
  xennerDeviations?: readonly OracleDeviation[];
  /** Like xennerDeviations, for the pv32 build only (what emu32 lacks so far). */
  pv32Deviations?: readonly OracleDeviation[];
  /** Lines the run's stdout must show, in this order (other lines may come between). */
  consoleLines?: readonly string[];
  /** What the run types on the guest's console (stdin). */
  input?: string;
}

const QEMU_LONG_MODE_IDT_ERROR_CODE: OracleDeviation = {
  fail: 'int 0x81 #GP error code',
  why:
    "QEMU TCG before its fix computes a long-mode IDT #GP error code as vector*16+2; " +
    'hardware (Intel SDM vol. 3, 6.13) gives (vector << 3) | 2 = 0x40a, which Xen passes on',
};

const QEMU_NO_CPUID_FAULTING: OracleDeviation = {
  fail: 'plain cpuid of 0x40000000 does not show Xen',
  why:
    'Xen intercepts a PV guest\'s plain cpuid only with CPUID faulting, which QEMU TCG does not offer; ' +
    'on hardware with faulting (and under xenner) the Xen leaves appear',
};

export const PV_GUESTS: readonly PvGuest[] = [
  { name: 'hello', dom0: true },
  { name: 'traps', dom0: true, oracleDeviations: [QEMU_LONG_MODE_IDT_ERROR_CODE] },
  { name: 'memory', dom0: true },
  { name: 'cpuid', dom0: true, oracleDeviations: [QEMU_NO_CPUID_FAULTING] },
  { name: 'time', dom0: true },
  { name: 'descriptors', dom0: true },
  { name: 'usermode', dom0: true },
  { name: 'events', dom0: true },
  { name: 'badargs', dom0: true },
  { name: 'hypercalls', dom0: true },
  {
    name: 'console',
    dom0: false,
    domUOnly: "needs the domU console ring and a console backend (the oracle's dom0 has neither)",
    consoleLines: [
      'console line 1 (console_io)',
      'console line 2 (ring)',
      'console line 3 (console_io)',
      'console line 4 (ring, not notified)',
      'console line 5 (console_io)',
      ...Array.from({ length: 30 }, (_, i) => `console ring wrap line ${String(i).padStart(2, '0')}: the quick brown fox jumps over the lazy dog 0123456789`),
      'console line 6 (console_io)',
      'console line 7 (ring)',
      'Test result: SUCCESS',
    ],
  },
  {
    name: 'console-input',
    dom0: false,
    domUOnly: "reads the domU console ring's input (the oracle's dom0 has no console ring)",
    input: PV_GUEST_INPUT['console-input']!,
    consoleLines: ['console input: xenner console input', 'Test result: SUCCESS'],
  },
  { name: 'xenstore', dom0: false, domUOnly: "needs a xenstore ring and xenstored (the oracle's dom0 has no store)" },
  {
    name: 'grants',
    dom0: false,
    domUOnly: 'asks for the grant table of domain 0 as a domU (on the oracle it is dom0 itself)',
  },
];

export type PvArch = 'pv64' | 'pv32';

export function pvGuestPath(name: string, arch: PvArch): string {
  return join(repoRoot(), 'guests', 'pv', name, `${name}-${arch}.elf`);
}

/**
 * The first of `expected` that `output` does not show in order (each line
 * after the one before it; other lines may come between), or undefined
 * when all are there.
 */
export function firstMissingInOrder(output: string, expected: readonly string[]): string | undefined {
  const lines = output.split('\n');
  let at = 0;
  for (const want of expected) {
    while (at < lines.length && lines[at] !== want) at++;
    if (at === lines.length) return want;
    at++;
  }
  return undefined;
}
