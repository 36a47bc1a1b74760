/**
 * HYPERVISOR_vcpu_op forwarded by emu: arg0 = cmd, arg1 = the target vCPU;
 * data = the command's structure. register_runstate_memory_area and
 * register_vcpu_time_memory_area take the guest-physical address emu
 * translated in arg2 (~0 to unregister). initialise: emu keeps the
 * vcpu_guest_context itself and tells the host the vCPU is ready.
 */
import { vcpuInfo, vcpuTimeInfo } from '../../../abi/xen/shared-info.js';
import { vcpuRegisterVcpuInfo, vcpuRunstateInfo, vcpuSetPeriodicTimer, vcpuSetSingleshotTimer, VcpuOp } from '../../../abi/xen/vcpu.js';
import { PAGE_SIZE } from '../../../memory/guest-memory.js';
import { err } from '../../common/errors.js';
import { layoutOf, toSafe } from '../../common/struct-view.js';
import type { OpContext } from '../op-context.js';

const UNREGISTER = 0xffff_ffff_ffff_ffffn;

/** A guest-physical area that fits inside one page of guest memory, or undefined. */
function areaIn(ctx: OpContext, addr: bigint, size: number, align: number): number | undefined {
  const a = toSafe(addr);
  if (a === undefined || a % align !== 0) return undefined;
  if ((a % PAGE_SIZE) + size > PAGE_SIZE) return undefined;
  if (!ctx.domain.frames.isRam(Math.floor(a / PAGE_SIZE))) return undefined;
  return a;
}

export function vcpuOp(ctx: OpContext): number {
  const { domain, vcpu: caller, req } = ctx;
  const cmd = req.argU32(0);
  const id = req.argU32(1);
  if (!domain.validVcpu(id)) return err('ENOENT');
  const v = domain.vcpus[id]!;
  switch (cmd) {
    case VcpuOp.initialise:
      if (v.initialised) return err('EEXIST');
      v.initialised = true;
      return 0;
    case VcpuOp.up:
      if (!v.initialised) return err('EINVAL');
      if (!v.up) domain.vcpuUp(v);
      return 0;
    case VcpuOp.down:
      if (v.up) domain.vcpuDown(v);
      return 0;
    case VcpuOp.is_up:
      return v.up ? 1 : 0;
    case VcpuOp.get_runstate_info: {
      const s = req.struct(vcpuRunstateInfo);
      const now = domain.now();
      s.setU32('state', v.runstate);
      s.setU64('state_entry_time', v.runstateEntry);
      const base = s.addr('time');
      for (let i = 0; i < 4; i++) {
        const t = v.runstateTime[i]! + (i === v.runstate ? now - v.runstateEntry : 0n);
        domain.mem.write64(base + 8 * i, t);
      }
      return 0;
    }
    case VcpuOp.register_runstate_memory_area: {
      const addr = req.arg(2);
      if (addr === UNREGISTER) {
        v.runstateAddr = undefined;
        return 0;
      }
      const a = areaIn(ctx, addr, layoutOf(vcpuRunstateInfo, domain.arch).size, 8);
      if (a === undefined) return err('EINVAL');
      v.runstateAddr = a;
      domain.writeRunstate(v);
      return 0;
    }
    case VcpuOp.register_vcpu_time_memory_area: {
      const addr = req.arg(2);
      if (addr === UNREGISTER) {
        v.timeAreaAddr = undefined;
        return 0;
      }
      const a = areaIn(ctx, addr, layoutOf(vcpuTimeInfo, domain.arch).size, 8);
      if (a === undefined) return err('EINVAL');
      v.timeAreaAddr = a;
      domain.updateTime(v);
      return 0;
    }
    case VcpuOp.register_vcpu_info: {
      if (v.vcpuInfoRegistered) return err('EINVAL');
      const s = req.struct(vcpuRegisterVcpuInfo);
      const mfn = toSafe(s.u64('mfn'));
      const offset = s.u32('offset');
      const size = layoutOf(vcpuInfo, domain.arch).size;
      if (mfn === undefined || offset > PAGE_SIZE - size || offset % 8 !== 0) return err('EINVAL');
      if (!domain.frames.isRam(mfn)) return err('EINVAL');
      const addr = mfn * PAGE_SIZE + offset;
      domain.mem.writeBytes(addr, domain.mem.readBytes(v.vcpuInfoAddr, size));
      v.vcpuInfoAddr = addr;
      v.vcpuInfoRegistered = true;
      // As Xen: mark everything pending so nothing raised during the move is lost.
      const bits = domain.evtchn.pendingBits;
      bits.setAllSelectors(addr);
      bits.testAndSetUpcallPending(addr);
      domain.updateTime(v);
      domain.hooks.kick(v.id);
      return 0;
    }
    case VcpuOp.set_periodic_timer:
      return v.timers.setPeriodic(req.struct(vcpuSetPeriodicTimer).u64('period_ns'), domain.now());
    case VcpuOp.stop_periodic_timer:
      v.timers.stopPeriodic();
      return 0;
    case VcpuOp.set_singleshot_timer: {
      if (v !== caller) return err('EINVAL');
      const s = req.struct(vcpuSetSingleshotTimer);
      return v.timers.setSingleshot(s.u64('timeout_abs_ns'), s.u32('flags'), domain.now());
    }
    case VcpuOp.stop_singleshot_timer:
      if (v !== caller) return err('EINVAL');
      v.timers.stopSingleshot();
      return 0;
    default:
      return err('ENOSYS');
  }
}
