/**
 * Guest time for the pv machine: the vCPU's own TSC (the software CPU
 * derives it from retired instructions, so runs are deterministic), at a
 * nominal frequency. While the guest is blocked nothing retires; the
 * machine then moves the TSC straight to the next timer (idle time is
 * skipped, as QEMU's icount does without sleeping), so a guest waiting for
 * a timer never waits in real time.
 */
import type { Vcpu } from '../../cpu/contract.js';
import type { GuestClock } from '../../host/time/clock.js';

const MSR_TSC = 0x10;

export class VcpuClock implements GuestClock {
  readonly bootWallclockNs = BigInt(Date.now()) * 1_000_000n;
  private vcpu: Vcpu | undefined;

  /** One TSC tick per nanosecond: a retired instruction is a nanosecond of guest time. */
  constructor(readonly tscHz = 1_000_000_000) {}

  attach(vcpu: Vcpu): void {
    this.vcpu = vcpu;
  }

  tsc(): bigint {
    return this.vcpu === undefined ? 0n : this.vcpu.getMsr(MSR_TSC);
  }

  /** Skip idle time: the TSC jumps forward to `tsc` (never back). */
  advanceTo(tsc: bigint): void {
    if (this.vcpu !== undefined && tsc > this.tsc()) this.vcpu.setMsr(MSR_TSC, tsc);
  }
}
