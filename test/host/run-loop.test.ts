/**
 * The domain as a run loop drives it: vCPUs block and poll, the loop sleeps
 * until the next deadline, events from other vCPUs and timers wake them.
 */
import { describe, expect, it } from 'vitest';
import { EmuOp } from '../../src/abi/emu-port.js';
import * as ev from '../../src/abi/xen/event-channel.js';
import { EvtchnOp, Virq } from '../../src/abi/xen/event-channel.js';
import { SchedOp, schedShutdown, ShutdownReason } from '../../src/abi/xen/sched.js';
import { VcpuOp } from '../../src/abi/xen/vcpu.js';
import { HostClock, systemTimeNs } from '../../src/host/time/clock.js';
import { makeHarness } from '../helpers/emu-guest.js';

describe('a run loop over the domain', () => {
  it('sleeps to the next deadline, wakes vCPUs by timer and by IPI, and ends on shutdown', () => {
    const h = makeHarness();
    const d = h.domain;
    h.call(EmuOp.vcpu_op, [VcpuOp.initialise, 1]);
    h.call(EmuOp.vcpu_op, [VcpuOp.up, 1]);
    // vCPU 1 binds an IPI port for itself and its timer, then blocks with a 30 ms timer.
    expect(h.call(EmuOp.event_channel_op, [EvtchnOp.bind_ipi], () => h.writeStruct(ev.evtchnBindIpi, { vcpu: 1 }, 1), 1)).toBe(0n);
    const ipi = Number(h.readField(ev.evtchnBindIpi, 'port', 4, 1));
    h.call(EmuOp.event_channel_op, [EvtchnOp.bind_virq], () => h.writeStruct(ev.evtchnBindVirq, { virq: Virq.TIMER, vcpu: 1 }, 1), 1);
    h.call(EmuOp.set_timer_op, [30_000_000n], undefined, 1);
    h.call(EmuOp.sched_op, [SchedOp.block], undefined, 1);
    // vCPU 0 blocks with a 10 ms timer.
    h.call(EmuOp.event_channel_op, [EvtchnOp.bind_virq], () => h.writeStruct(ev.evtchnBindVirq, { virq: Virq.TIMER, vcpu: 0 }));
    h.call(EmuOp.set_timer_op, [10_000_000n]);
    h.call(EmuOp.sched_op, [SchedOp.block]);
    expect([d.isRunnable(0), d.isRunnable(1)]).toEqual([false, false]);

    // Nothing runnable: the loop sleeps to the next deadline.
    const next = d.nextDeadline()!;
    expect(next).toBe(10_000_000n);
    h.clock.advanceNs(next - d.now());
    d.tick();
    expect([d.isRunnable(0), d.isRunnable(1)]).toEqual([true, false]);

    // vCPU 0 wakes vCPU 1 with an IPI before its timer.
    h.kicks.length = 0;
    h.call(EmuOp.event_channel_op, [EvtchnOp.send], () => h.writeStruct(ev.evtchnPortOnly, { port: ipi }));
    expect(d.isRunnable(1)).toBe(true);
    expect(h.kicks).toEqual([1]);
    // vCPU 1's time record was refreshed when it woke.
    expect(h.mem.read64(h.vi(1, 'time.system_time'))).toBe(10_000_000n);

    h.call(EmuOp.sched_op, [SchedOp.shutdown], () => h.writeStruct(schedShutdown, { reason: ShutdownReason.poweroff }));
    expect(d.ended).toBe(true);
    expect(d.exitStatus).toBe(0);
    expect([d.isRunnable(0), d.isRunnable(1)]).toEqual([false, false]);
  });
});

describe('HostClock', () => {
  it('runs forward at its nominal frequency', async () => {
    const c = new HostClock(3_000_000_000);
    const t0 = c.tsc();
    await new Promise((r) => setTimeout(r, 20));
    const t1 = c.tsc();
    expect(t1).toBeGreaterThan(t0);
    // At least the 20 ms slept, at 3 GHz.
    expect(t1 - t0).toBeGreaterThanOrEqual(3_000_000_000n / 50n - 3_000_000n);
    expect(systemTimeNs(c)).toBeGreaterThanOrEqual(20_000_000n - 1_000_000n);
    expect(() => new HostClock(5)).toThrow(RangeError);
  });
});
