/**
 * The host's view of one vCPU: whether it is up, whether it is blocked
 * (SCHEDOP_block / SCHEDOP_poll) and until when, its timers, where its
 * vcpu_info / runstate / secondary time areas are, and its runstate
 * accounting. The run loop runs a vCPU only while {@link HostVcpu.runnable}.
 */
import { Runstate } from '../../abi/xen/vcpu.js';
import { VcpuTimers } from '../time/vcpu-timers.js';

export class HostVcpu {
  /** VCPUOP_initialise done (vCPU 0 is initialised by the builder). */
  initialised: boolean;
  up: boolean;
  /** Waiting for an event (SCHEDOP_block) or a port (SCHEDOP_poll). */
  blocked = false;
  /** Blocked in SCHEDOP_poll: a port becoming pending (even masked) wakes it. */
  polling = false;
  /**
   * The one port a single-port poll waits for; undefined when the poll
   * named several ports (or none), and then, as in Xen (poll_evtchn = -1),
   * any port of the domain becoming pending wakes it.
   */
  pollPort: number | undefined;
  /** SCHEDOP_poll: system time at which it wakes anyway. */
  pollDeadline: bigint | undefined;
  readonly timers = new VcpuTimers();
  /** Guest-physical address of its vcpu_info. */
  vcpuInfoAddr: number;
  /** Moved away from shared_info by VCPUOP_register_vcpu_info (only once allowed). */
  vcpuInfoRegistered = false;
  runstateAddr: number | undefined;
  timeAreaAddr: number | undefined;
  /** emu's request page (guest-physical), once registered. */
  requestPage: number | undefined;
  runstate: Runstate;
  runstateEntry = 0n;
  readonly runstateTime: bigint[] = [0n, 0n, 0n, 0n];

  constructor(readonly id: number, vcpuInfoAddr: number) {
    this.vcpuInfoAddr = vcpuInfoAddr;
    this.initialised = id === 0;
    this.up = id === 0;
    this.runstate = id === 0 ? Runstate.running : Runstate.offline;
  }

  get runnable(): boolean {
    return this.up && !this.blocked;
  }

  /** Account the time spent in the old state and enter a new one. */
  enterRunstate(state: Runstate, now: bigint): void {
    if (state === this.runstate) return;
    this.runstateTime[this.runstate] = this.runstateTime[this.runstate]! + (now - this.runstateEntry);
    this.runstate = state;
    this.runstateEntry = now;
  }

  /** The earliest time something wakes or interrupts this vCPU. */
  nextDeadline(): bigint | undefined {
    let d = this.timers.nextDeadline();
    if (this.blocked && this.pollDeadline !== undefined && (d === undefined || this.pollDeadline < d)) d = this.pollDeadline;
    return d;
  }
}
