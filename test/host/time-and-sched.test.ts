import { describe, expect, it } from 'vitest';
import { EmuOp } from '../../src/abi/emu-port.js';
import * as ev from '../../src/abi/xen/event-channel.js';
import { EvtchnOp, Virq } from '../../src/abi/xen/event-channel.js';
import { XenErrno } from '../../src/abi/xen/errno.js';
import { SchedOp, schedPoll, schedRemoteShutdown, schedShutdown, ShutdownReason } from '../../src/abi/xen/sched.js';
import { vcpuInfo, vcpuTimeInfo } from '../../src/abi/xen/shared-info.js';
import { Runstate, VcpuOp, vcpuRegisterVcpuInfo, vcpuRunstateInfo, vcpuSetPeriodicTimer, vcpuSetSingleshotTimer, VCPU_SSHOTTMR_future } from '../../src/abi/xen/vcpu.js';
import { layout } from '../../src/abi/layout.js';
import { ExitStatus } from '../../src/cli/exit-status.js';
import { exitStatusFor } from '../../src/host/domain/shutdown.js';
import { PV_DEFAULT_PERIOD_NS } from '../../src/host/domain/domain.js';
import { ManualClock, tscToNs } from '../../src/host/time/clock.js';
import { pvclockRead, timeScale } from '../../src/host/time/pvclock.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { makeHarness, type Harness } from '../helpers/emu-guest.js';

const E = (n: keyof typeof XenErrno): bigint => BigInt(-XenErrno[n]);
const MS = 1_000_000n;

function bindTimer(h: Harness, vcpu = 0): number {
  expect(h.call(EmuOp.event_channel_op, [EvtchnOp.bind_virq], () => h.writeStruct(ev.evtchnBindVirq, { virq: Virq.TIMER, vcpu }))).toBe(0n);
  return Number(h.readField(ev.evtchnBindVirq, 'port', 4));
}
const pending = (h: Harness, p: number): boolean => (h.mem.read8(h.si('evtchn_pending') + (p >> 3)) & (1 << (p & 7))) !== 0;
const clearPending = (h: Harness, p: number): void => h.mem.write8(h.si('evtchn_pending') + (p >> 3), h.mem.read8(h.si('evtchn_pending') + (p >> 3)) & ~(1 << (p & 7)));

describe('pvclock scale', () => {
  it.each([1_000_000_000, 2_000_000_000, 2_894_561_000, 3_000_000_000, 100_000_000, 1_234_567])('converts %d Hz ticks to ns within 1 ns per second', (hz) => {
    const s = timeScale(hz);
    const oneSecond = pvclockRead(s, 0n, 0n, BigInt(hz));
    expect(Number(oneSecond - 1_000_000_000n)).toBeLessThanOrEqual(2);
    expect(Number(oneSecond - 1_000_000_000n)).toBeGreaterThanOrEqual(-2);
  });
});

