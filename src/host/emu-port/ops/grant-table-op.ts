/**
 * HYPERVISOR_grant_table_op forwarded by emu: arg0 = cmd, arg1 = count;
 * data = the command's structure (count is 1 for every command served
 * here, as Xen requires); setup_table's frame list is written to the array
 * area as guest unsigned longs. Per-operation failures go in the
 * structure's status field (GNTST_*), as in Xen; the call's result is 0.
 */
import { DomId } from '../../../abi/xen/event-channel.js';
import { GnttabOp, gnttabGetVersion, gnttabQuerySize, gnttabSetupTable, gnttabSetVersion, Gntst } from '../../../abi/xen/grant-table.js';
import { err } from '../../common/errors.js';
import { HOST_DOMID } from '../../evtchn/event-channels.js';
import { ulongSize } from '../../common/struct-view.js';
import type { OpContext } from '../op-context.js';

export function grantTableOp({ domain, req }: OpContext): number {
  const cmd = req.argU32(0);
  const count = req.argU32(1);
  const g = domain.grants;
  const self = (dom: number): boolean => dom === DomId.SELF || dom === domain.domid;
  // Another domain's table: Xen looks the domain up first (none: bad_domain /
  // -ESRCH), then asks XSM, which refuses a domU the host's (domain 0's).
  const otherStatus = (dom: number): Gntst => (dom === HOST_DOMID ? Gntst.permission_denied : Gntst.bad_domain);
  switch (cmd) {
    case GnttabOp.setup_table: {
      if (count !== 1) return err('EINVAL');
      const s = req.struct(gnttabSetupTable);
      const nr = s.u32('nr_frames');
      if (!self(s.u16('dom'))) {
        s.setU16('status', otherStatus(s.u16('dom')));
        return 0;
      }
      if (nr > req.arrayCapacity(ulongSize(domain.arch))) {
        s.setU16('status', Gntst.general_error);
        return 0;
      }
      const frames = g.setup(nr);
      if (typeof frames === 'number') {
        s.setU16('status', frames);
        return 0;
      }
      frames.forEach((f, i) => req.setUlongAt(i, BigInt(f)));
      s.setU16('status', Gntst.okay);
      return 0;
    }
    case GnttabOp.query_size: {
      if (count !== 1) return err('EINVAL');
      const s = req.struct(gnttabQuerySize);
      if (!self(s.u16('dom'))) {
        s.setU16('status', otherStatus(s.u16('dom')));
        return 0;
      }
      s.setU32('nr_frames', g.frames);
      s.setU32('max_nr_frames', g.maxFrames);
      s.setU16('status', Gntst.okay);
      return 0;
    }
    case GnttabOp.set_version: {
      if (count !== 1) return err('EINVAL');
      const s = req.struct(gnttabSetVersion);
      const want = s.u32('version');
      // Only version 1 is offered (as Xen booted with gnttab=max-ver:1); the answer carries the version in use.
      s.setU32('version', g.version);
      return want === 1 ? 0 : err('EINVAL');
    }
    case GnttabOp.get_version: {
      if (count !== 1) return err('EINVAL');
      const s = req.struct(gnttabGetVersion);
      if (!self(s.u16('dom'))) return s.u16('dom') === HOST_DOMID ? err('EPERM') : err('ESRCH');
      s.setU32('version', g.version);
      return 0;
    }
    default:
      // Mapping and copying are for backends; a domU has no peer to map from here.
      return err('ENOSYS');
  }
}
