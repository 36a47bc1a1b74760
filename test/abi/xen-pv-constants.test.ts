import { describe, expect, it } from 'vitest';
import { GUEST_ARCHES } from '../../src/abi/layout.js';
import { FLAT_KERNEL_SELECTORS, FlatSelectors, PV_ADDRESS_SPACE } from '../../src/abi/xen/arch-x86.js';
import { XenElfNote, XenFeature } from '../../src/abi/xen/elfnote.js';
import { LEGACY_MAX_VCPUS, VCPU_INFO_SIZE, VCPU_INFO_UPCALL_MASK } from '../../src/host/builder/build.js';
import { headerCheckUnavailable } from '../helpers/xen-headers.js';
import { cConstants } from '../helpers/xen-constants.js';

describe.each(GUEST_ARCHES)('Xen PV constants match the public headers (%s)', (arch) => {
  const why = headerCheckUnavailable(arch);
  it.skipIf(why !== undefined)(`ELF notes, features, selectors, hypervisor area, vcpu_info${why ? ` (skipped: ${why})` : ''}`, () => {
    const exprs: Record<string, string> = {};
    const ours = new Map<string, bigint>();
    for (const [k, v] of Object.entries(XenElfNote)) {
      exprs[`note_${k}`] = `XEN_ELFNOTE_${k}`;
      ours.set(`note_${k}`, BigInt(v));
    }
    for (const [k, v] of Object.entries(XenFeature)) {
      exprs[`feat_${k}`] = `XENFEAT_${k}`;
      ours.set(`feat_${k}`, BigInt(v));
    }
    for (const [k, v] of Object.entries(FlatSelectors[arch])) {
      exprs[k] = k;
      ours.set(k, BigInt(v));
    }
    const sel = FLAT_KERNEL_SELECTORS[arch];
    Object.assign(exprs, { FLAT_KERNEL_CS: 'FLAT_KERNEL_CS', FLAT_KERNEL_DS: 'FLAT_KERNEL_DS', FLAT_KERNEL_SS: 'FLAT_KERNEL_SS' });
    ours.set('FLAT_KERNEL_CS', BigInt(sel.cs)).set('FLAT_KERNEL_DS', BigInt(sel.ds)).set('FLAT_KERNEL_SS', BigInt(sel.ss));
    const space = PV_ADDRESS_SPACE[arch];
    exprs.HYPERVISOR_VIRT_START = 'HYPERVISOR_VIRT_START';
    exprs.MACH2PHYS_VIRT_START = 'MACH2PHYS_VIRT_START';
    exprs.MACH2PHYS_VIRT_END = 'MACH2PHYS_VIRT_END';
    ours.set('HYPERVISOR_VIRT_START', space.hypervisorVirtStart).set('MACH2PHYS_VIRT_START', space.m2pVirtStart).set('MACH2PHYS_VIRT_END', space.m2pVirtEnd);
    if (arch === 'x86_64') {
      exprs.HYPERVISOR_VIRT_END = 'HYPERVISOR_VIRT_END';
      ours.set('HYPERVISOR_VIRT_END', space.hypervisorVirtEnd);
    }
    exprs.vcpu_info_size = 'sizeof(struct vcpu_info)';
    exprs.upcall_mask = 'offsetof(struct vcpu_info, evtchn_upcall_mask)';
    exprs.shared_vcpu_info = 'offsetof(struct shared_info, vcpu_info)';
    exprs.legacy_vcpus = 'XEN_LEGACY_MAX_VCPUS';
    exprs.word = 'sizeof(xen_ulong_t)';
    ours.set('vcpu_info_size', BigInt(VCPU_INFO_SIZE)).set('upcall_mask', BigInt(VCPU_INFO_UPCALL_MASK)).set('shared_vcpu_info', 0n);
    ours.set('legacy_vcpus', BigInt(LEGACY_MAX_VCPUS)).set('word', BigInt(space.wordSize));
    expect(ours).toEqual(cConstants(arch, ['xen/xen.h', 'xen/elfnote.h', 'xen/features.h'], exprs));
  });
});
