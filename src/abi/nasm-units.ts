import type { NasmUnit } from './layout.js';
import { hypercallConsts } from './xen/hypercalls.js';
import { sifConsts, startInfo } from './xen/start-info.js';
import { basicsConsts } from './xen/basics.js';
import { mmConsts, mmuextOp, mmuUpdate } from './xen/mm.js';
import { trapConsts, trapInfo } from './xen/traps.js';
import { callbackConsts, callbackRegister } from './xen/callback.js';
import { featureConsts, versionConsts, xenFeatureInfo } from './xen/version.js';
import { sharedInfo, vcpuInfo, vcpuTimeInfo } from './xen/shared-info.js';
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
    title: 'Xen public ABI: hypercalls, ELF notes, sched_op, console_io, memory management, traps, start_info',
    consts: [hypercallConsts, sifConsts, ...basicsConsts, ...mmConsts, ...trapConsts, ...versionConsts, ...featureConsts, ...callbackConsts],
    structs: [startInfo, mmuUpdate, mmuextOp, trapInfo, vcpuTimeInfo, vcpuInfo, sharedInfo, xenFeatureInfo, callbackRegister],
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
