/**
 * HYPERVISOR_memory_op forwarded by emu: arg0 = cmd; data = the command's
 * structure; arrays behind guest handles (reservation extents, the memory
 * map) in the array area, at most as many as fit there (emu splits bigger
 * requests). maximum/current_reservation and friends: data = the domid_t.
 * Frame numbers are guest frames (xenner's machine frames are guest-physical).
 */
import { DomId } from '../../../abi/xen/event-channel.js';
import {
  E820Type,
  XenMapSpace,
  XenMem,
  xenAddToPhysmap,
  xenMachphysMapping,
  xenMemoryMap,
  xenMemoryReservation,
} from '../../../abi/xen/memory-op.js';
import { PAGE_SIZE } from '../../../memory/guest-memory.js';
import { err } from '../../common/errors.js';
import { toSafe, ulongSize } from '../../common/struct-view.js';
import type { OpContext } from '../op-context.js';

export function memoryOp(ctx: OpContext): number {
  const { domain, req } = ctx;
  const self = (dom: number): boolean => dom === DomId.SELF || dom === domain.domid;
  switch (req.argU32(0)) {
    case XenMem.increase_reservation:
    case XenMem.decrease_reservation:
    case XenMem.populate_physmap:
      return reservation(ctx);
    case XenMem.maximum_reservation:
    case XenMem.current_reservation:
    case XenMem.maximum_gpfn: {
      if (!self(domain.mem.read16(req.dataAddr))) return err('ESRCH');
      const cmd = req.argU32(0);
      if (cmd === XenMem.maximum_reservation) return domain.maxPages;
      if (cmd === XenMem.current_reservation) return domain.frames.ramPages;
      return domain.frames.highestRam();
    }
    case XenMem.maximum_ram_page:
      return domain.frames.total - 1;
    case XenMem.memory_map: {
      const s = req.struct(xenMemoryMap);
      if (s.u32('nr_entries') < 1) return err('EINVAL');
      // A PV domU's pseudo-physical map: one RAM range over its pages.
      const a = req.arrayAddr;
      domain.mem.write64(a, 0n);
      domain.mem.write64(a + 8, BigInt(domain.config.nrPages) * BigInt(PAGE_SIZE));
      domain.mem.write32(a + 16, E820Type.RAM);
      s.setU32('nr_entries', 1);
      return 0;
    }
    case XenMem.machphys_mapping: {
      const s = req.struct(xenMachphysMapping);
      const m2p = domain.config.m2p;
      s.setUlong('v_start', m2p.virtStart);
      s.setUlong('v_end', m2p.virtEnd);
      const entries = BigInt(m2p.count * PAGE_SIZE) / BigInt(ulongSize(domain.arch));
      s.setUlong('max_mfn', entries - 1n);
      return 0;
    }
    case XenMem.add_to_physmap: {
      const s = req.struct(xenAddToPhysmap);
      if (!self(s.u16('domid'))) return err('ESRCH');
      if (s.u32('space') !== XenMapSpace.shared_info) return err('EINVAL');
      if (s.ulong('idx') !== 0n) return err('EINVAL');
      const gpfn = toSafe(s.ulong('gpfn'));
      if (gpfn === undefined || !domain.relocateSharedInfo(gpfn)) return err('EINVAL');
      return 0;
    }
    default:
      return err('ENOSYS');
  }
}

/** increase/decrease_reservation and populate_physmap: the number of extents done. */
function reservation({ domain, req }: OpContext): number {
  const s = req.struct(xenMemoryReservation);
  const cmd = req.argU32(0);
  if (!(s.u16('domid') === DomId.SELF || s.u16('domid') === domain.domid)) return err('ESRCH');
  const nr = toSafe(s.ulong('nr_extents'));
  if (nr === undefined || nr > req.arrayCapacity(ulongSize(domain.arch))) return err('EINVAL');
  // Order-0 extents only: a guest asking for bigger ones gets none and falls back to pages.
  if (s.u32('extent_order') !== 0) return 0;
  const frames = domain.frames;
  let done = 0;
  for (; done < nr; done++) {
    if (cmd === XenMem.decrease_reservation) {
      const f = toSafe(req.ulongAt(done));
      if (f === undefined || !frames.release(f)) break;
      continue;
    }
    if (frames.ramPages >= domain.maxPages) break;
    if (cmd === XenMem.increase_reservation) {
      const f = frames.allocate();
      if (f === undefined) break;
      req.setUlongAt(done, BigInt(f));
    } else {
      const gpfn = toSafe(req.ulongAt(done));
      if (gpfn === undefined || !frames.populate(gpfn)) break;
      req.setUlongAt(done, BigInt(gpfn));
    }
  }
  return done;
}

