/**
 * Guest time. One TSC runs for the whole domain (every vCPU sees the same
 * counter, as on a host with an invariant TSC) and the guest's system time
 * is that TSC scaled to nanoseconds: system time 0 is TSC 0, the domain's
 * start. The CPU backend must report the same TSC from rdtsc (it reads
 * {@link GuestClock.tsc}, or drives a clock of its own that implements this
 * interface), so the pvclock data the host writes agrees with what the
 * guest measures.
 */
export interface GuestClock {
  /** Ticks per second of the guest TSC. */
  readonly tscHz: number;
  /** The TSC the vCPUs see now. */
  tsc(): bigint;
  /** Wall-clock time, ns since the Unix epoch, at TSC 0. */
  readonly bootWallclockNs: bigint;
}

const NS_PER_SEC = 1_000_000_000n;

/** Guest system time (ns since the domain started) at a TSC value. */
export function tscToNs(clock: GuestClock, tsc: bigint): bigint {
  return (tsc * NS_PER_SEC) / BigInt(clock.tscHz);
}

/** The TSC value at a guest system time. */
export function nsToTsc(clock: GuestClock, ns: bigint): bigint {
  return (ns * BigInt(clock.tscHz)) / NS_PER_SEC;
}

/** The current guest system time in ns. */
export function systemTimeNs(clock: GuestClock): bigint {
  return tscToNs(clock, clock.tsc());
}

/** Real time: the host's monotonic clock, scaled to a nominal TSC frequency. */
export class HostClock implements GuestClock {
  private readonly start = process.hrtime.bigint();
  readonly bootWallclockNs = BigInt(Date.now()) * 1_000_000n;

  constructor(readonly tscHz = 2_000_000_000) {
    if (!Number.isSafeInteger(tscHz) || tscHz < 1_000_000) throw new RangeError(`bad TSC frequency ${tscHz}`);
  }

  tsc(): bigint {
    return nsToTsc(this, process.hrtime.bigint() - this.start);
  }
}

/**
 * Time that moves only when told to: deterministic runs (instruction-count
 * time) and tests.
 */
export class ManualClock implements GuestClock {
  private now = 0n;

  constructor(
    readonly tscHz = 1_000_000_000,
    readonly bootWallclockNs = 1_700_000_000_000_000_000n,
  ) {}

  tsc(): bigint {
    return this.now;
  }
  setTsc(tsc: bigint): void {
    if (tsc < this.now) throw new RangeError('the TSC never goes backwards');
    this.now = tsc;
  }
  /** Move system time forward by `ns`. */
  advanceNs(ns: bigint): void {
    this.now += nsToTsc(this, ns);
  }
}
