/**
 * 32-bit protected mode at CPL 0, recorded under QEMU because user mode may
 * not do it: port I/O (in, out, ins, outs with REP in both address sizes and
 * directions; the 16-bit address size uses the LOW window) and cli/sti and
 * popf of IF, IOPL, NT and AC. I/O goes to ports without a device (see
 * port-io.ts).
 */
import { LOW, MAIN } from '../layout.js';
import type { CaseSpec } from '../spec.js';
import type { Family, GenContext } from './common.js';
import { flagControl, portIo } from './port-io.js';

export const ring0: Family = {
  name: 'ring0',
  covers: '32-bit CPL 0 under QEMU: in out ins outs (rep, a32/a16, DF), cli sti popf (IF, IOPL, NT, AC)',
  reference: 'qemu-ring0',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    if (mode !== 32) return [];
    return [...portIo(mode, rng, [['', 32, MAIN], ['a16 ', 16, LOW]]), ...flagControl(mode, rng)];
  },
};
