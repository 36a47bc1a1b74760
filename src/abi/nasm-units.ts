import type { NasmUnit } from './layout.js';
import { hypercallConsts } from './xen/hypercalls.js';
import { sifConsts, startInfo } from './xen/start-info.js';
import { hvmMemmapTableEntry, hvmModlistEntry, hvmStartConsts, hvmStartInfo } from './xen/hvm-start-info.js';
import { multibootConsts, multibootHeader, multibootInfo, multibootMmapEntry, multibootModule } from './multiboot.js';

/**
 * Every generated NASM include, in one list: add a unit here when a new ABI
 * is defined in TypeScript and needed by guest-side code. The output lives in
 * src/abi/nasm/<arch>/<file> and is committed.
 */
export const NASM_UNITS: readonly NasmUnit[] = [
  {
    file: 'xen.inc',
    title: 'Xen public ABI: hypercall numbers, start_info',
    consts: [hypercallConsts, sifConsts],
    structs: [startInfo],
  },
  {
    file: 'hvm-start-info.inc',
    title: 'PVH boot ABI: hvm_start_info and its tables',
    consts: [hvmStartConsts],
    structs: [hvmStartInfo, hvmModlistEntry, hvmMemmapTableEntry],
  },
  {
    file: 'multiboot.inc',
    title: 'Multiboot v1: header and boot information',
    consts: multibootConsts,
    structs: [multibootHeader, multibootInfo, multibootModule, multibootMmapEntry],
  },
];
