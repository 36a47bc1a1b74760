import type { NasmUnit } from './layout.js';
import { hypercallConsts } from './xen/hypercalls.js';
import { sifConsts, startInfo } from './xen/start-info.js';
import { flatSelectorConsts, pteConsts, pvAddressConsts } from './xen/arch-x86.js';
import { xenElfNoteConsts, xenFeatureConsts } from './xen/elfnote.js';

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
    file: 'xen-pv.inc',
    title: 'Xen PV ABI: ELF note types, guest features, flat selectors, hypervisor area, page-table bits',
    consts: [xenElfNoteConsts, xenFeatureConsts, flatSelectorConsts, pvAddressConsts, pteConsts],
    structs: [],
  },
];
