import type { NasmUnit } from './layout.js';
import { sifConsts, startInfo } from './xen/start-info.js';
import { mmConsts, mmuextOp, mmuUpdate } from './xen/mm.js';
import { trapConsts, trapInfo } from './xen/traps.js';
import { callbackConsts, callbackRegister } from './xen/callback.js';
import { versionConsts, versionLenConsts, xenCompileInfo, xenFeatureInfo, xenPlatformParameters } from './xen/version.js';
import { physdevOpConsts, physdevSetIopl } from './xen/physdev.js';
import { hypercallConsts, multicallEntry } from './xen/hypercalls.js';
import { hvmMemmapTableEntry, hvmModlistEntry, hvmStartConsts, hvmStartInfo } from './xen/hvm-start-info.js';
import { multibootConsts, multibootHeader, multibootInfo, multibootMmapEntry, multibootModule } from './multiboot.js';
import { emuBootFlagConsts, emuBootInfo, emuMiscConsts, emuOpConsts, emuPortConsts, emuRequest, evtchnShadowConsts } from './emu-port.js';
import { emu32Consts, emu64Consts, emuImageConsts, emuImageHeader, emuPcpuConsts } from './emu-image.js';
import { xenErrnoConsts } from './xen/errno.js';
import { legacyVcpuConsts, sharedInfo, sharedInfoConsts, vcpuInfo, vcpuTimeInfo } from './xen/shared-info.js';
import * as evtchn from './xen/event-channel.js';
import * as gnttab from './xen/grant-table.js';
import * as sched from './xen/sched.js';
import * as vcpu from './xen/vcpu.js';
import * as mem from './xen/memory-op.js';
import { consoleIoConsts, xenconsInterface } from './xen/console.js';
import { xenstoreDomainInterface, xsdSockmsg, xsTypeConsts } from './xen/xs-wire.js';
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
    title: 'Xen public ABI: hypercalls, ELF notes, memory management, traps, callbacks, xen_version, start_info',
    consts: [hypercallConsts, sifConsts, ...mmConsts, ...trapConsts, ...versionConsts, versionLenConsts, ...callbackConsts, physdevOpConsts],
    structs: [startInfo, mmuUpdate, mmuextOp, trapInfo, xenFeatureInfo, xenCompileInfo, xenPlatformParameters, callbackRegister, multicallEntry, physdevSetIopl],
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
  {
    file: 'emu-port.inc',
    title: 'xenner emu port: host <-> emu protocol (src/abi/emu-port.ts, docs/emu-port.md)',
    consts: [emuPortConsts, emuOpConsts, emuMiscConsts, evtchnShadowConsts, emuBootFlagConsts],
    structs: [emuRequest, emuBootInfo],
  },
  {
    file: 'emu-image.inc',
    title: 'xenner emu image: header and hole layout (src/abi/emu-image.ts)',
    consts: [emuImageConsts, emu64Consts, emu32Consts, emuPcpuConsts],
    structs: [emuImageHeader],
  },
  {
    file: 'xen-services.inc',
    title: 'Xen public ABI: errno, shared_info/vcpu_info, event channels, grant tables, sched, vcpu, memory, console, xenstore',
    consts: [
      xenErrnoConsts, sharedInfoConsts, legacyVcpuConsts,
      evtchn.evtchnOpConsts, evtchn.evtchnStatConsts, evtchn.virqConsts, evtchn.domIdConsts,
      gnttab.gnttabOpConsts, gnttab.gtfConsts, gnttab.gntstConsts,
      sched.schedOpConsts, sched.shutdownConsts, vcpu.vcpuOpConsts, vcpu.runstateConsts,
      mem.xenMemConsts, mem.xenMapSpaceConsts, consoleIoConsts, xsTypeConsts,
    ],
    structs: [
      vcpuTimeInfo, vcpuInfo, sharedInfo,
      evtchn.evtchnAllocUnbound, evtchn.evtchnBindInterdomain, evtchn.evtchnBindVirq, evtchn.evtchnBindIpi,
      evtchn.evtchnPortOnly, evtchn.evtchnStatus, evtchn.evtchnBindVcpu, evtchn.evtchnReset,
      gnttab.grantEntryV1, gnttab.gnttabSetupTable, gnttab.gnttabQuerySize, gnttab.gnttabSetVersion,
      gnttab.gnttabGetVersion, gnttab.gnttabCopy,
      sched.schedShutdown, sched.schedPoll, sched.schedRemoteShutdown,
      vcpu.vcpuRunstateInfo, vcpu.vcpuSetSingleshotTimer, vcpu.vcpuSetPeriodicTimer, vcpu.vcpuRegisterVcpuInfo,
      mem.xenMemoryReservation, mem.xenMemoryMap, mem.xenMachphysMapping, mem.xenAddToPhysmap,
      xenconsInterface, xsdSockmsg, xenstoreDomainInterface,
    ],
  },
  {
    file: 'xen-pv.inc',
    title: 'Xen PV ABI: ELF note types, guest features, flat selectors, hypervisor area, page-table bits',
    consts: [xenElfNoteConsts, xenFeatureConsts, flatSelectorConsts, pvAddressConsts, pteConsts],
    structs: [],
  },
];
