/**
 * A vCPU's two Xen timers: the singleshot timer (set_timer_op and
 * VCPUOP_set_singleshot_timer share it, as in Xen) and the periodic timer.
 * Both raise VIRQ_TIMER when they fire. Deadlines are guest system time in
 * ns; the domain's run loop fires them by calling {@link VcpuTimers.fire}.
 */
import { VCPU_SSHOTTMR_future } from '../../abi/xen/vcpu.js';
import { err } from '../common/errors.js';

/** Xen's rule for absurd set_timer_op timeouts: 100 ms from now. */
export const ABSURD_TIMEOUT_NS = 100_000_000n;
/** Timeouts this far ahead (2^50 ns, about 13 days) count as absurd. */
export const ABSURD_TIMEOUT_HORIZON_NS = 1n << 50n;
/** The shortest period VCPUOP_set_periodic_timer accepts (1 ms). */
export const MIN_PERIOD_NS = 1_000_000n;
/** Xen's STIME_DELTA_MAX: the longest period. */
export const MAX_PERIOD_NS = (1n << 62n) - 1n;

export class VcpuTimers {
  /** Absolute deadline of the singleshot timer, or undefined when stopped. */
  singleshot: bigint | undefined;
  /** 0 when the periodic timer is off. */
  period = 0n;
  periodicNext = 0n;

  /** set_timer_op(timeout): `timeout` is the guest's s_time_t (signed). */
  setTimerOp(timeout: bigint, now: bigint): number {
    const t = BigInt.asIntN(64, timeout);
    if (t === 0n) {
      this.singleshot = undefined;
      return 0;
    }
    const offset = t - now;
    if (t < 0n || (offset > 0n && offset >> 50n !== 0n)) {
      // Linux once wrapped jiffies into such values; Xen answers them with 100 ms.
      this.singleshot = now + ABSURD_TIMEOUT_NS;
    } else {
      this.singleshot = t;
    }
    return 0;
  }

  /**
   * VCPUOP_set_singleshot_timer. `timeoutAbsNs` is the guest's u64: the
   * VCPU_SSHOTTMR_future check compares it unsigned, as Xen's C does, but
   * the timer itself runs on signed s_time_t, so 2^63 and above is a time
   * long past and fires at once.
   */
  setSingleshot(timeoutAbsNs: bigint, flags: number, now: bigint): number {
    if ((flags & VCPU_SSHOTTMR_future) !== 0 && timeoutAbsNs < now) return err('ETIME');
    this.singleshot = BigInt.asIntN(64, timeoutAbsNs);
    return 0;
  }

  stopSingleshot(): void {
    this.singleshot = undefined;
  }

  setPeriodic(periodNs: bigint, now: bigint): number {
    if (periodNs < MIN_PERIOD_NS || periodNs > MAX_PERIOD_NS) return err('EINVAL');
    this.period = periodNs;
    this.periodicNext = now + periodNs;
    return 0;
  }

  stopPeriodic(): void {
    this.period = 0n;
  }

  /** The earliest deadline, or undefined. */
  nextDeadline(): bigint | undefined {
    let d = this.singleshot;
    if (this.period !== 0n && (d === undefined || this.periodicNext < d)) d = this.periodicNext;
    return d;
  }

  /**
   * Fire what is due at `now`; returns how many timer events fired (0, 1 or
   * 2). A periodic timer that fell behind fires once and skips the missed
   * periods, as Xen's does.
   */
  fire(now: bigint): number {
    let fired = 0;
    if (this.singleshot !== undefined && this.singleshot <= now) {
      this.singleshot = undefined;
      fired++;
    }
    if (this.period !== 0n && this.periodicNext <= now) {
      const behind = (now - this.periodicNext) / this.period;
      this.periodicNext += (behind + 1n) * this.period;
      fired++;
    }
    return fired;
  }
}
