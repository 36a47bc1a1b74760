import type { NasmUnit } from './layout.js';
import { hypercallConsts } from './xen/hypercalls.js';
import { sifConsts, startInfo } from './xen/start-info.js';
import { basicsConsts } from './xen/basics.js';

/**
 * Every generated NASM include, in one list: add a unit here when a new ABI
 * is defined in TypeScript and needed by guest-side code. The output lives in
 * src/abi/nasm/<arch>/<file> and is committed.
 */
export const NASM_UNITS: readonly NasmUnit[] = [
  {
    file: 'xen.inc',
    title: 'Xen public ABI: hypercall numbers, ELF notes, sched_op, console_io, start_info',
    consts: [hypercallConsts, sifConsts, ...basicsConsts],
    structs: [startInfo],
  },
];
