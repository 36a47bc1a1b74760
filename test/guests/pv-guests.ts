/**
 * The PV test guests (guests/pv/<name>/<name>-pv64.elf, -pv32.elf) and
 * where each can run. `dom0` says whether the guest is meaningful as dom0
 * of real Xen (the oracle): guests that need xenstore, the console ring or
 * a backend cannot be.
 */
import { join } from 'node:path';
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
  oracleDeviations?: readonly OracleDeviation[];
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
];

export type PvArch = 'pv64' | 'pv32';

export function pvGuestPath(name: string, arch: PvArch): string {
  return join(repoRoot(), 'guests', 'pv', name, `${name}-${arch}.elf`);
}