describe.each(['x86_64', 'x86_32'] as const)('time (%s)', (arch) => {
  it('vcpu_time_info agrees with the clock, with an even version that moves by 2 per update', () => {
    const h = makeHarness(arch);
    const base = h.vi(0, 'time');
    const tl = layout(vcpuTimeInfo, arch);
    const v0 = h.mem.read32(base + tl.offset('version'));
    expect(v0 % 2).toBe(0);
    h.clock.advanceNs(5_000_000_123n);
    h.domain.updateTime(h.domain.vcpus[0]!);
    expect(h.mem.read32(base + tl.offset('version'))).toBe(v0 + 2);
    const rec = {
      tsc: h.mem.read64(base + tl.offset('tsc_timestamp')),
      sys: h.mem.read64(base + tl.offset('system_time')),
      mul: h.mem.read32(base + tl.offset('tsc_to_system_mul')),
      shift: (h.mem.read8(base + tl.offset('tsc_shift')) << 24) >> 24,
    };
    expect(rec.tsc).toBe(h.clock.tsc());
    expect(rec.sys).toBe(5_000_000_123n);
    // The guest extrapolates from the record with its own TSC reads.
    h.clock.advanceNs(3_000_000n);
    const guestNow = pvclockRead({ mul: rec.mul, shift: rec.shift }, rec.tsc, rec.sys, h.clock.tsc());
    expect(guestNow).toBe(tscToNs(h.clock, h.clock.tsc()));
    expect(h.mem.read8(base + tl.offset('flags'))).toBe(1);
  });

  it('shared_info carries the boot wallclock, wc_sec_hi where the ABI puts it', () => {
    const clock = new ManualClock(1_000_000_000, (1n << 32n) * 1_000_000_000n + 5n * 1_000_000_000n + 42n);
    const h = makeHarness(arch, { clock });
    expect(h.mem.read32(h.si('wc_version')) % 2).toBe(0);
    expect(h.mem.read32(h.si('wc_sec'))).toBe(5);
    expect(h.mem.read32(h.si('wc_nsec'))).toBe(42);
    expect(h.mem.read32(h.si(arch === 'x86_64' ? 'wc_sec_hi' : 'arch.wc_sec_hi'))).toBe(1);
  });

  it('set_timer_op fires VIRQ_TIMER at the deadline; 0 cancels', () => {
    const h = makeHarness(arch);
    const p = bindTimer(h);
    expect(h.call(EmuOp.set_timer_op, [10n * MS])).toBe(0n);
    expect(h.domain.nextDeadline()).toBe(10n * MS);
    h.clock.advanceNs(9n * MS);
    h.domain.tick();
    expect(pending(h, p)).toBe(false);
    h.clock.advanceNs(1n * MS);
    h.domain.tick();
    expect(pending(h, p)).toBe(true);
    expect(h.domain.nextDeadline()).toBeUndefined();
    clearPending(h, p);
    h.call(EmuOp.set_timer_op, [h.domain.now() + MS]);
    h.call(EmuOp.set_timer_op, [0n]);
    h.clock.advanceNs(2n * MS);
    h.domain.tick();
    expect(pending(h, p)).toBe(false);
  });

  it('absurd set_timer_op timeouts become 100 ms', () => {
    const h = makeHarness(arch);
    h.clock.advanceNs(1_000n * MS);
    const now = h.domain.now();
    for (const t of [-1n, 1n << 63n, now + (1n << 50n) + 1n, now + (1n << 60n)]) {
      h.call(EmuOp.set_timer_op, [BigInt.asUintN(64, t)]);
      expect(h.domain.vcpus[0]!.timers.singleshot).toBe(now + 100n * MS);
    }
    // A past (but positive) deadline fires at the next tick.
    const p = bindTimer(h);
    h.call(EmuOp.set_timer_op, [now - MS]);
    h.domain.tick();
    expect(pending(h, p)).toBe(true);
  });

  it('vcpu singleshot and periodic timers', () => {
    const h = makeHarness(arch);
    const p = bindTimer(h);
    const single = (t: bigint, flags: number, target = 0): bigint =>
      h.call(EmuOp.vcpu_op, [VcpuOp.set_singleshot_timer, target], () => h.writeStruct(vcpuSetSingleshotTimer, { timeout_abs_ns: t, flags }));
    h.clock.advanceNs(50n * MS);
    expect(single(10n * MS, VCPU_SSHOTTMR_future)).toBe(E('ETIME'));
    expect(single(60n * MS, VCPU_SSHOTTMR_future, 1)).toBe(E('EINVAL'));
    expect(single(60n * MS, VCPU_SSHOTTMR_future)).toBe(0n);
    h.clock.advanceNs(10n * MS);
    h.domain.tick();
    expect(pending(h, p)).toBe(true);
    clearPending(h, p);
    // Xen's timers run on signed s_time_t: a timeout_abs_ns of 2^63 or more is in the past, so it fires at once.
    expect(single((1n << 63n) + 5n, 0)).toBe(0n);
    h.domain.tick();
    expect(pending(h, p)).toBe(true);
    clearPending(h, p);

    const periodic = (ns: bigint): bigint => h.call(EmuOp.vcpu_op, [VcpuOp.set_periodic_timer, 0], () => h.writeStruct(vcpuSetPeriodicTimer, { period_ns: ns }));
    expect(periodic(MS - 1n)).toBe(E('EINVAL'));
    expect(periodic(4n * MS)).toBe(0n);
    let fired = 0;
    for (let i = 0; i < 10; i++) {
      h.clock.advanceNs(2n * MS);
      h.domain.tick();
      if (pending(h, p)) {
        fired++;
        clearPending(h, p);
      }
    }
    expect(fired).toBe(5);
    // Falling far behind fires once, then keeps the period.
    h.clock.advanceNs(100n * MS);
    h.domain.tick();
    expect(pending(h, p)).toBe(true);
    expect(h.domain.nextDeadline()! - h.domain.now()).toBeLessThanOrEqual(4n * MS);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.stop_periodic_timer, 0])).toBe(0n);
    expect(h.domain.nextDeadline()).toBeUndefined();
  });

  it("PV vCPUs start with Xen's 100 Hz periodic timer until the guest stops it", () => {
    const h = makeHarness(arch, { defaultPeriodicTimerNs: PV_DEFAULT_PERIOD_NS });
    const p = bindTimer(h);
    expect(h.domain.nextDeadline()).toBe(h.domain.now() + 10n * MS);
    h.clock.advanceNs(10n * MS);
    h.domain.tick();
    expect(pending(h, p)).toBe(true);
    clearPending(h, p);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.stop_periodic_timer, 0])).toBe(0n);
    h.clock.advanceNs(50n * MS);
    h.domain.tick();
    expect(pending(h, p)).toBe(false);
    // Without the option (HVM) there is no default ticker.
    expect(makeHarness(arch).domain.nextDeadline()).toBeUndefined();
  });

  it('SCHEDOP_block sleeps until the timer event and re-enables event delivery', () => {
    const h = makeHarness(arch);
    bindTimer(h);
    h.mem.write8(h.vi(0, 'evtchn_upcall_mask'), 1);
    h.call(EmuOp.set_timer_op, [5n * MS]);
    expect(h.call(EmuOp.sched_op, [SchedOp.block])).toBe(0n);
    expect(h.mem.read8(h.vi(0, 'evtchn_upcall_mask'))).toBe(0);
    expect(h.domain.isRunnable(0)).toBe(false);
    expect(h.domain.vcpus[0]!.runstate).toBe(Runstate.blocked);
    h.clock.advanceNs(5n * MS);
    h.domain.tick();
    expect(h.domain.isRunnable(0)).toBe(true);
    expect(h.kicks).toContain(0);
  });

  it('SCHEDOP_block returns at once when an event is already pending', () => {
    const h = makeHarness(arch);
    h.mem.write8(h.vi(0, 'evtchn_upcall_pending'), 1);
    h.call(EmuOp.sched_op, [SchedOp.block]);
    expect(h.domain.isRunnable(0)).toBe(true);
  });

  it('SCHEDOP_poll waits for one of its ports (even masked) or the timeout', () => {
    const h = makeHarness(arch);
    const p = bindTimer(h);
    h.mem.write8(h.si('evtchn_mask') + (p >> 3), 1 << (p & 7));
    const poll = (ports: number[], timeout: bigint, nr = ports.length): bigint =>
      h.call(EmuOp.sched_op, [SchedOp.poll], (d) => {
        h.writeStruct(schedPoll, { nr_ports: nr, timeout });
        ports.forEach((q, i) => h.mem.write32(h.array() + 4 * i, q));
        void d;
      });
    expect(poll([p], 0n)).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(false);
    h.domain.evtchn.sendVirq(Virq.TIMER, 0);
    expect(h.domain.isRunnable(0)).toBe(true);
    // Already pending: no sleep.
    expect(poll([p], 0n)).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(true);
    clearPending(h, p);
    // Timeout (absolute system time).
    expect(poll([p], h.domain.now() + 3n * MS)).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(false);
    expect(h.domain.nextDeadline()).toBe(h.domain.now() + 3n * MS);
    h.clock.advanceNs(3n * MS);
    h.domain.tick();
    expect(h.domain.isRunnable(0)).toBe(true);
    // Bad arguments.
    expect(poll([p], 0n, 129)).toBe(E('EINVAL'));
    expect(poll([99999], 0n)).toBe(E('EINVAL'));
    expect(poll([p, 1 << 16], 0n)).toBe(E('EINVAL'));
    expect(h.domain.isRunnable(0)).toBe(true);
  });

  it("SCHEDOP_poll follows Xen's do_poll: port 0 allowed, ports checked in order, delivery first", () => {
    const h = makeHarness(arch);
    const p = bindTimer(h);
    h.mem.write8(h.si('evtchn_mask') + (p >> 3), 1 << (p & 7));
    const poll = (ports: number[], timeout = 0n): bigint =>
      h.call(EmuOp.sched_op, [SchedOp.poll], () => {
        h.writeStruct(schedPoll, { nr_ports: ports.length, timeout });
        ports.forEach((q, i) => h.mem.write32(h.array() + 4 * i, q));
      });
    // Port 0 is in the table: polling it sleeps, and a pending bit 0 ends it at once.
    expect(poll([0])).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(false);
    h.domain.wake(h.domain.vcpus[0]!);
    h.mem.write8(h.si('evtchn_pending'), 1);
    expect(poll([0])).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(true);
    // A pending port before a bad one wins; a bad one before it does not.
    expect(poll([0, 99999])).toBe(0n);
    expect(poll([99999, 0])).toBe(E('EINVAL'));
    expect(h.domain.isRunnable(0)).toBe(true);
    h.mem.write8(h.si('evtchn_pending'), 0);
    // Events awaiting delivery end the poll before any port is read.
    h.mem.write8(h.vi(0, 'evtchn_upcall_pending'), 1);
    h.mem.write8(h.vi(0, 'evtchn_upcall_mask'), 0);
    expect(poll([99999])).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(true);
    h.mem.write8(h.vi(0, 'evtchn_upcall_pending'), 0);
    h.mem.write8(h.vi(0, 'evtchn_upcall_mask'), 1);
  });

  it('SCHEDOP_poll of one port wakes only for it; of several ports, for any port (Xen: poll_evtchn -1)', () => {
    const h = makeHarness(arch);
    const t = bindTimer(h);
    const bindIpi = (): number => {
      expect(h.call(EmuOp.event_channel_op, [EvtchnOp.bind_ipi], () => h.writeStruct(ev.evtchnBindIpi, { vcpu: 0 }))).toBe(0n);
      return Number(h.readField(ev.evtchnBindIpi, 'port', 4));
    };
    const ipi = bindIpi();
    const other = bindIpi();
    // Masked, so raising them sets no upcall (which would wake any sleeper).
    for (const q of [t, ipi, other]) h.mem.write8(h.si('evtchn_mask') + (q >> 3), h.mem.read8(h.si('evtchn_mask') + (q >> 3)) | (1 << (q & 7)));
    const poll = (ports: number[]): bigint =>
      h.call(EmuOp.sched_op, [SchedOp.poll], () => {
        h.writeStruct(schedPoll, { nr_ports: ports.length, timeout: 0n });
        ports.forEach((q, i) => h.mem.write32(h.array() + 4 * i, q));
      });
    // Sent from elsewhere (another vCPU, a backend) while vCPU 0 sleeps.
    const send = (q: number): bigint => BigInt(h.domain.evtchn.send(q));
    expect(poll([t])).toBe(0n);
    expect(send(other)).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(false);
    expect(send(ipi)).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(false);
    h.domain.evtchn.sendVirq(Virq.TIMER, 0);
    expect(h.domain.isRunnable(0)).toBe(true);
    h.mem.fill(h.si('evtchn_pending'), 16, 0);
    expect(poll([t, ipi])).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(false);
    expect(send(other)).toBe(0n);
    expect(h.domain.isRunnable(0)).toBe(true);
  });

  it('shutdown reasons reach the exit status; shutdown_code latches', () => {
    const table: Array<[number, number]> = [
      [ShutdownReason.poweroff, ExitStatus.Poweroff],
      [ShutdownReason.reboot, ExitStatus.Reboot],
      [ShutdownReason.suspend, ExitStatus.Suspend],
      [ShutdownReason.crash, ExitStatus.Crash],
      [ShutdownReason.watchdog, ExitStatus.Watchdog],
    ];
    for (const [reason, status] of table) {
      const h = makeHarness(arch);
      expect(h.call(EmuOp.sched_op, [SchedOp.shutdown_code], () => h.writeStruct(schedShutdown, { reason: ShutdownReason.suspend }))).toBe(0n);
      expect(h.domain.ended).toBe(false);
      expect(h.call(EmuOp.sched_op, [SchedOp.shutdown], () => h.writeStruct(schedShutdown, { reason }))).toBe(0n);
      expect(h.domain.exitStatus).toBe(status);
      expect(h.domain.end?.code).toBe(ShutdownReason.suspend);
      expect(h.domain.isRunnable(0)).toBe(false);
    }
    expect(exitStatusFor(ShutdownReason.soft_reset)).toBe(ExitStatus.Reboot);
    const h = makeHarness(arch);
    expect(h.call(EmuOp.sched_op, [SchedOp.shutdown], () => h.writeStruct(schedShutdown, { reason: 6 }))).toBe(E('EINVAL'));
    expect(h.call(EmuOp.sched_op, [SchedOp.remote_shutdown], () => h.writeStruct(schedRemoteShutdown, { domain_id: 0, reason: 0 }))).toBe(E('EPERM'));
    expect(h.call(EmuOp.sched_op, [SchedOp.remote_shutdown], () => h.writeStruct(schedRemoteShutdown, { domain_id: 0x7ff0, reason: 9 }))).toBe(E('EINVAL'));
    expect(h.call(EmuOp.sched_op, [SchedOp.watchdog])).toBe(E('EPERM'));
    expect(h.call(EmuOp.sched_op, [SchedOp.yield])).toBe(0n);
    expect(h.domain.yielded).toBe(true);
    expect(h.call(EmuOp.sched_op, [99])).toBe(E('ENOSYS'));
    expect(h.call(EmuOp.sched_op, [SchedOp.remote_shutdown], () => h.writeStruct(schedRemoteShutdown, { domain_id: 1, reason: ShutdownReason.reboot }))).toBe(0n);
    expect(h.domain.exitStatus).toBe(ExitStatus.Reboot);
  });

  it('vcpu_op: initialise, up, down, is_up, runstate', () => {
    const h = makeHarness(arch);
    const ups: number[] = [];
    h.domain.hooks = { kick: () => {}, vcpuUp: (v) => ups.push(v) };
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.is_up, 1])).toBe(0n);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.up, 1])).toBe(E('EINVAL'));
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.initialise, 1])).toBe(0n);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.initialise, 1])).toBe(E('EEXIST'));
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.up, 1])).toBe(0n);
    expect(ups).toEqual([1]);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.is_up, 1])).toBe(1n);
    expect(h.domain.isRunnable(1)).toBe(true);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.is_up, 2])).toBe(E('ENOENT'));
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.is_up, 1n << 40n])).toBe(E('ENOENT'));

    // Runstate area: the host keeps it current.
    const area = 100 * PAGE_SIZE + 64;
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.register_runstate_memory_area, 1, area])).toBe(0n);
    const rl = layout(vcpuRunstateInfo, arch);
    expect(h.mem.read32(area + rl.offset('state'))).toBe(Runstate.running);
    h.clock.advanceNs(7n * MS);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.down, 1])).toBe(0n);
    expect(h.mem.read32(area + rl.offset('state'))).toBe(Runstate.offline);
    expect(h.mem.read64(area + rl.offset('time'))).toBe(7n * MS);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.get_runstate_info, 1])).toBe(0n);
    expect(h.readField(vcpuRunstateInfo, 'state', 4)).toBe(BigInt(Runstate.offline));
    // Areas outside RAM, crossing a page, or misaligned.
    for (const bad of [PAGE_SIZE - 8, 950 * PAGE_SIZE, 2 ** 60, 100 * PAGE_SIZE + 3]) {
      expect(h.call(EmuOp.vcpu_op, [VcpuOp.register_runstate_memory_area, 0, bad])).toBe(E('EINVAL'));
    }
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.register_runstate_memory_area, 0, 0xffffffffffffffffn])).toBe(0n);
    expect(h.call(EmuOp.vcpu_op, [VcpuOp.send_nmi, 0])).toBe(E('ENOSYS'));
  });

  it('register_vcpu_info moves vcpu_info once, copies it and marks everything pending', () => {
    const h = makeHarness(arch);
    const reg = (mfn: number, offset: number): bigint =>
      h.call(EmuOp.vcpu_op, [VcpuOp.register_vcpu_info, 0], () => h.writeStruct(vcpuRegisterVcpuInfo, { mfn, offset }));
    h.mem.write8(h.vi(0, 'evtchn_upcall_mask'), 1);
    expect(reg(200, PAGE_SIZE - 32)).toBe(E('EINVAL'));
    expect(reg(200, 4)).toBe(E('EINVAL'));
    expect(reg(SHARED_INFO_FRAME, 0)).toBe(E('EINVAL'));
    expect(reg(5000, 0)).toBe(E('EINVAL'));
    expect(reg(200, 128)).toBe(0n);
    const addr = 200 * PAGE_SIZE + 128;
    const vl = layout(vcpuInfo, arch);
    expect(h.domain.vcpus[0]!.vcpuInfoAddr).toBe(addr);
    expect(h.mem.read8(addr + vl.offset('evtchn_upcall_mask'))).toBe(1);
    expect(h.mem.read8(addr + vl.offset('evtchn_upcall_pending'))).toBe(1);
    expect(h.mem.read8(addr + vl.offset('evtchn_pending_sel'))).toBe(0xff);
    expect(h.mem.read32(addr + vl.offset('time.version')) % 2).toBe(0);
    expect(reg(201, 0)).toBe(E('EINVAL'));
    // Events now land in the new vcpu_info.
    const p = bindTimer(h);
    h.mem.fill(addr, vl.size, 0);
    h.domain.evtchn.sendVirq(Virq.TIMER, 0);
    expect(h.mem.read8(addr + vl.offset('evtchn_upcall_pending'))).toBe(1);
    expect(pending(h, p)).toBe(true);
  });
});

const SHARED_INFO_FRAME = 900;
