/** Every Xen structure the host services declare, checked against Xen's public headers (gcc -m64 / -m32). */
import { describe, expect, it } from 'vitest';
import { GUEST_ARCHES, layout, renderNasm, struct, type StructDecl } from '../../src/abi/layout.js';
import { archSharedInfo, archVcpuInfo, sharedInfo, vcpuInfo, vcpuTimeInfo } from '../../src/abi/xen/shared-info.js';
import * as evtchn from '../../src/abi/xen/event-channel.js';
import * as gnttab from '../../src/abi/xen/grant-table.js';
import * as sched from '../../src/abi/xen/sched.js';
import * as vcpu from '../../src/abi/xen/vcpu.js';
import * as mem from '../../src/abi/xen/memory-op.js';
import { xenconsInterface } from '../../src/abi/xen/console.js';
import { xenstoreDomainInterface, xsdSockmsg } from '../../src/abi/xen/xs-wire.js';
import { emuBootInfo, emuRequest, EMU_REQ_HEADER_SIZE, EMU_REQ_PAGE_SIZE } from '../../src/abi/emu-port.js';
import { cLayout, headerCheckUnavailable, ourLayout } from '../helpers/xen-headers.js';

const CHECKED: ReadonlyArray<[StructDecl, string[]]> = [
  [vcpuTimeInfo, ['xen/xen.h']],
  [archVcpuInfo, ['xen/xen.h']],
  [vcpuInfo, ['xen/xen.h']],
  [archSharedInfo, ['xen/xen.h']],
  [sharedInfo, ['xen/xen.h']],
  [evtchn.evtchnAllocUnbound, ['xen/xen.h', 'xen/event_channel.h']],
  [evtchn.evtchnBindInterdomain, ['xen/xen.h', 'xen/event_channel.h']],
  [evtchn.evtchnBindVirq, ['xen/xen.h', 'xen/event_channel.h']],
  [evtchn.evtchnBindIpi, ['xen/xen.h', 'xen/event_channel.h']],
  [evtchn.evtchnPortOnly, ['xen/xen.h', 'xen/event_channel.h']],
  [evtchn.evtchnStatus, ['xen/xen.h', 'xen/event_channel.h']],
  [evtchn.evtchnBindVcpu, ['xen/xen.h', 'xen/event_channel.h']],
  [evtchn.evtchnReset, ['xen/xen.h', 'xen/event_channel.h']],
  [gnttab.grantEntryV1, ['xen/xen.h', 'xen/grant_table.h']],
  [gnttab.gnttabSetupTable, ['xen/xen.h', 'xen/grant_table.h']],
  [gnttab.gnttabQuerySize, ['xen/xen.h', 'xen/grant_table.h']],
  [gnttab.gnttabSetVersion, ['xen/xen.h', 'xen/grant_table.h']],
  [gnttab.gnttabGetVersion, ['xen/xen.h', 'xen/grant_table.h']],
  [gnttab.gnttabCopy, ['xen/xen.h', 'xen/grant_table.h']],
  [sched.schedShutdown, ['xen/xen.h', 'xen/sched.h']],
  [sched.schedPoll, ['xen/xen.h', 'xen/sched.h']],
  [sched.schedRemoteShutdown, ['xen/xen.h', 'xen/sched.h']],
  [vcpu.vcpuRunstateInfo, ['xen/xen.h', 'xen/vcpu.h']],
  [vcpu.vcpuSetSingleshotTimer, ['xen/xen.h', 'xen/vcpu.h']],
  [vcpu.vcpuSetPeriodicTimer, ['xen/xen.h', 'xen/vcpu.h']],
  [vcpu.vcpuRegisterVcpuInfo, ['xen/xen.h', 'xen/vcpu.h']],
  [mem.xenMemoryReservation, ['xen/xen.h', 'xen/memory.h']],
  [mem.xenMemoryMap, ['xen/xen.h', 'xen/memory.h']],
  [mem.xenMachphysMapping, ['xen/xen.h', 'xen/memory.h']],
  [mem.xenAddToPhysmap, ['xen/xen.h', 'xen/memory.h']],
  [xenconsInterface, ['xen/xen.h', 'xen/io/console.h']],
  [xsdSockmsg, ['xen/xen.h', 'xen/io/xs_wire.h']],
  [xenstoreDomainInterface, ['xen/xen.h', 'xen/io/xs_wire.h']],
];

describe.each(GUEST_ARCHES)('host-service Xen structures match the public headers (%s)', (arch) => {
  const why = headerCheckUnavailable(arch);
  for (const [decl, includes] of CHECKED) {
    it.skipIf(why !== undefined)(`${decl.cType}${why ? ` (skipped: ${why})` : ''}`, () => {
      expect(ourLayout(decl, arch)).toEqual(cLayout(decl, arch, includes));
    });
  }
});

describe.each(GUEST_ARCHES)('emu-port structures (%s)', (arch) => {
  it('the request page is one page with the data area after the header', () => {
    const l = layout(emuRequest, arch);
    expect(l.size).toBe(EMU_REQ_PAGE_SIZE);
    expect(l.offset('data')).toBe(EMU_REQ_HEADER_SIZE);
    expect(l.offset('ret') % 8).toBe(0);
  });
  it('boot info has the same layout for both word sizes', () => {
    expect(ourLayout(emuBootInfo, arch)).toEqual(ourLayout(emuBootInfo, 'x86_64'));
  });
});

describe('per-architecture fields', () => {
  const s = struct('t', [
    { name: 'words', type: 'ulong', count: { x86_64: 2, x86_32: 3 } },
    { name: 'only64', type: 'u32', arch: 'x86_64' },
    { name: 'tail', type: 'u32' },
  ]);

  it('sizes arrays per architecture and drops the other architecture\'s fields', () => {
    const l64 = layout(s, 'x86_64');
    const l32 = layout(s, 'x86_32');
    expect(l64.offset('only64')).toBe(16);
    expect(l64.offset('tail')).toBe(20);
    expect(l64.size).toBe(24);
    expect(() => l32.offset('only64')).toThrow();
    expect(l32.offset('tail')).toBe(12);
    expect(l32.size).toBe(16);
  });

  it('renders only the fields of the architecture into NASM', () => {
    const unit = { file: 't.inc', title: 't', consts: [], structs: [s] };
    expect(renderNasm(unit, 'x86_64')).toContain('%define t_only64 16');
    expect(renderNasm(unit, 'x86_32')).not.toContain('only64');
    expect(renderNasm(unit, 'x86_32')).toContain('%define t_tail 12');
  });
});
