/** HYPERVISOR_event_channel_op forwarded by emu: arg0 = cmd; data = the command's structure, updated in place. */
import * as ev from '../../../abi/xen/event-channel.js';
import { EvtchnOp, EvtchnStat } from '../../../abi/xen/event-channel.js';
import { err } from '../../common/errors.js';
import type { OpContext } from '../op-context.js';

export function eventChannelOp({ domain, req }: OpContext): number {
  const e = domain.evtchn;
  const cmd = req.argU32(0);
  switch (cmd) {
    case EvtchnOp.alloc_unbound: {
      const s = req.struct(ev.evtchnAllocUnbound);
      const p = e.allocUnbound(s.u16('dom'), s.u16('remote_dom'));
      if (p < 0) return p;
      s.setU32('port', p);
      return 0;
    }
    case EvtchnOp.bind_interdomain: {
      const s = req.struct(ev.evtchnBindInterdomain);
      const p = e.bindInterdomain(s.u16('remote_dom'), s.u32('remote_port'));
      if (p < 0) return p;
      s.setU32('local_port', p);
      return 0;
    }
    case EvtchnOp.bind_virq: {
      const s = req.struct(ev.evtchnBindVirq);
      const p = e.bindVirq(s.u32('virq'), s.u32('vcpu'));
      if (p < 0) return p;
      s.setU32('port', p);
      return 0;
    }
    case EvtchnOp.bind_ipi: {
      const s = req.struct(ev.evtchnBindIpi);
      const p = e.bindIpi(s.u32('vcpu'));
      if (p < 0) return p;
      s.setU32('port', p);
      return 0;
    }
    case EvtchnOp.close:
      return e.close(req.struct(ev.evtchnPortOnly).u32('port'));
    case EvtchnOp.send:
      return e.send(req.struct(ev.evtchnPortOnly).u32('port'));
    case EvtchnOp.unmask:
      return e.unmask(req.struct(ev.evtchnPortOnly).u32('port'));
    case EvtchnOp.bind_vcpu: {
      const s = req.struct(ev.evtchnBindVcpu);
      return e.bindVcpu(s.u32('port'), s.u32('vcpu'));
    }
    case EvtchnOp.reset:
      return e.reset(req.struct(ev.evtchnReset).u16('dom'));
    case EvtchnOp.status: {
      const s = req.struct(ev.evtchnStatus);
      const st = e.status(s.u16('dom'), s.u32('port'));
      if (typeof st === 'number') return st;
      s.setU32('status', st.status);
      s.setU32('vcpu', st.vcpu);
      switch (st.status) {
        case EvtchnStat.unbound:
          s.setU16('u.unbound_dom', st.dom);
          break;
        case EvtchnStat.interdomain:
          s.setU16('u.interdomain.dom', st.dom);
          s.setU32('u.interdomain.port', st.port);
          break;
        case EvtchnStat.virq:
          s.setU32('u.virq', st.virq);
          break;
        default:
          break;
      }
      return 0;
    }
    case EvtchnOp.bind_pirq:
      return err('EPERM'); // a domU owns no physical IRQs
    default:
      // FIFO ABI (init_control, expand_array, set_priority) and unknown commands: guests fall back to 2-level.
      return err('ENOSYS');
  }
}
