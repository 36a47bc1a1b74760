/**
 * The PV test guests (guests/pv/<name>/<name>-pv64.elf, -pv32.elf) and
 * where each can run. `dom0` says whether the guest is meaningful as dom0
 * of real Xen (the oracle): guests that need xenstore, the console ring or
 * a backend cannot be.
 */
import { join } from 'node:path';
import { repoRoot } from '../../tools/repo-root.js';

export interface PvGuest {
  name: string;
  dom0: boolean;
}

export const PV_GUESTS: readonly PvGuest[] = [{ name: 'hello', dom0: true }];

export type PvArch = 'pv64' | 'pv32';

export function pvGuestPath(name: string, arch: PvArch): string {
  return join(repoRoot(), 'guests', 'pv', name, `${name}-${arch}.elf`);
}
