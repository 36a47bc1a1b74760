/**
 * HYPERVISOR_sched_op and set_timer_op forwarded by emu.
 *   sched_op: arg0 = cmd; shutdown/shutdown_code: data = sched_shutdown;
 *   poll: data = sched_poll, the ports (u32 each) in the array area;
 *   remote_shutdown: data = sched_remote_shutdown.
 *   set_timer_op: arg0 = the timeout (s_time_t, two's complement).
 */
import { DomId } from '../../../abi/xen/event-channel.js';
import { SCHED_POLL_MAX_PORTS, SchedOp, schedPoll, schedRemoteShutdown, schedShutdown, SHUTDOWN_MAX, type ShutdownReason } from '../../../abi/xen/sched.js';
import { err } from '../../common/errors.js';
import type { OpContext } from '../op-context.js';

function reasonOf(r: number): ShutdownReason | undefined {
  return r >= 0 && r <= SHUTDOWN_MAX ? (r as ShutdownReason) : undefined;
}

export function schedOp({ domain, vcpu, req }: OpContext): number {
  switch (req.argU32(0)) {
    case SchedOp.yield:
      domain.yielded = true;
      return 0;
    case SchedOp.block:
      domain.schedBlock(vcpu);
      return 0;
    case SchedOp.shutdown: {
      const reason = reasonOf(req.struct(schedShutdown).u32('reason'));
      if (reason === undefined) return err('EINVAL');
      domain.shutdown(reason);
      return 0;
    }
    case SchedOp.shutdown_code: {
      const reason = reasonOf(req.struct(schedShutdown).u32('reason'));
      if (reason === undefined) return err('EINVAL');
      domain.shutdownCode = reason;
      return 0;
    }
    case SchedOp.remote_shutdown: {
      const s = req.struct(schedRemoteShutdown);
      const target = s.u16('domain_id');
      if (target !== DomId.SELF && target !== domain.domid) return err('EPERM');
      const reason = reasonOf(s.u32('reason'));
      if (reason === undefined) return err('EINVAL');
      domain.shutdown(reason);
      return 0;
    }
    case SchedOp.poll: {
      const s = req.struct(schedPoll);
      const n = s.u32('nr_ports');
      if (n > SCHED_POLL_MAX_PORTS) return err('EINVAL');
      const ports: number[] = [];
      for (let i = 0; i < n; i++) ports.push(req.u32At(i));
      return domain.schedPoll(vcpu, ports, s.u64('timeout'));
    }
    case SchedOp.watchdog:
    case SchedOp.pin_override:
      return err('EPERM');
    default:
      return err('ENOSYS');
  }
}

export function setTimerOp({ domain, vcpu, req }: OpContext): number {
  return vcpu.timers.setTimerOp(req.arg(0), domain.now());
}
