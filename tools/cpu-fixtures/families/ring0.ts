/**
 * CPL 0 in 32-bit protected mode and in 64-bit long mode, recorded under QEMU
 * because user mode may not do it: port I/O (in, out, ins, outs with REP in
 * both address sizes of the mode and both directions; a 16-bit address size
 * uses the LOW window) and cli/sti and popf of IF, IOPL, NT and AC. I/O goes
 * to ports without a device (see port-io.ts).
 */
import { LOW, MAIN } from '../layout.js';
import type { CaseSpec } from '../spec.js';
import type { Family, GenContext } from './common.js';
import { flagControl, portIo } from './port-io.js';

export const ring0: Family = {
  name: 'ring0',
  covers: 'CPL 0 under QEMU (32- and 64-bit): in out ins outs (rep, a64/a32/a16, DF), cli sti popf (IF, IOPL, NT, AC)',
  reference: 'qemu-ring0',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    if (mode === 16) return [];
    const asizes: Parameters<typeof portIo>[2] = mode === 64 ? [['', 64, MAIN], ['a32 ', 32, MAIN]] : [['', 32, MAIN], ['a16 ', 16, LOW]];
    return [...portIo(mode, rng, asizes), ...flagControl(mode, rng)];
  },
};
